"""The report's figures and chart, and the export's rows and files."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from matplotlib._text_helpers import layout
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.text import Text

from bot.config import load_profile
from bot.i18n import Catalogs
from bot.services.export_files import csv_bytes, write_csv, write_xlsx
from bot.services.reports import MonthFigures, Report, ReportService
from domain.models import RequestStatus
from handlers.labels import status_label
from handlers.staff.chart import build_figure, render_chart
from handlers.staff.reports import date_range
from storage.db import database_at
from storage.sql import Connection
from storage.values import to_json, ts
from tests.support import FakeClock

PNG = b"\x89PNG\r\n\x1a\n"
ARABIC = re.compile("[\u0621-\u064a]")
PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- shaping and the chart ------------------------------------------------------------


def _laid_out(text: str) -> list[tuple[str, int, float]]:
    """(character, glyph, x) as matplotlib draws the text with the chart's font."""
    font = get_font(findfont(FontProperties()))
    font.set_size(12, 72)
    return [(item.char, item.glyph_index, item.x) for item in layout(text, font)]


def test_matplotlib_joins_arabic_letters_and_lays_them_out_right_to_left() -> None:
    # It shapes Arabic itself (libraqm): seen takes its initial form, the lam-alef
    # ligature its final one, and the first letter is drawn rightmost.
    font = get_font(findfont(FontProperties()))
    drawn = _laid_out("سلام")
    glyph = {char: index for char, index, _ in drawn}
    assert glyph["س"] == font.get_char_index(0xFEB3)  # initial seen
    assert glyph["لا"] == font.get_char_index(0xFEFC)  # final lam-alef
    assert max(drawn, key=lambda d: d[2])[0] == "س"
    mixed = _laid_out("طلب TWS-2026-000001")
    assert [c for c, _, _ in sorted(mixed, key=lambda d: d[2])][:3] == ["T", "W", "S"]


def _report(ratings: bool = True) -> Report:
    months = tuple(
        MonthFigures(
            month=date(2026, m, 1),
            ratings=3 if ratings and m > 9 else 0,
            average=4.0 if ratings and m > 9 else None,
            stars=(0, 0, 1, 1, 1) if ratings and m > 9 else (0, 0, 0, 0, 0),
            decided=2 if m == 11 else 0,
            within_sla=1 if m == 11 else 0,
        )
        for m in range(6, 12)
    )
    by_status = {status: i for i, status in enumerate(RequestStatus)}
    return Report(today=date(2026, 11, 22), months=months, by_status=by_status)


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_the_chart_is_a_png(locale: str) -> None:
    tr = Catalogs().get(locale)
    assert render_chart(tr, _report()).startswith(PNG)
    assert render_chart(tr, _report(ratings=False)).startswith(PNG)


def _texts(locale: str, report: Report) -> list[str]:
    figure = build_figure(Catalogs().get(locale), report)
    figure.canvas.draw()  # tick labels are written when the figure is drawn
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_every_arabic_label_of_the_chart_is_drawn_shaped_in_logical_order() -> None:
    tr = Catalogs().get("ar")
    texts = _texts("ar", _report())
    arabic = [t for t in texts if ARABIC.search(t)]
    # Given in logical order (not pre-shaped: matplotlib would shape them twice) ...
    assert not [t for t in arabic if PRESENTATION.search(t)]
    for status in RequestStatus:
        assert status_label(tr, status) in texts
    # ... and drawn joined: in every line with Arabic words some letters take contextual
    # glyphs (which ones depends on the neighbours: "سلام" above pins exact forms).
    font = get_font(findfont(FontProperties()))
    for text in arabic:
        for line in text.split("\n"):
            if not ARABIC.search(line):
                continue
            drawn = _laid_out(line)
            contextual = [c for c, g, _ in drawn if len(c) > 1 or g != font.get_char_index(ord(c))]
            assert contextual, line
    assert any("٢٠٢٦" in t for t in texts)
    assert len(arabic) >= len(RequestStatus) + 6
    assert not any(re.search("[0-9]", t) for t in arabic)


def test_english_chart_labels() -> None:
    texts = _texts("en", _report())
    assert "Under review" in texts and "Nov\n2026" in texts
    assert "1 of 2" in texts and "4.0\n3 ratings" in texts


def test_export_dates_from_the_command() -> None:
    today = date(2026, 11, 22)
    assert date_range([], today) == (date(2026, 10, 24), today)
    assert date_range(["2026-10-01", "2026-10-31"], today) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert date_range(["٢٠٢٦-١٠-٠١", "2026-10-31"], today) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert date_range(["2026-10-31", "2026-10-01"], today) is None
    assert date_range(["2026-13-01", "2026-12-31"], today) is None
    assert date_range(["2026-10-01"], today) is None


# --- figures and rows from the database ----------------------------------------------

