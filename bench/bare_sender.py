"""The broadcast's baseline: a bare PTB ``Bot`` copying one message to N chats at a pace.

Run as ``python -m bench.bare_sender`` with the emulator's URLs and token in TAWASUL_*
(as bench.process.BotProcess sets them) and the job in BENCH_SENDER_* (from chat,
message id, first chat id, count, rate). No database, no outbox, no rate limiter: one
copyMessage started every 1/rate s, evenly spaced from the first, over the shipped bot's
aiohttp transport (bot/transport.py), so that the difference with the bot is the outbox's
own work and not the transport's. It then waits for SIGINT, so that the benchmark can read
its CPU time while the process is still alive.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from telegram import Bot
from telegram.error import TelegramError

from bot.transport import AiohttpRequest


async def copy_all(
    bot: Bot, from_chat: int, message_id: int, chats: range, rate: float
) -> tuple[int, int]:
    """Start one copy every 1/rate s; return (sent, failed)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    sends = []
    for i, chat in enumerate(chats):
        wait = start + i / rate - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        sends.append(asyncio.create_task(bot.copy_message(chat, from_chat, message_id)))
    results = await asyncio.gather(*sends, return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    for err in failed[:5]:
        print(f"bare sender: {err!r}", file=sys.stderr)
    if failed and not all(isinstance(r, TelegramError) for r in failed):
        raise failed[0]
    return len(results) - len(failed), len(failed)


async def main() -> None:
    env = os.environ
    first, count = int(env["BENCH_SENDER_FIRST"]), int(env["BENCH_SENDER_COUNT"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot = Bot(
        env["TAWASUL_BOT_TOKEN"],
        base_url=env["TAWASUL_API_BASE_URL"],
        base_file_url=env["TAWASUL_API_BASE_FILE_URL"],
        request=AiohttpRequest(256),
    )
    async with bot:  # getMe, then the copies
        sent, failed = await copy_all(
            bot,
            int(env["BENCH_SENDER_FROM_CHAT"]),
            int(env["BENCH_SENDER_MESSAGE_ID"]),
            range(first, first + count),
            float(env["BENCH_SENDER_RATE"]),
        )
        print(f"bare sender: {sent} sent, {failed} failed", file=sys.stderr, flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
