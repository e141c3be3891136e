"""Opening hours: given now, whether the association is open and when it opens next.

One module decides this for everything the bot promises (the reply to a message that
reaches staff while they are away, the "open now" line of a branch). Times are worked out
on the association's wall clock, so a range over midnight ("20:00-01:00") and a weekend
(Friday and Saturday in Saudi Arabia: simply days with no ranges) need no special case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.profile import WeeklyHours

# Ranges that start up to a day before `now` may still be open; a closed week has no
# ranges at all (the profile refuses it), so the next opening is at most 8 days away.
_LOOK_BACK, _LOOK_AHEAD = 1, 8


@dataclass(frozen=True, slots=True)
class Openness:
    """Open now (until `closes_at`), or closed until `opens_at`; both in the local zone."""

    open: bool
    closes_at: datetime | None = None
    opens_at: datetime | None = None


class BusinessHours:
    """A week of opening hours in one time zone."""

    def __init__(self, week: WeeklyHours, timezone: str | ZoneInfo) -> None:
        self.week = week
        self.zone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)

    def periods(self, first: date, days: int) -> list[tuple[datetime, datetime]]:
        """The open periods that start on `days` days from `first` (wall clock, naive),
        in order, those that overlap or touch joined into one."""
        spans: list[tuple[datetime, datetime]] = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            for r in self.week.ranges(day.weekday()):
                start = datetime.combine(day, r.start)
                end = datetime.combine(day, r.end)
                if end <= start:  # over midnight, or a whole day
                    end += timedelta(days=1)
                spans.append((start, end))
        spans.sort()
        joined: list[tuple[datetime, datetime]] = []
        for start, end in spans:
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(joined[-1][1], end))
            else:
                joined.append((start, end))
        return joined

    def at(self, now: datetime) -> Openness:
        """Whether it is open at `now` (an aware datetime), and until or from when."""
        local = now.astimezone(self.zone).replace(tzinfo=None)
        first = local.date() - timedelta(days=_LOOK_BACK)
        for start, end in self.periods(first, _LOOK_BACK + _LOOK_AHEAD):
            if start <= local < end:
                return Openness(True, closes_at=self._aware(end))
            if start > local:
                return Openness(False, opens_at=self._aware(start))
        return Openness(False)  # unreachable with a valid profile: some day is open

    def is_open(self, now: datetime) -> bool:
        return self.at(now).open

    def _aware(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.zone)


def closed_period_key(opens_at: datetime) -> str:
    """Names a closed period by the moment it ends (the same for every time inside it)."""
    return opens_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
