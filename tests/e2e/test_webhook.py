"""Webhook mode: the same journey, and nothing lost when the process is killed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from emulator import BotApiEmulator
from tests.e2e.driver import ENGLISH_ANSWERS, Person
from tests.e2e.test_crash import BotProcess, killed_at_exit
from tests.support import DbTarget, free_port, peek

SECRET = "a-webhook-secret-of-32-characters"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(webhook_retry_delay=0.05) as emulator:
        yield emulator


def _webhook_env() -> dict[str, str]:
    port = free_port()
    return {
        "TAWASUL_MODE": "webhook",
        "TAWASUL_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram-hook",
        "TAWASUL_WEBHOOK_LISTEN": "127.0.0.1",
        "TAWASUL_WEBHOOK_PORT": str(port),
        "TAWASUL_WEBHOOK_SECRET": SECRET,
    }


async def test_webhook_journey_survives_kills(emu: BotApiEmulator, db_target: DbTarget) -> None:
    database = db_target
    env = _webhook_env()
    person = Person(emu.user(5001, first_name="Sam", language_code="en"))
    with killed_at_exit(BotProcess(emu, database, env)) as bot:
        await bot.start()
        welcome = await person.command("/start")
        assert "Welcome to" in welcome.text
        consent = await person.press(welcome, "New support request")
        question = await person.press(consent, "I agree")
        assert "Question 1 of 9" in question.text
        question = await person.say(ENGLISH_ANSWERS["full_name"])
        assert "Question 2 of 9" in question.text
        bot.kill()
        # Sent while the bot is down: the emulator keeps retrying the delivery.
        await person.sim.send_text(ENGLISH_ANSWERS["national_id"])
        await asyncio.sleep(0.3)
        await bot.start()
        question = await person.sim.wait_for_message(
            predicate=lambda m: "Question 3 of 9" in m.text, timeout=15
        )
        assert "Question 3 of 9" in question.text
        await bot.stop()
    async with peek(database) as conn:
        row = await conn.fetchone("SELECT answers FROM drafts")
    assert row is not None
    assert set(json.loads(row[0])) == {"full_name", "national_id"}


async def test_a_webhook_update_is_stored_before_it_is_acknowledged(
    emu: BotApiEmulator, db_target: DbTarget
) -> None:
    """Kill the bot the moment Telegram's POST was answered: the update is in the inbox."""
    database = db_target
    person = Person(emu.user(5002, first_name="Sam", language_code="en"))
    with killed_at_exit(BotProcess(emu, database, _webhook_env())) as bot:
        await bot.start()
        await person.command("/start")
        # Hold the bot's reply to the next message, so it is killed mid-handling.
        rule = emu.faults.add("slow", method="sendMessage", seconds=2)
        await person.sim.send_command("/myrequests")
        for _ in range(500):
            if rule.fired:  # the POST was answered and the handler is replying
                break
            await asyncio.sleep(0.01)
        assert rule.fired
        bot.kill()
    async with peek(database) as conn:
        stored = [
            json.loads(r[0])
            for r in await conn.fetchall("SELECT payload FROM inbox WHERE handled_at IS NULL")
        ]
    assert any(u.get("message", {}).get("text") == "/myrequests" for u in stored)
    # And the next start handles it.
    emu.faults.clear()
    with killed_at_exit(BotProcess(emu, database, _webhook_env())) as bot:
        await bot.start()
        listing = await person.sim.wait_for_message(
            predicate=lambda m: "My requests" in m.text, timeout=15
        )
        assert "not submitted any request" in listing.text
        await bot.stop()
