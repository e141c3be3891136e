"""Webhook delivery to a tiny aiohttp receiver, and getUpdates 409 while it is set."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from emulator import BotApiEmulator


async def test_webhook_delivery_with_secret_and_retry(emu: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    arrived = asyncio.Event()
    failures = {"left": 1}

    async def receive(request: web.Request) -> web.Response:
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=500)
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        arrived.set()
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        user = emu.user(1001, first_name="Sara")
        url = f"http://127.0.0.1:{port}/hook"
        assert await bot.set_webhook(url, secret_token="s3cr3t-token")
        info = await bot.get_webhook_info()
        assert info.url == url
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        await user.send_text("via webhook")
        await asyncio.wait_for(arrived.wait(), 5)
        ((update, secret),) = received
        assert update["message"]["text"] == "via webhook" and secret == "s3cr3t-token"
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0 and info.last_error_message is not None
        assert emu.webhook_deliveries == 1

        assert await bot.delete_webhook()
        await user.send_text("via polling")
        (polled,) = await bot.get_updates(timeout=1)
        assert polled.message.text == "via polling"
    finally:
        await runner.cleanup()


async def test_get_updates_long_poll_wakes_on_update(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user.send_text("wake up")
    updates = await poll
    assert updates[0].message.text == "wake up"
    assert loop.time() - started < 2
    empty_started = loop.time()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0.3) == ()
    assert loop.time() - empty_started >= 0.25
