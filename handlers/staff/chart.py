"""The report chart (/report and the weekly report), drawn with matplotlib.

Labels go to matplotlib in logical order: since 3.11 it shapes Arabic and lays it out right
to left itself (libraqm), so arabic-reshaper and python-bidi would do it a second time.

Only handlers.staff.reports imports this module, when a chart is asked for: matplotlib
costs the running bot about 30 MB and a third of a second at start-up (see bench: idle).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.i18n import Translator
from bot.services.reports import Report
from domain.models import RequestStatus
from handlers.labels import status_label

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
