"""Run as a service: a stop drains the outbox's sends and does not wait out a 429 storm, an
idle bot's log stays quiet, and a second instance polling with the same token is reported once, in plain words.

The bot is `python -m bot run` in a child process against the emulator, logging at INFO
(the default) into a file, as a supervisor would run it.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emulator import BotApiEmulator
from storage.values import ts
from tests.e2e.test_crash import BotProcess, killed_at_exit
from tests.e2e.test_webhook import _webhook_env
from tests.support import DbTarget, change, eventually, peek

# What a supervisor gives the bot between SIGTERM and SIGKILL, as issue 16 asks (systemd's
# TimeoutStopSec and docker stop's grace are longer: see deploy/).
STOP_DEADLINE = 5.0
INFO = {"TAWASUL_LOG_LEVEL": "INFO"}
FIRST_USER = 8100
RECIPIENTS = 20


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(webhook_retry_delay=0.05) as emulator:
        yield emulator


def _trouble(log: Path) -> list[str]:
    """The log's lines that an operator would be alarmed by."""
    text = log.read_text(errors="replace")
    return [
        line
        for line in text.splitlines()
        if any(word in line for word in (" ERROR ", " CRITICAL ", "Traceback"))
    ]


async def _terminate(bot: BotProcess) -> tuple[int, float]:
    """SIGTERM; the exit status and the seconds until the process was gone."""
    proc = bot.proc
    assert proc is not None
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc.send_signal(signal.SIGTERM)
    try:
        await eventually(lambda: proc.poll() is not None, 30, "the bot to stop")
    except AssertionError:
        bot.kill()
        raise
    return bot.closed(), loop.time() - started


async def _queue_copies(database: DbTarget, from_chat: int, message_id: int) -> None:
    """Queue a broadcast's rows (a copy of one message to each recipient) straight into the
    outbox, as BroadcastService does in the transaction that starts one, but in the
    conversation lane: quiet hours hold the bulk lane, and the test runs at any hour."""
    now = ts(datetime.now(UTC))
    payload = json.dumps({"from_chat_id": from_chat, "message_id": message_id})
    async with change(database) as conn:
        await conn.executemany(
            "INSERT INTO outbox (chat_id, kind, lane, payload, due_at, created_at)"
            " VALUES (?, 'bulk.broadcast', 0, ?, ?, ?)",
            [(FIRST_USER + i, payload, now, now) for i in range(1, RECIPIENTS + 1)],
        )


async def _outbox(database: DbTarget) -> dict[str, int]:
    async with peek(database) as conn:
        rows = await conn.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        ambiguous = await conn.fetchval("SELECT COUNT(*) FROM outbox WHERE ambiguous > 0")
    return {**{str(state): int(n) for state, n in rows}, "ambiguous": int(ambiguous)}


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_lets_the_sends_under_way_finish_and_exits_cleanly(
    emu: BotApiEmulator, tmp_path: Path, db_target: DbTarget, mode: str
) -> None:
    database, log = db_target, tmp_path / "bot.log"
    env = {**INFO, **(_webhook_env() if mode == "webhook" else {})}
    sender = emu.user(FIRST_USER, first_name="Sam", language_code="en")
    recipients = [emu.user(FIRST_USER + i) for i in range(1, RECIPIENTS + 1)]
    with killed_at_exit(BotProcess(emu, database, env, log=log)) as bot:
        await bot.start()
        await sender.send_command("/start")
        welcome = await sender.wait_for_message(timeout=20)
        # Telegram answers each copy only after 1.5 s: SIGTERM comes while some are on
        # their way, others still wait for their turn (28 a second).
        slow = emu.faults.add("slow", "copyMessage", seconds=1.5, times=None)
        await _queue_copies(database, FIRST_USER, welcome.message_id)
        await eventually(lambda: slow.fired >= 5, 60, "copies under way")
        status, took = await _terminate(bot)
    assert status == 0
    assert took < STOP_DEADLINE, took
    assert _trouble(log) == []
    outbox = await _outbox(database)
    # Every copy Telegram was asked for was answered, and recorded as sent: none is left
    # `sending`, none of unknown outcome; those not yet sent wait for the next start.
    assert outbox.get("sending", 0) == 0 and outbox["ambiguous"] == 0
    assert outbox["sent"] == slow.fired >= 5
    assert outbox["sent"] + outbox.get("pending", 0) == RECIPIENTS
    assert sum(len(r.messages) for r in recipients) == slow.fired


