"""Nothing a beneficiary typed is lost when the bot process is killed with SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from emulator import BotApiEmulator, BotMessage
from tests.e2e.driver import ENGLISH_ANSWERS, NATIONAL_ID, Person
from tests.support import TOKEN, DbTarget, change, database_env, peek

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python -m bot run` in a child process, pointed at the emulator."""

    def __init__(
        self,
        emu: BotApiEmulator,
        database: DbTarget,
        extra_env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.emu = emu
        # Ready when it has polled, or (webhook mode) registered its webhook.
        webhook = (extra_env or {}).get("TAWASUL_MODE") == "webhook"
        self.ready_method = "setwebhook" if webhook else "getupdates"
        self.log = log  # where its stderr goes (by default, a pipe read if it fails to start)
        self.env = {
            **os.environ,
            "TAWASUL_BOT_TOKEN": TOKEN,
            "TAWASUL_API_BASE_URL": emu.base_url,
            "TAWASUL_API_BASE_FILE_URL": emu.base_file_url,
            **database_env(database),
            "TAWASUL_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        polls = self._polls()
        log = self.log.open("ab") if self.log is not None else None
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once; we wait on the emulator
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if log is None else log,
        )
        if log is not None:
            log.close()  # the child has its own copy
        # Ready when it has asked for updates.
        for _ in range(600):
            if self._polls() > polls:
                return
            if self.proc.poll() is not None:
                raise AssertionError(self._stderr())
            await asyncio.sleep(0.05)
        raise AssertionError("the bot did not become ready within 30 s")

    def kill(self) -> None:
        """Kill the process at once (SIGKILL): no shutdown code runs."""
        self._end(signal.SIGKILL)

    async def stop(self) -> int:
        """Stop gracefully (SIGTERM), as a supervisor would; return the exit status.

        The emulator runs in this event loop: it answers the bot's last calls meanwhile.
        """
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(600):
            if self.proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        else:
            self.kill()
            raise AssertionError("the bot did not stop within 30 s of SIGTERM")
        return self.closed()

    def _end(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.closed()

    def closed(self) -> int:
        """Forget the process that has ended; return its exit status."""
        assert self.proc is not None
        status = self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None
        return status

    def _stderr(self) -> str:
        if self.log is not None:
            return self.log.read_text(errors="replace")
        return self.proc.stderr.read().decode() if self.proc and self.proc.stderr else ""

    def _polls(self) -> int:
        return sum(1 for r in self.emu.requests_log if r.method.lower() == self.ready_method)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@contextmanager
def killed_at_exit(process: BotProcess) -> Iterator[BotProcess]:
    try:
        yield process
    finally:
        if process.proc is not None:
            process.kill()


async def _request_answers(database: DbTarget) -> dict[str, object]:
    async with peek(database) as conn:
        row = await conn.fetchone("SELECT answers FROM requests")
    assert row is not None
    answers: dict[str, object] = json.loads(row[0])
    return answers


async def _current_screen(person: Person) -> BotMessage:
    """Ask for the current screen the way a beneficiary would after silence: /start.

    A reply to an answer replayed from the inbox may arrive first; it is skipped.
    """
    await person.sim.send_command("/start")
    prompt = await person.sim.wait_for_message(
        predicate=lambda m: any("Continue" in label for label in m.button_labels)
    )
    return await person.press(prompt, "Continue")


async def _kill_and_restart(bot: BotProcess, person: Person, current: BotMessage) -> BotMessage:
    """SIGKILL right after a reply; on restart the beneficiary gets the same screen again.

    The last update was handled but is still in the inbox (handled updates leave it at
    the next poll), so it is replayed: a typed answer already applied re-sends the current
    screen, a replayed button shows it again after "expired", and a replayed "I agree"
    offers to continue the draft.
    """
    bot.kill()
    await bot.start()
    again = await person.next()
    if any("Continue" in label for label in again.button_labels):
        again = await person.press(again, "Continue")
    assert again.text in current.text, (again.text, current.text)  # (without the intro)
    return again


async def test_killed_after_every_answer_resumes_where_it_stood(
    emu: BotApiEmulator, db_target: DbTarget
) -> None:
    database = db_target
    person = Person(emu.user(3001, first_name="Sam", language_code="en"))
    with killed_at_exit(BotProcess(emu, database)) as bot:
        await bot.start()
        welcome = await person.command("/start")
        consent = await person.press(welcome, "New support request")
        question = await person.press(consent, "I agree")
        for key, value in ENGLISH_ANSWERS.items():
            question = await _kill_and_restart(bot, person, question)
            if key == "service_type":
                question = await person.press(question, value)
            else:
                question = await person.say(value)
            assert "⚠️" not in question.text, question.text
        question = await _kill_and_restart(bot, person, question)
        await person.sim.send_photo()
        skip = await person.next()
        assert "Question 9 of 9" in skip.text
        skip = await _kill_and_restart(bot, person, skip)
        review = await person.press(skip, "Skip")
        review = await _kill_and_restart(bot, person, review)
        declaration = await person.press(review, "Confirm and continue")
        declaration = await _kill_and_restart(bot, person, declaration)
        receipt = await person.press(declaration, "I confirm and sign")
        assert "TWS-2026-000001" in receipt.text
    answers = await _request_answers(database)
    assert answers["national_id"] == NATIONAL_ID
    assert answers["mobile"] == "+966551234567"
    assert answers["family_size"] == 5
    assert answers["service_type"] == "medical_devices"


async def test_killed_at_random_moments_loses_nothing(
    emu: BotApiEmulator, db_target: DbTarget
) -> None:
    """Kill while an answer is in flight; on restart the beneficiary finds their place."""
    rng = random.Random(20261121)
    database = db_target
    person = Person(emu.user(3002, first_name="Sam", language_code="en"))
    with killed_at_exit(BotProcess(emu, database)) as bot:
        await bot.start()
        welcome = await person.command("/start")
        consent = await person.press(welcome, "New support request")
        await person.press(consent, "I agree")
        answers = list(ENGLISH_ANSWERS.items())
        done = 0
        while done < len(answers):
            key, value = answers[done]
            screen = person.sim.last_message
            assert screen is not None
            if key == "service_type":
                await person.sim.press_button(screen, value)
            else:
                await person.sim.send_text(value)
            # Kill somewhere between "the update arrived" and "the reply was sent".
            await asyncio.sleep(rng.uniform(0.0, 0.06))
            bot.kill()
            await bot.start()
            person.sim.skip_pending()
            current = await _current_screen(person)
            number = int(current.text.split("Question ")[1].split(" of")[0])
            # Either the answer was applied (we are one further) or it was not yet.
            assert number in (done + 1, done + 2), current.text
            done = number - 1
    async with peek(database) as conn:
        row = await conn.fetchone("SELECT answers, field_key FROM drafts")
    assert row is not None
    stored = json.loads(row[0])
    assert stored["full_name"] == ENGLISH_ANSWERS["full_name"]
    assert stored["national_id"] == NATIONAL_ID
    assert stored["service_type"] == "medical_devices"
    assert stored["description"] == ENGLISH_ANSWERS["description"]
    assert row[1] == "id_document"


async def test_an_update_fetched_but_not_handled_is_replayed(
    emu: BotApiEmulator, db_target: DbTarget
) -> None:
    """An update fetched, stored and confirmed to Telegram, but never handled (the bot was
    killed in between), is handled at the next start from the inbox alone."""
    database = db_target
    person = Person(emu.user(3003, first_name="Sam", language_code="en"))
    with killed_at_exit(BotProcess(emu, database)) as bot:
        await bot.start()
        welcome = await person.command("/start")
        consent = await person.press(welcome, "New support request")
        await person.press(consent, "I agree")
        bot.kill()
    # What DurableBot writes after getUpdates, for a message whose handling never ran;
    # the next poll had already confirmed it, so Telegram will not deliver it again.
    message = await person.sim.send_text(ENGLISH_ANSWERS["full_name"])
    update_id = emu.state.next_update_id - 1
    emu.state.confirm_updates(update_id + 1)
    update = {"update_id": update_id, "message": message}
    async with change(database) as conn:
        await conn.execute(
            "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, json.dumps(update), "2026-11-22T06:00:00+00:00"),
        )
    with killed_at_exit(BotProcess(emu, database)) as bot:
        await bot.start()
        # (The "I agree" press, still in the inbox when the bot was killed, is replayed
        # first, and offers to continue the draft.)
        question = await person.sim.wait_for_message(predicate=lambda m: "Question" in m.text)
        assert "Question 2 of 9" in question.text
        await asyncio.sleep(0.5)
        later = [m.text for m in person.sim.messages[-3:]]
        assert not any("Question 3 of 9" in t for t in later)
        assert sum("Question 2 of 9" in m.text for m in person.sim.messages) == 1
        await bot.stop()  # handled updates are recorded at the next poll, or at shutdown
    async with peek(database) as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0
        assert await conn.fetchval("SELECT field_key FROM drafts") == "national_id"


async def test_an_update_both_replayed_and_redelivered_is_handled_once(
    emu: BotApiEmulator, db_target: DbTarget
) -> None:
    """Telegram delivers again an update the inbox also replays: the copy is dropped."""
    database = db_target
    person = Person(emu.user(3004, first_name="Sam", language_code="en"))
    with killed_at_exit(BotProcess(emu, database)) as bot:
        await bot.start()
        await person.command("/start")
        await bot.stop()
    message = await person.sim.send_command("/myrequests")
    update_id = emu.state.next_update_id - 1  # the id Telegram will deliver it with
    async with change(database) as conn:
        await conn.execute(
            "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, json.dumps({"update_id": update_id, "message": message}), "x"),
        )
    with killed_at_exit(BotProcess(emu, database)) as bot:
        await bot.start()
        # The replay comes after the process has loaded everything (slow on a busy machine).
        listing = await person.sim.wait_for_message(timeout=20)
        assert "My requests" in listing.text
        await asyncio.sleep(0.5)
        assert sum("My requests" in m.text for m in person.sim.messages) == 1
        await bot.stop()
    async with peek(database) as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0