FILE_ANSWER = {
    "kind": "document",
    "file_id": "SECRET-FILE-ID",
    "file_unique_id": "SECRET-UNIQUE",
    "file_name": "id.pdf",
    "mime_type": "application/pdf",
    "size": 1000,
}


async def _insert_request(
    conn: Connection,
    reference: str,
    user_id: int,
    status: str,
    submitted: str,
    due: str,
    decided: str | None = None,
    answers: dict[str, Any] | None = None,
) -> int:
    request_id = await conn.fetchval(
        "INSERT INTO requests (reference, user_id, status, answers, declaration_text,"
        " declaration_locale, declared_at, submitted_at, decision_due, updated_at, decided_at)"
        " VALUES (?, ?, ?, ?, 'I declare', 'en', ?, ?, ?, ?, ?) RETURNING id",
        (
            reference,
            user_id,
            status,
            to_json(answers or {}),
            ts(utc(submitted)),
            ts(utc(submitted)),
            due,
            ts(utc(submitted)),
            ts(utc(decided)) if decided else None,
        ),
    )
    assert request_id is not None
    await conn.execute(
        "INSERT INTO request_events (request_id, kind, to_status, actor_id, actor_role,"
        " created_at) VALUES (?, 'submitted', 'submitted', ?, 'beneficiary', ?)",
        (request_id, user_id, ts(utc(submitted))),
    )
    return int(request_id)


async def _rate(conn: Connection, request_id: int, user_id: int, stars: int, at: str) -> None:
    await conn.execute(
        "INSERT INTO ratings (request_id, user_id, stars, comment, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (request_id, user_id, stars, f"{stars} stars", ts(utc(at)), ts(utc(at))),
    )


@pytest.fixture
async def service(db_target: Path | str, tmp_path: Path) -> AsyncIterator[ReportService]:
    """Three requests around the month boundary in Riyadh time (UTC+3)."""
    db = database_at(db_target)
    await db.open()
    async with db.transaction() as conn:
        for user in (1, 2, 3):
            await conn.execute(
                "INSERT INTO beneficiaries (user_id, chat_id, locale, created_at, updated_at)"
                " VALUES (?, ?, 'en', '2026-01-01', '2026-01-01')",
                (user, user),
            )
        answers = {
            "full_name": '=HYPERLINK("http://x")',
            "mobile": "+966551234567",
            "birth_date": {"gregorian": "1990-01-15", "hijri": "1410-06-18", "calendar": "g"},
            "family_size": 5,
            "service_type": "medical_devices",
            "id_document": FILE_ANSWER,
        }
        # 00:30 on 1 November in Riyadh; decided at 23:59 on its due date: within the SLA.
        a = await _insert_request(
            conn, "TWS-2026-000001", 1, "accepted", "2026-10-31T21:30:00",
            "2026-11-14", "2026-11-14T20:59:00", answers,
        )  # fmt: skip
        # 23:30 on 31 October in Riyadh; decided at 00:01 the day after its due date: late.
        b = await _insert_request(
            conn, "TWS-2026-000002", 2, "rejected", "2026-10-31T20:30:00",
            "2026-11-14", "2026-11-14T21:01:00",
        )  # fmt: skip
        c = await _insert_request(
            conn, "TWS-2026-000003", 3, "delivered", "2026-09-10T08:00:00",
            "2026-09-24", "2026-09-20T08:00:00",
        )  # fmt: skip
        await _rate(conn, a, 1, 5, "2026-11-02T10:00:00")
        await _rate(conn, b, 2, 4, "2026-10-31T21:30:00")  # 1 November in Riyadh
        await _rate(conn, c, 3, 1, "2026-09-30T21:00:00")  # 1 October in Riyadh
        for text, at in (
            ("Open on Fridays", "2026-11-05T09:00:00"),
            ("Old", "2026-10-31T20:00:00"),
        ):
            await conn.execute(
                "INSERT INTO suggestions (user_id, text, created_at) VALUES (2, ?, ?)",
                (text, ts(utc(at))),
            )
    profile, _ = load_profile("sample")
    yield ReportService(db, profile, timezone="Asia/Riyadh", clock=FakeClock())
    await db.close()


async def test_snapshot_counts_months_in_the_association_time_zone(
    service: ReportService,
) -> None:
    report = await service.snapshot(months=3)
    assert report.today == date(2026, 11, 22)
    assert [m.month for m in report.months] == [
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
    ]
    sep, oct_, nov = report.months
    assert (sep.ratings, sep.average, sep.stars) == (0, None, (0, 0, 0, 0, 0))
    assert (oct_.ratings, oct_.average, oct_.stars) == (1, 1.0, (1, 0, 0, 0, 0))
    assert (nov.ratings, nov.average, nov.stars) == (2, 4.5, (0, 0, 0, 1, 1))
    assert (sep.decided, sep.within_sla, sep.sla_share) == (1, 1, 1.0)
    assert (oct_.decided, oct_.sla_share) == (0, None)
    assert (nov.decided, nov.within_sla, nov.sla_share) == (2, 1, 0.5)
    assert report.by_status[RequestStatus.ACCEPTED] == 1
    assert report.by_status[RequestStatus.SUBMITTED] == 0
    assert sum(report.by_status.values()) == 3


