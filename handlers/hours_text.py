"""Opening hours in words: a week's ranges, "open now", and when the team is back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Services
from bot.i18n import Translator
from bot.profile import TimeRange, WeeklyHours
from bot.services.hours import BusinessHours

# A Saudi week starts on Sunday: 2026-11-22 is one, so the days follow from it.
_SUNDAY = date(2026, 11, 22)
_WEEK = [_SUNDAY + timedelta(days=n) for n in range(7)]


def _ranges_text(tr: Translator, ranges: tuple[TimeRange, ...]) -> str:
    return tr.join(
        [
            tr.gettext("%(start)s to %(end)s")
            % {"start": tr.clock(r.start), "end": tr.clock(r.end)}
            for r in ranges
        ]
    )


def week_lines(tr: Translator, week: WeeklyHours) -> list[str]:
    """One line per run of days with the same hours, e.g. 'Sunday to Thursday: 8:00 AM to
    3:00 PM', from Sunday to Saturday."""
    runs: list[list[date]] = []
    for day in _WEEK:
        if runs and week.ranges(runs[-1][0].weekday()) == week.ranges(day.weekday()):
            runs[-1].append(day)
        else:
            runs.append([day])
    lines = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            days = tr.weekday(first)
        elif len(run) == 2:
            days = tr.join([tr.weekday(first), tr.weekday(last)])
        else:
            days = tr.gettext("%(first)s to %(last)s") % {
                "first": tr.weekday(first),
                "last": tr.weekday(last),
            }
        ranges = week.ranges(first.weekday())
        if not ranges:
            lines.append(tr.gettext("%(days)s: closed") % {"days": days})
            continue
        hours = _ranges_text(tr, ranges)
        lines.append(tr.gettext("%(days)s: %(hours)s") % {"days": days, "hours": hours})
    return lines


def moment_text(tr: Translator, moment: datetime) -> str:
    """A moment in the association's zone: 'Sunday 8:00 AM, 3 Jumada … AH (… 2026)'."""
    return tr.gettext("%(weekday)s at %(time)s, %(date)s") % {
        "weekday": tr.weekday(moment.date()),
        "time": tr.clock(moment.time()),
        "date": tr.both_dates(moment.date()),
    }


def open_now_line(tr: Translator, hours: BusinessHours, now: datetime) -> str:
    """'Open now, until 3:00 PM' or 'Closed now; opens Sunday at 8:00 AM, …'."""
    openness = hours.at(now)
    if openness.open and openness.closes_at is not None:
        return "🟢 " + tr.gettext("Open now, until %(time)s") % {
            "time": tr.clock(openness.closes_at.time())
        }
    if openness.opens_at is not None:
        return "🔴 " + tr.gettext("Closed now; opens %(when)s") % {
            "when": moment_text(tr, openness.opens_at)
        }
    return "🔴 " + tr.gettext("Closed now")


def after_hours_notice(tr: Translator, services: Services, payload: dict[str, Any]) -> str:
    """The one reply to a message that reached staff while they are away."""
    opens_at = datetime.fromisoformat(str(payload["opens_at"]))
    local = opens_at.astimezone(ZoneInfo(services.settings.timezone))
    text = "🌙 " + tr.gettext(
        "Your message has reached the association's team, but the team is away now and will not read it before %(when)s."
    ) % {"when": moment_text(tr, local)}
    text += "\n" + tr.gettext(
        "Your message is kept: you will get the answer here. You can add anything else meanwhile."
    )
    return text
