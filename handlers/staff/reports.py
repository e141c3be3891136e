"""The report chart (/report and the weekly report) and the export (/export) in the staff group.

Labels go to matplotlib in logical order: since 3.11 it shapes Arabic and lays it out right
to left itself (libraqm), so arabic-reshaper and python-bidi would do it a second time.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, MaxNLocator
from telegram import Bot, InputMediaDocument, Update

from bot.context import BotContext, Services
from bot.i18n import Translator
from bot.services.export_files import csv_bytes, csv_name, xlsx_bytes
from bot.services.policy import Duty
from bot.services.reports import Export, Report
from bot.services.textnorm import normalize_digits
from handlers.labels import status_label
from handlers.staff.commands import permitted
from storage.models import RequestStatus

EXPORT_DAYS = 30  # /export alone: this many days, today included
STAR_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")
BAR_COLOUR = "#2c7fb8"


def _month(tr: Translator, first_day: date) -> str:
    """The month's name in the locale over its year (Arabic names are too long for one line)."""
    name = format_date(first_day, "LLL", locale=tr.locale)
    return f"{name}\n{tr.number(first_day.year)}"


def _percent(tr: Translator, value: float) -> str:
    return tr.gettext("%(percent)s%%") % {"percent": tr.number(round(value))}


def _axis_digits(tr: Translator, text: Callable[[float], str]) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: text(value))


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _satisfaction(ax: Axes, tr: Translator, report: Report, months: list[str]) -> None:
    ax.set_title(tr.gettext("Satisfaction: average stars"))
    if not any(m.ratings for m in report.months):
        _empty(ax, tr.gettext("No ratings yet."))
        return
    averages = [m.average or 0.0 for m in report.months]
    bars = ax.bar(range(len(months)), averages, color=BAR_COLOUR)
    for bar, m in zip(bars, report.months, strict=True):
        if m.average is not None:
            count = tr.ngettext("%(count)s rating", "%(count)s ratings", m.ratings) % {
                "count": tr.number(m.ratings)
            }
            label = tr.decimal(m.average) + "\n" + count
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.set_ylim(0, 6)
    ax.set_yticks(range(6))
    ax.yaxis.set_major_formatter(_axis_digits(tr, lambda v: tr.number(int(v))))
    ax.set_xticks(range(len(months)), labels=months)


def _stars(ax: Axes, tr: Translator, report: Report, months: list[str]) -> None:
    ax.set_title(tr.gettext("Ratings by number of stars"))
    if not any(m.ratings for m in report.months):
        _empty(ax, tr.gettext("No ratings yet."))
        return
    bottom = [0] * len(months)
    for star in range(1, 6):
        counts = [m.stars[star - 1] for m in report.months]
        label = tr.ngettext("%(count)s star", "%(count)s stars", star) % {"count": tr.number(star)}
        ax.bar(
            range(len(months)),
            counts,
            bottom=bottom,
            color=STAR_COLOURS[star - 1],
            label=label,
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(_axis_digits(tr, lambda v: tr.number(int(v))))
    ax.set_xticks(range(len(months)), labels=months)
    ax.legend(fontsize=8, loc="upper left")


def _statuses(ax: Axes, tr: Translator, report: Report) -> None:
    ax.set_title(tr.gettext("Requests by status"))
    statuses = list(RequestStatus)
    counts = [report.by_status.get(s, 0) for s in statuses]
    bars = ax.barh(range(len(statuses)), counts, color=BAR_COLOUR)
    for bar, count in zip(bars, counts, strict=True):
        ax.annotate(
            tr.number(count),
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            ha="left",
            va="center",
            fontsize=8,
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.set_yticks(range(len(statuses)), labels=[status_label(tr, s) for s in statuses])
    ax.invert_yaxis()  # in the order of a request's life, top down
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(_axis_digits(tr, lambda v: tr.number(int(v))))
    ax.set_xlim(0, max([*counts, 1]) * 1.15)


def _sla(ax: Axes, tr: Translator, report: Report, months: list[str]) -> None:
    ax.set_title(tr.gettext("Decided within the SLA"))
    if not any(m.decided for m in report.months):
        _empty(ax, tr.gettext("No request has been decided yet."))
        return
    shares = [100 * (m.sla_share or 0.0) for m in report.months]
    bars = ax.bar(range(len(months)), shares, color=BAR_COLOUR)
    for bar, m in zip(bars, report.months, strict=True):
        if m.decided:
            label = tr.gettext("%(within)s of %(decided)s") % {
                "within": tr.number(m.within_sla),
                "decided": tr.number(m.decided),
            }
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.set_ylim(0, 115)
    ax.set_yticks(range(0, 101, 25))
    ax.yaxis.set_major_formatter(_axis_digits(tr, lambda v: _percent(tr, v)))
    ax.set_xticks(range(len(months)), labels=months)


def build_figure(tr: Translator, report: Report) -> Figure:
    """Draw the report's four panels on a figure of its own (no pyplot, no global state)."""
    figure = Figure(figsize=(12, 8), dpi=100, layout=ConstrainedLayoutEngine(w_pad=0.15))
    FigureCanvasAgg(figure)
    title = tr.gettext("Requests and satisfaction, %(date)s") % {"date": tr.gregorian(report.today)}
    figure.suptitle(title, fontsize=14)
    months = [_month(tr, m.month) for m in report.months]
    (top_left, top_right), (bottom_left, bottom_right) = figure.subplots(2, 2)
    _satisfaction(top_left, tr, report, months)
    _stars(top_right, tr, report, months)
    _statuses(bottom_left, tr, report)
    _sla(bottom_right, tr, report, months)
    return figure


def render_chart(tr: Translator, report: Report) -> bytes:
    """Return the report as a PNG image."""
    buffer = io.BytesIO()
    build_figure(tr, report).savefig(buffer, format="png")
    return buffer.getvalue()


async def _chart(services: Services) -> tuple[Translator, Report, bytes]:
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