async def test_export_takes_the_requests_submitted_in_the_local_date_range(
    service: ReportService,
) -> None:
    november = await service.export(date(2026, 11, 1), date(2026, 11, 30))
    assert november.stem == "tawasul-2026-11-01_2026-11-30"
    (row,) = november.requests.rows
    cells = dict(zip(november.requests.header, row, strict=True))
    assert cells["reference"] == "TWS-2026-000001" and cells["status"] == "accepted"
    assert cells["submitted_at"] == datetime(2026, 11, 1, 0, 30)
    assert cells["decision_due"] == date(2026, 11, 14)
    assert cells["decided_at"] == datetime(2026, 11, 14, 23, 59)
    assert cells["id_document"] == "id.pdf"  # the name only, never the file id
    assert cells["birth_date"] == date(1990, 1, 15)
    assert cells["family_size"] == 5 and cells["medical_report"] is None
    assert [(e[0], e[1]) for e in november.events.rows] == [("TWS-2026-000001", "submitted")]
    assert [r[:3] for r in november.ratings.rows] == [("TWS-2026-000001", 1, 5)]
    assert [s[1:3] for s in november.suggestions.rows] == [(2, "Open on Fridays")]

    autumn = await service.export(date(2026, 10, 1), date(2026, 11, 30))
    assert [r[0] for r in autumn.requests.rows] == ["TWS-2026-000001", "TWS-2026-000002"]
    assert len(autumn.suggestions.rows) == 2


SHEETS = ("requests", "events", "ratings", "suggestions", "audit", "volunteers")


async def test_export_files_hold_the_rows_and_nothing_runs_as_a_formula(
    service: ReportService, tmp_path: Path
) -> None:
    export = await service.export(date(2026, 9, 1), date(2026, 11, 30))
    path = write_xlsx(export, tmp_path / f"{export.stem}.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    for sheet in export.sheets:
        rows = list(book[sheet.name].iter_rows(values_only=True))
        assert rows[0] == sheet.header
        assert len(rows) == len(sheet.rows) + 1
    requests = list(book["requests"].iter_rows(values_only=True))
    assert [r[0] for r in requests[1:]] == ["TWS-2026-000001", "TWS-2026-000002", "TWS-2026-000003"]
    name = book["requests"].cell(row=2, column=requests[0].index("full_name") + 1)
    assert name.value == '=HYPERLINK("http://x")' and name.data_type == "s"
    everything = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    assert not any("SECRET" in v for v in everything)

    paths = write_csv(export, tmp_path)
    assert [p.name for p in paths] == [f"{export.stem}-{n}.csv" for n in SHEETS]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == list(export.requests.header)
    assert [r[0] for r in table[1:]] == [r[0] for r in requests[1:]]
    first = dict(zip(table[0], table[1], strict=True))
    assert first["full_name"] == '\'=HYPERLINK("http://x")'
    assert first["mobile"] == "+966551234567"
    assert first["submitted_at"] == "2026-11-01 00:30:00"
    assert "SECRET" not in raw.decode("utf-8-sig")
    assert csv_bytes(export.suggestions).decode("utf-8-sig").count("\r\n") == 3


async def test_the_audit_trail_is_exported_by_date_and_pruned_after_its_retention(
    service: ReportService,
) -> None:
    from bot.services.followups import FollowUpService
    from storage.staff import AuditLog

    db = service.db
    async with db.transaction() as conn:
        audit = AuditLog(conn)
        await audit.refused(7999, -100, "accept", "role", datetime(2024, 11, 5, 9, tzinfo=UTC), 1)
        await audit.refused(7001, -100, "button", "audience", datetime(2026, 11, 5, 9, tzinfo=UTC))
    export = await service.export(date(2026, 11, 1), date(2026, 11, 30))
    assert [(r[1], r[3], r[5]) for r in export.audit.rows] == [(7001, "button", "audience")]
    assert export.audit.rows[0][6] == datetime(2026, 11, 5, 12, 0)  # Riyadh time
    clock = FakeClock(datetime(2026, 12, 1, tzinfo=UTC))
    profile, _ = load_profile("sample")
    run = await FollowUpService(db, profile, clock=clock, audit_retention_days=730).run()
    assert run.pruned == 1  # the entry of 2024 is past two years; the other stays
    async with db.reading() as conn:
        assert await AuditLog(conn).count() == 1
