"""/report and /export in the staff group, and `python -m bot export`, through the emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.__main__ import main
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import ADMIN, COMMITTEE_A, OFFICER, Desk, open_desk, plain, submit
from tests.e2e.driver import ENGLISH_ANSWERS, Person
from tests.support import DbTarget, FakeClock, change, database_env

PNG = b"\x89PNG\r\n\x1a\n"
GENERAL = 1  # the emulator's cursor for the forum's General topic
STEM = "tawasul-2026-11-01_2026-11-30"
SHEETS = ("requests", "events", "ratings", "suggestions", "audit", "volunteers")


async def _prepare(desk: Desk, emu: BotApiEmulator, clock: FakeClock) -> list[str]:
    """Three requests a day apart; the first accepted, delivered and rated; one suggestion."""
    refs = []
    for i, name in enumerate(("Sarah", "Mona", "Layla")):
        person = Person(emu.user(1501 + i, first_name=name, language_code="en"))
        refs.append(await submit(person, {**ENGLISH_ANSWERS, "full_name": f"{name} Alharbi"}))
        clock.now += timedelta(days=1)
    card = await desk.card(refs[0])
    for who, label in ((COMMITTEE_A, "Accept"), (OFFICER, "Service delivered")):
        await desk.press(who, card, label)
        await desk.press(who, card, label)  # the second press confirms
    await desk.settle()
    now = clock.now.isoformat(timespec="microseconds")
    async with change(desk.db_target) as conn:
        await conn.execute(
            "INSERT INTO ratings (request_id, user_id, stars, comment, created_at, updated_at)"
            " SELECT id, user_id, 5, 'Thank you', ?, ? FROM requests WHERE reference = ?",
            (now, now, refs[0]),
        )
        await conn.execute(
            "INSERT INTO suggestions (user_id, text, created_at) VALUES (1502, ?, ?)",
            ("Open on Fridays, please", now),
        )
    return refs


async def _documents(desk: Desk, count: int) -> dict[str, bytes]:
    """The files the bot sent into General, by name, as the emulator keeps them."""
    found = {}
    for _ in range(count):
        message = await desk.group.wait_for_message(
            predicate=lambda m: m.get("document") is not None, message_thread_id=GENERAL
        )
        document = message["document"]
        record = desk.emu.state.files[document["file_id"]]
        assert record.content is not None
        found[document["file_name"]] = record.content
    return found


def _asked_chart(message: BotMessage) -> bool:
    """A chart sent for /report (not the weekly one, which may be due at the same time)."""
    return message.get("photo") is not None and message.text.startswith(
        "📊 Requests and satisfaction"
    )


def _photo(desk: Desk, message: BotMessage) -> bytes:
    content = desk.emu.state.files[message["photo"][-1]["file_id"]].content
    assert content is not None
    return content


async def test_export_and_report_in_the_staff_group(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        refs = await _prepare(desk, emu, clock)

        # An officer may not export: refused, audited, and nothing is sent.
        await desk.say(OFFICER, "/export 2026-11-01 2026-11-30")
        refused = await desk.group.wait_for_message(
            predicate=lambda m: "not allowed" in m.text, message_thread_id=GENERAL
        )
        assert plain(refused.text) == "You are not allowed to do this."
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log")
        assert audit == [(OFFICER, "export", "role")]

        await desk.say(ADMIN, "/export 2026-11-31 2026-12-31")
        usage = await desk.group.wait_for_message(
            predicate=lambda m: "/export 2026-10-01 2026-10-31" in m.text, message_thread_id=GENERAL
        )
        assert "last 30 days" in usage.text

        await desk.say(ADMIN, "/export 2026-11-01 2026-11-30")
        files = await _documents(desk, 7)
        assert sorted(files) == sorted(
            [f"{STEM}.xlsx", *(f"{STEM}-{sheet}.csv" for sheet in SHEETS)]
        )
        _check_workbook(files[f"{STEM}.xlsx"], refs)
        table = list(csv.reader(io.StringIO(files[f"{STEM}-requests.csv"].decode("utf-8-sig"))))
        assert [(r[0], r[2]) for r in table[1:]] == [
            (refs[0], "delivered"),
            (refs[1], "submitted"),
            (refs[2], "submitted"),
        ]
        for name, content in files.items():
            assert name.endswith(".xlsx") or "EMU" not in content.decode("utf-8-sig")
        # Only the admin's export was sent (the officer's request sent nothing).
        assert sum(1 for m in desk.group.messages if m.get("document")) == 7

        # Any staff member gets the chart, as a PNG in the topic the command came from.
        await desk.say(OFFICER, "/report")
        chart = await desk.group.wait_for_message(
            predicate=_asked_chart, message_thread_id=GENERAL, timeout=15
        )
        assert (
            "Requests and satisfaction, 15 Jumada al-Akhirah 1448 AH (25 November 2026)"
            in chart.text
        )
        assert _photo(desk, chart).startswith(PNG)
        topic = desk.group.topic_by_name(f"{refs[1]} · Mona")
        assert topic is not None
        await desk.say(COMMITTEE_A, "/report", topic.message_thread_id)
        in_topic = await desk.group.wait_for_message(
            predicate=_asked_chart, message_thread_id=topic.message_thread_id, timeout=15
        )
        assert _photo(desk, in_topic).startswith(PNG)


def _check_workbook(content: bytes, refs: list[str]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == list(SHEETS)
    requests = list(book["requests"].iter_rows(values_only=True))
    header = requests[0]
    assert header[:6] == (
        "reference",
        "user_id",
        "status",
        "submitted_at",
        "decision_due",
        "decided_at",
    )
    rows = [dict(zip(header, row, strict=True)) for row in requests[1:]]
    assert [(r["reference"], r["user_id"], r["status"]) for r in rows] == [
        (refs[0], 1501, "delivered"),
        (refs[1], 1502, "submitted"),
        (refs[2], 1503, "submitted"),
    ]
    assert rows[0]["submitted_at"] == datetime(2026, 11, 22, 9, 0)  # Riyadh time
    assert rows[0]["decided_at"] == datetime(2026, 11, 25, 9, 0)
    assert rows[1]["full_name"] == "Mona Alharbi" and rows[1]["mobile"] == "+966551234567"
    assert rows[0]["id_document"] == "photo" and rows[0]["medical_report"] is None
    events = [r[:2] for r in book["events"].iter_rows(min_row=2, values_only=True)]
    assert events == [
        (refs[0], "submitted"),
        (refs[1], "submitted"),
        (refs[2], "submitted"),
        (refs[0], "accept"),
        (refs[0], "deliver"),
    ]
    ratings = list(book["ratings"].iter_rows(min_row=2, values_only=True))
    assert [r[:4] for r in ratings] == [(refs[0], 1501, 5, "Thank you")]
    suggestions = list(book["suggestions"].iter_rows(min_row=2, values_only=True))
    assert [s[1:3] for s in suggestions] == [(1502, "Open on Fridays, please")]
    cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    assert not any(v.startswith("EMU") for v in cells)  # no file ids


async def test_export_from_the_command_line(
    emu: BotApiEmulator,
    clock: FakeClock,
    db_target: DbTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        refs = await _prepare(desk, emu, clock)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    for name, value in database_env(db_target).items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()  # the command line configures logging: put it back after
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)

    out = tmp_path / "out"
    # The command runs its own event loop, as it does from a shell.
    args = ["export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out)]
    assert await asyncio.to_thread(main, args) == 0
    printed = capsys.readouterr().out
    assert "requests: 3 rows" in printed and "ratings: 1 rows" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{STEM}.xlsx", *(f"{STEM}-{sheet}.csv" for sheet in SHEETS)]
    )
    _check_workbook((out / f"{STEM}.xlsx").read_bytes(), refs)
    events = (out / f"{STEM}-events.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(events) == 1 + 5

    # A range without requests still gives the files, with their headers only.
    args = ["export", "--from", "2026-10-01", "--to", "2026-10-31", "--out", str(out)]
    assert await asyncio.to_thread(main, args) == 0
    book = openpyxl.load_workbook(out / "tawasul-2026-10-01_2026-10-31.xlsx")
    assert [book[s].max_row for s in SHEETS] == [1, 1, 1, 1, 1, 1]
