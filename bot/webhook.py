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
Telegram retries anything else, so nothing is lost to a crash between the two.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.app import stop_on_signals, stop_sending
from bot.context import AppType

__all__ = ["MAX_BODY", "make_server", "run_webhook"]

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # an update is a few kilobytes; a megabyte leaves room for any
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_server(app: AppType, path: str, secret: str) -> web.Application:
    """Return the aiohttp application that takes Telegram's posts on path."""
    expected = secret.encode("utf-8")

    async def receive_update(request: web.Request) -> web.Response:
        """Puts one update in the durable queue, after the checks above."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="wrong or missing secret token")
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
        await app.update_queue.put(update)
        return web.Response(status=200)

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post("/" + path.lstrip("/"), receive_update)
    return server


async def serve(
    app: AppType,
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    allowed_updates: Sequence[str],
    stop: asyncio.Event,
) -> None:
    """Run the application behind the webhook until stop is set."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        runner = web.AppRunner(make_server(app, urlsplit(url).path, secret), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed_updates))
        await app.start()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()  # no new update is taken while the rest stops
            await stop_sending(app)  # the outbox's sends under way finish
            await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    finally:
        await app.shutdown()


def run_webhook(
    app: AppType, *, url: str, listen: str, port: int, secret: str, allowed_updates: Sequence[str]
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
        )

    asyncio.run(main())
