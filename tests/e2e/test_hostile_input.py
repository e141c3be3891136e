"""Odd and hostile input everywhere, as a property: whatever a beneficiary and a staff member
send or press, in whatever order, nothing crashes, every press is answered, no traceback
reaches anyone, every update is handled and no request is corrupted."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_profile
from emulator import BotApiEmulator, BotMessage, SimUser
from tests.e2e.desk import OFFICER, Desk, open_desk, submit
from tests.e2e.driver import Person
from tests.postgres import Cluster
from tests.support import DbTarget, FakeClock, peek

# Letters people type, and what breaks naive code: markup, isolates and overrides,
# zero-width marks, NUL, tatweel, emoji, Arabic-Indic digits, line breaks.
ODD = ["\u200b", "\u200f", "\u2066", "\u202e", "\x00", "\u0640", "😀", "\n", "<b>", "&", '"']
LETTERS = list("سارة محمد ٠١٢٣٤٥٦٧٨٩ 0123456789 abc") + ODD
short = st.lists(st.sampled_from(LETTERS), min_size=1, max_size=40).map("".join).filter(str.strip)
texts = st.one_of(short, short.map(lambda s: (s * 4096)[:4096]))
COMMANDS = [
    "/start",
    "/new",
    "/cancel",
    "/help",
    "/menu",
    "/status",
    "/myrequests",
    "/talk",
    "/suggest",
    "/language",
    "/mydata",
    "/queue",
    "/export",
    "/contact",
    "/policy",
    "/call",
    "/interview",
    "/volunteer",
]
STAFF_COMMANDS = [
    "/queue",
    "/find",
    "/stats",
    "/report",
    "/feedback",
    "/broadcast",
    "/faq_gaps",
    "/mute",
    "/unmute",
    "/staff",
    "/invite",
]
TAGS = [
    "staff:accept",
    "form:choose",
    "rate",
    "faq:pick",
    "data:decide",
    "bc:seg",
    "mine:show",
    "call:at",
    "iv:pick",
    "iv:tick",
    "vol:ok",
    "team:set",
    "call:claim",
]
forged = st.one_of(
    st.text(max_size=64),
    st.tuples(st.sampled_from(TAGS), st.text(alphabet="0123456789١²:x-", max_size=30)).map(
        lambda t: f"{t[0]}:{t[1]}"
    ),
)
beneficiary_actions = st.one_of(
    st.tuples(st.just("say"), texts),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS), st.one_of(st.just(""), short)),
    st.tuples(st.sampled_from(["sticker", "photo", "voice", "location", "document"])),
    st.tuples(st.just("edit"), texts),
    st.tuples(st.just("press"), st.integers(0, 50)),
    st.tuples(st.just("forge"), forged),
)
staff_actions = st.one_of(
    st.tuples(st.just("staff_say"), texts),
    st.tuples(st.just("staff_command"), st.sampled_from(STAFF_COMMANDS), short),
    st.tuples(st.just("staff_press"), st.integers(0, 50)),
    st.tuples(st.just("staff_forge"), forged),
)
scripts = st.lists(st.one_of(beneficiary_actions, staff_actions), min_size=8, max_size=30)


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _buttons(messages: list[BotMessage]) -> list[tuple[BotMessage, str]]:
    """The inline buttons of the latest messages, newest first."""
    found = []
    for message in reversed(messages[-6:]):
        for row in message.buttons:
            found += [(message, b["callback_data"]) for b in row if "callback_data" in b]
    return found


async def _act(
    desk: Desk,
    sarah: SimUser,
    action: tuple[Any, ...],
    queries: list[Any],
    said: list[tuple[int, str]],
) -> None:
    kind = action[0]
    staff = desk.members[OFFICER]
    if kind == "say":
        said.append(((await sarah.send_text(action[1]))["message_id"], action[1]))
    elif kind == "command":
        await sarah.send_text(f"{action[1]} {action[2]}".strip())
    elif kind in ("sticker", "voice"):
        await getattr(sarah, f"send_{kind}")()
    elif kind == "photo":
        await sarah.send_photo(size=50_000)
    elif kind == "document":
        await sarah.send_document(file_name="<x&y>.pdf", mime_type="application/pdf", size=9000)
    elif kind == "location":
        await sarah.send_location(24.7, 46.7)
    elif kind == "edit":
        if said and said[-1][1] != action[1]:  # an edit that changes nothing is no edit
            await sarah.edit_text(said[-1][0], action[1])
    elif kind in ("press", "forge"):
        buttons = _buttons(sarah.messages)
        if buttons:
            message, data = (
                buttons[action[1] % len(buttons)]
                if kind == "press"
                else (
                    buttons[0][0],
                    action[1],
                )
            )
            queries.append((sarah, await sarah.press(message, data)))
    elif kind == "staff_say":
        await desk.group.send_text(staff, action[1])
    elif kind == "staff_command":
        await desk.group.send_text(staff, f"{action[1]} {action[2]}")
    elif kind in ("staff_press", "staff_forge"):
        buttons = _buttons(desk.group.messages)
        if buttons:
            message, data = (
                buttons[action[1] % len(buttons)]
                if kind == "staff_press"
                else (
                    buttons[0][0],
                    action[1],
                )
            )
            queries.append((desk.group, await desk.group.press(staff, message, data)))
    await asyncio.sleep(0.02)


async def _play(script: list[tuple[Any, ...]], new_database: Callable[[Path], DbTarget]) -> None:
    errors = Errors()
    logging.getLogger().addHandler(errors)
    try:
        with tempfile.TemporaryDirectory() as folder:
            db_target = new_database(Path(folder))
            async with BotApiEmulator() as emu, open_desk(emu, FakeClock(), db_target) as desk:
                sim = emu.user(1301, first_name="Sarah", language_code="en")
                await desk.card(await submit(Person(sim)))
                queries: list[Any] = []
                said: list[tuple[int, str]] = []
                for action in script:
                    await _act(desk, sim, action, queries, said)
                for where, query in queries:
                    await where.wait_for_callback_answer(query, timeout=10)
                await asyncio.sleep(0.3)
                await desk.settle()
                shown = [m.text for m in sim.messages + desk.group.messages]
            await _check_database(db_target)
    finally:
        logging.getLogger().removeHandler(errors)
    assert [r.getMessage() for r in errors.records] == []
    for text in shown:
        assert "Traceback" not in text and 'File "' not in text, text


async def _check_database(db_target: DbTarget) -> None:
    form = load_profile("sample")[0].form
    keys = {f.key for f in form.fields}
    async with peek(db_target) as conn:
        if conn.dialect == "sqlite":  # PostgreSQL checks its constraints as it writes
            assert await conn.fetchval("PRAGMA integrity_check") == "ok"
            assert await conn.fetchall("PRAGMA foreign_key_check") == []
        # Every update was handled: none left to replay.
        assert await conn.fetchval("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0
        rows = await conn.fetchall("SELECT reference, answers, version FROM requests")
        assert rows, "the request submitted at the start is still there"
        for reference, answers, version in rows:
            values = json.loads(answers)
            assert set(values) <= keys, reference
            assert all(values.get(f.key) is not None for f in form.fields if f.required), reference
            events = await conn.fetchval(
                "SELECT COUNT(*) FROM request_events WHERE request_id ="
                " (SELECT id FROM requests WHERE reference = ?)",
                (reference,),
            )
            assert version >= 1 and events >= 1


@settings(
    max_examples=int(os.environ.get("TAWASUL_HOSTILE_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        # `request` only reaches the run's PostgreSQL server; each example makes its own
        # database.
        HealthCheck.function_scoped_fixture,
    ],
)
@given(scripts)
def test_whatever_is_sent_or_pressed_nothing_crashes_or_corrupts_a_request(
    backend: str, request: pytest.FixtureRequest, script: list[tuple[Any, ...]]
) -> None:
    def new_database(folder: Path) -> DbTarget:
        if backend == "sqlite":
            return folder / "tawasul.sqlite3"
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        return cluster.new_database()

    asyncio.run(_play(script, new_database))
