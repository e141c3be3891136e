"""The report chart (/report and the weekly report) and the export (/export) in the staff group.

The chart is drawn by handlers.staff.chart, imported when one is asked for (matplotlib is
heavy, and most processes never draw one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from telegram import Bot, InputMediaDocument, Update

from bot.context import BotContext, Services
from bot.i18n import Translator
from bot.services.export_files import csv_bytes, csv_name, xlsx_bytes
from bot.services.policy import Duty
from bot.services.reports import Export, Report
from bot.services.textnorm import normalize_digits
from handlers.staff.commands import permitted

EXPORT_DAYS = 30  # /export alone: this many days, today included


async def _chart(services: Services) -> tuple[Translator, Report, bytes]:
    from handlers.staff.chart import render_chart

    tr = services.staff_translator()
    report = await services.reports.snapshot()
    # Drawing takes a fraction of a second of CPU: keep the event loop free meanwhile.
    png = await asyncio.to_thread(render_chart, tr, report)
    return tr, report, png


async def show_report(update: Update, ctx: BotContext) -> None:
    """Answers with the chart of the last months, in the topic the command came from."""
    if not await permitted(update, ctx, "report"):
        return
    message = update.effective_message
    assert message is not None
    tr, report, png = await _chart(ctx.services)
    caption = tr.gettext("Requests and satisfaction, %(date)s") % {
        "date": tr.both_dates(report.today)
    }
    await message.reply_photo(png, caption="📊 " + caption, do_quote=False)


async def send_report(bot: Bot, services: Services, chat_id: int, **options: Any) -> None:
    """Sends the report to the staff group (the weekly "staff.report" outbox row)."""
    tr, report, png = await _chart(services)
    caption = tr.gettext("Weekly report: requests and satisfaction, %(date)s") % {
        "date": tr.both_dates(report.today)
    }
    await bot.send_photo(chat_id, png, caption="📊 " + caption, **options)


def date_range(args: Sequence[str], today: date) -> tuple[date, date] | None:
    """Read `FROM TO` (YYYY-MM-DD, any digits); none: the last EXPORT_DAYS days."""
    if not args:
        return today - timedelta(days=EXPORT_DAYS - 1), today
    if len(args) != 2:
        return None
    try:
        first, last = (date.fromisoformat(normalize_digits(a)) for a in args)
    except ValueError:
        return None
    return (first, last) if first <= last else None


def export_documents(export: Export) -> list[InputMediaDocument]:
    files = [(f"{export.stem}.xlsx", xlsx_bytes(export))]
    files += [(csv_name(export, sheet), csv_bytes(sheet)) for sheet in export.sheets]
    return [InputMediaDocument(data, filename=name) for name, data in files]


async def export_requests(update: Update, ctx: BotContext) -> None:
    """Sends the requests of a date range as a workbook and CSV files (admins only)."""
    if not await permitted(update, ctx, Duty.EXPORT):
        return
    message = update.effective_message
    assert message is not None
    tr = ctx.services.staff_translator()
    service = ctx.services.reports
    span = date_range(ctx.args or [], service.today())
    if span is None:
        usage = tr.gettext(
            "Write the dates as /export 2026-10-01 2026-10-31 (from, to), or /export alone for the last 30 days."
        )
        await message.reply_text(usage, do_quote=False)
        return
    export = await service.export(*span)
    documents = await asyncio.to_thread(export_documents, export)
    count = len(export.requests.rows)
    caption = tr.ngettext(
        "%(count)s request submitted from %(first)s to %(last)s",
        "%(count)s requests submitted from %(first)s to %(last)s",
        count,
    ) % {
        "count": tr.number(count),
        "first": tr.gregorian(span[0]),
        "last": tr.gregorian(span[1]),
    }
    await message.reply_media_group(documents, caption=caption, do_quote=False)
