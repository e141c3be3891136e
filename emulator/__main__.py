"""``python -m emulator``: run the Bot API emulator, a terminal chat, or both."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from emulator.console import Console, chat_until, stop_on_signals
from emulator.server import BotApiEmulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="A local Telegram Bot API emulator. Point the bot at it with "
        "base_url=http://HOST:PORT/bot and base_file_url=http://HOST:PORT/file/bot.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen/connect host")
    parser.add_argument("--port", type=int, default=8081, help="listen/connect port")
    parser.add_argument("--bot-username", default="tawasul_test_bot")
    parser.add_argument("--bot-name", default="Tawasul", help="the bot's first_name")
    parser.add_argument(
        "--console",
        type=int,
        metavar="USER_ID",
        help="open a terminal chat as this user (beneficiary)",
    )
    parser.add_argument(
        "--connect",
        action="store_true",
        help="with --console: attach to an emulator already running at HOST:PORT "
        "instead of starting one in this process",
    )
    parser.add_argument("--first-name", default="Beneficiary", help="console user's name")
    parser.add_argument("--language", default="ar", help="console user's language_code")
    parser.add_argument(
        "--group",
        type=int,
        action="append",
        default=[],
        metavar="CHAT_ID",
        help="pre-create a forum supergroup (repeatable), e.g. the staff group",
    )
    return parser


async def amain(args: argparse.Namespace) -> None:
    if args.connect and args.console is None:
        raise SystemExit("--connect needs --console USER_ID")
    emu: BotApiEmulator | None = None
    if not args.connect:
        emu = BotApiEmulator(
            host=args.host,
            port=args.port,
            bot_username=args.bot_username,
            bot_first_name=args.bot_name,
            log_requests=False,
        )
        await emu.start()
        for chat_id in args.group:
            emu.group(chat_id, title="Staff", is_forum=True)
        print(
            f"Bot API emulator on {emu.url}\n  base_url={emu.base_url}\n"
            f"  base_file_url={emu.base_file_url}",
            flush=True,
        )
    stop = stop_on_signals()
    try:
        if args.console is not None:
            url = f"http://{args.host}:{emu.port if emu else args.port}"
            async with Console(url, args.console, args.first_name, args.language) as console:
                await chat_until(console, stop)
        else:
            await stop.wait()
    finally:
        if emu is not None:
            await emu.stop()


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(amain(args))


if __name__ == "__main__":
    main()
