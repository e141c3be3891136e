"""The webhook server: Telegram posts updates here (TAWASUL_MODE=webhook).

PTB's own server (tornado) reads a whole body, up to 100 MB, before it looks at the secret
token, and answers malformed JSON with 500.  This one, on aiohttp (already a dependency),
checks in this order and reads as little as it can:

1. the path and the method (404 / 405 by aiohttp itself);
2. the ``X-Telegram-Bot-Api-Secret-Token`` header, compared in constant time (403, body
   unread);
3. the declared length (413 over ``MAX_BODY``; the read itself is capped too);
4. the body as a JSON object (400 otherwise).

An update is answered 200 only after it is in the durable update queue (``bot.inbox``):
Telegram retries anything else, so nothing is lost to a crash between the two. While the
bot starts or stops the answer is 503, and Telegram tries again later.

The same server answers ``/healthz`` and ``/metrics`` (``bot.health``); it starts before
the bot asks Telegram for getMe, so a probe learns why the bot is not ready yet.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.app import stop_on_signals, stop_sending
from bot.context import AppType
from bot.health import add_routes, connect, side_server
from bot.inbox import DurableQueue

__all__ = ["MAX_BODY", "add_webhook", "make_server", "run_behind_webhook", "run_webhook"]

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # an update is a few kilobytes; a megabyte leaves room for any
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_server(
    app: AppType, path: str, secret: str, accepting: Callable[[], bool] = lambda: True
) -> web.Application:
    """Return the aiohttp application that takes Telegram's posts on path (503 while not
    `accepting`)."""
    server = web.Application(client_max_size=MAX_BODY)
    add_webhook(server, lambda: app, path, secret, accepting)
    return server


def add_webhook(
    server: web.Application,
    current: Callable[[], AppType | None],
    path: str,
    secret: str,
    accepting: Callable[[], bool] = lambda: True,
) -> None:
    """Take Telegram's posts on path for the application `current()` gives (503 while it
    gives none or not `accepting`): one bot's route, in a server that may hold others."""
    expected = secret.encode("utf-8")

    async def receive_update(request: web.Request) -> web.Response:
        """Puts one update in the durable queue, after the checks above."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="wrong or missing secret token")
        app = current()
        if app is None or not accepting():
            return web.Response(status=503, text="starting")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="body too large")
        try:
            body = await request.content.read(MAX_BODY + 1)
        except (asyncio.IncompleteReadError, ConnectionError):
            return web.Response(status=400, text="incomplete body")
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="body too large")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            update = Update.de_json(data, app.bot)
        except (KeyError, TypeError, ValueError):
            return web.Response(status=400, text="not an update")
        if isinstance(app.update_queue, DurableQueue):
            # Re-encoded from the parsed dict (C-fast): the body itself may be any of the
            # encodings json.loads accepts.
            app.update_queue.received(data["update_id"], json.dumps(data, ensure_ascii=False))
        await app.update_queue.put(update)
        return web.Response(status=200)

    server.router.add_post("/" + path.lstrip("/"), receive_update)


async def serve(
    app: AppType,
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    allowed_updates: Sequence[str],
    stop: asyncio.Event,
    metrics_listen: str = "127.0.0.1",
    metrics_port: int | None = None,
) -> None:
    """Run the application behind the webhook until stop is set."""
    # Updates are taken once post_init has replayed the inbox (new ones go behind the old
    # ones), and no longer once stopping: what Telegram posts meanwhile is answered 503
    # and comes again.
    taking = asyncio.Event()
    server = make_server(
        app, urlsplit(url).path, secret, accepting=lambda: taking.is_set() and not stop.is_set()
    )
    add_routes(server, app)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
        async with side_server(app, metrics_listen, metrics_port):
            await run_behind_webhook(app, url, secret, allowed_updates, stop, taking)
    finally:
        await runner.cleanup()


async def run_behind_webhook(
    app: AppType,
    url: str,
    secret: str,
    allowed_updates: Sequence[str],
    stop: asyncio.Event,
    taking: asyncio.Event,
) -> None:
    try:
        if not await connect(app, stop):
            return
        if app.post_init is not None:
            await app.post_init(app)
        taking.set()
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed_updates))
        await app.start()
        try:
            await stop.wait()
        finally:
            # Telegram's posts meanwhile are answered 503 (stop is set): no new update.
            await stop_sending(app)  # the outbox's sends under way finish
            await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    finally:
        await app.shutdown()


def run_webhook(
    app: AppType,
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    allowed_updates: Sequence[str],
    metrics_listen: str = "127.0.0.1",
    metrics_port: int | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = stop_on_signals()
        await serve(
            app,
            url=url,
            listen=listen,
            port=port,
            secret=secret,
            allowed_updates=allowed_updates,
            stop=stop,
            metrics_listen=metrics_listen,
            metrics_port=metrics_port,
        )

    asyncio.run(main())