async def test_sigterm_during_a_429_storm_does_not_wait_it_out(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    """Telegram answers every call 429 with a retry_after longer than any supervisor's
    grace: the polling loop sleeps it out between calls, and a stop must not."""
    log = tmp_path / "bot.log"
    with killed_at_exit(BotProcess(emu, tmp_path / "storm.sqlite3", INFO, log=log)) as bot:
        await bot.start()
        await eventually(lambda: "Application started" in log.read_text(), 60, "the start")
        storm = emu.faults.add("429", times=None, retry_after=60)
        await eventually(lambda: storm.fired >= 1, 30, "getUpdates answered 429")
        await asyncio.sleep(0.5)  # the polling loop is asleep for retry_after now
        status, took = await _terminate(bot)
    assert status == 0
    assert took < STOP_DEADLINE, took
    assert _trouble(log) == []  # the refused last confirmation is no error


async def test_a_batch_telegram_delivers_again_after_a_restart_is_not_handled_twice(
    emu: BotApiEmulator, tmp_path: Path, db_target: DbTarget
) -> None:
    """The getUpdates that would confirm the last batch is refused (a 429 storm begins),
    the bot stops: at the next start Telegram delivers that batch again."""
    log = tmp_path / "bot.log"
    sara = emu.user(FIRST_USER, first_name="Sara", language_code="en")
    with killed_at_exit(BotProcess(emu, db_target, INFO, log=log)) as bot:
        await bot.start()
        await sara.send_command("/start")
        # Before the bot can ask again: the call that would confirm /start is refused.
        storm = emu.faults.add("429", "getUpdates", times=None, retry_after=60)
        assert "Welcome to" in (await sara.wait_for_message(timeout=20)).text
        await eventually(lambda: storm.fired >= 1, 30, "the confirmation refused")
        status, _ = await _terminate(bot)
        assert status == 0
        emu.faults.clear()
        assert emu.state.pending_updates(100)  # Telegram still holds /start
        await bot.start()
        await sara.send_text("hello")  # a new message: the bot is polling again
        await sara.wait_for_message(timeout=20)
        await asyncio.sleep(0.5)
        status, _ = await _terminate(bot)
    assert status == 0
    texts = [m.text for m in sara.messages]
    assert sum("Welcome to" in (t or "") for t in texts) == 1, texts
    assert _trouble(log) == []


async def test_an_idle_bot_writes_nothing_at_info(emu: BotApiEmulator, tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    with killed_at_exit(BotProcess(emu, tmp_path / "idle.sqlite3", INFO, log=log)) as bot:
        await bot.start()
        await eventually(lambda: "Application started" in log.read_text(), 60, "the start")
        started = log.read_text().splitlines()
        # The outbox is poked every second, the follow-up rules run after 5 s: before
        # APScheduler was quietened each run wrote two lines.
        await asyncio.sleep(6)
        assert log.read_text().splitlines() == started
        status, _ = await _terminate(bot)
    assert status == 0
    assert _trouble(log) == []


async def test_a_second_instance_with_the_same_token_is_reported_once(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = BotProcess(emu, tmp_path / "first.sqlite3", INFO, log=logs[0])
    second = BotProcess(emu, tmp_path / "second.sqlite3", INFO, log=logs[1])
    with killed_at_exit(first), killed_at_exit(second):
        await first.start()
        await second.start()
        # Telegram ends the older long poll whenever the other instance polls: they take
        # turns, so each has been refused three times by now.
        await eventually(lambda: emu.poll_conflicts >= 6, 60, "six conflicts")
        statuses = [(await _terminate(first))[0], (await _terminate(second))[0]]
    assert statuses == [0, 0]
    for log in logs:
        reports = [line for line in log.read_text().splitlines() if "409 Conflict" in line]
        assert len(reports) == 1, reports
        assert "Another instance of this bot is polling" in reports[0]
        assert "Traceback" not in log.read_text()
