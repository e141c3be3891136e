"""Long polling as a service (TAWASUL_MODE=polling): /healthz and /metrics on the side port.

PTB's run_polling() connects to Telegram before anything else runs, so a health server
started from post_init could not say that Telegram is not answering. Here the side server
(bot.health) starts first, getMe is asked again while Telegram does not answer, and then
the bot polls as bot.app.running() does.
"""

from __future__ import annotations

import asyncio

from bot.app import running, stop_on_signals
from bot.context import AppType
from bot.health import connect, side_server

__all__ = ["POLL_TIMEOUT", "run_polling", "serve"]

POLL_TIMEOUT = 10.0  # seconds Telegram holds a getUpdates open when there is nothing new


async def serve(
    app: AppType,
    *,
    stop: asyncio.Event,
    metrics_listen: str = "127.0.0.1",
    metrics_port: int | None = None,
    poll_timeout: float = POLL_TIMEOUT,
) -> None:
    """Poll until stop is set, with /healthz and /metrics on metrics_port (if any)."""
    async with side_server(app, metrics_listen, metrics_port):
        if not await connect(app, stop):
            return
        async with running(app, poll_timeout=poll_timeout):
            await stop.wait()


def run_polling(app: AppType, *, metrics_listen: str, metrics_port: int | None) -> None:
    """Poll until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = stop_on_signals()
        await serve(app, stop=stop, metrics_listen=metrics_listen, metrics_port=metrics_port)

    asyncio.run(main())
