"""In-person interviews at a branch: asked by the beneficiary, slots proposed by staff from
the branch's opening hours, one picked; each step queued for the other side (the outbox).

A slot is a half hour inside one of the branch's open periods; a branch's slot is booked by
one interview at most (a unique index, so two picks at once cannot both win).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.profile import Branch, Profile
from bot.services import notices
from bot.services.hours import BusinessHours
from bot.services.notices import Wakeup
from bot.services.requests import Clock
from storage.events import Events
from storage.interviews import Interview, Interviews
from storage.outbox import Outbox
from storage.repositories import Requests
from storage.sql import Connection, Database, IntegrityError

SLOT = timedelta(minutes=30)
OFFERED = 12  # slots shown to staff on a card
PER_DAY = 4  # of them on one day, so that the card spans a few days
MOST_PICKED = 3  # slots staff may send
LOOK_AHEAD_DAYS = 21
STAFF_INTERVIEW = "staff.interview"  # outbox kind: an interview's card or step in the staff group


def slot_id(moment: datetime) -> int:
    """A slot as its button carries it: minutes since the epoch."""
    return int(moment.timestamp()) // 60


def slot_at(minutes: int) -> datetime:
    return datetime.fromtimestamp(minutes * 60, UTC)


@dataclass(frozen=True)
class Outcome:
    """What a step did: "ok", or why not ("stale", "not-theirs", "hours", "taken", "full",
    "empty", "unknown"); with the interview as it is now and the slots still open to pick."""

    result: str
    interview: Interview | None = None
    remaining: list[datetime] = field(default_factory=list)


class InterviewService:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        timezone: str,
        clock: Clock,
        staff_chat_id: int | None,
        wakeup: Wakeup,
    ) -> None:
        self.db = db
        self.branches = {b.key: b for b in profile.association.branches if b.hours is not None}
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        self.wakeup = wakeup

    def branch(self, key: str) -> Branch | None:
        return self.branches.get(key)

    def _hours(self, key: str) -> BusinessHours | None:
        branch = self.branches.get(key)
        return BusinessHours(branch.hours, self.tz) if branch and branch.hours else None

    def _all_slots(self, key: str, now: datetime) -> list[datetime]:
        """Every slot of the branch from tomorrow (where it is) for a few weeks, in order."""
        hours = self._hours(key)
        if hours is None:
            return []
        tomorrow = now.astimezone(self.tz).date() + timedelta(days=1)
        slots = []
        for start, end in hours.periods(tomorrow, LOOK_AHEAD_DAYS):
            moment = start
            while moment + SLOT <= end:
                slots.append(moment.replace(tzinfo=self.tz).astimezone(UTC))
                moment += SLOT
        return slots

    async def get(self, interview_id: int) -> Interview | None:
        async with self.db.reading() as conn:
            return await Interviews(conn).get(interview_id)

    async def slots(self, interview_id: int, *, sent: bool) -> list[datetime]:
        async with self.db.reading() as conn:
            return await Interviews(conn).slots(interview_id, sent=sent)

    async def offer(self, interview: Interview) -> tuple[list[datetime], set[datetime]]:
        """The slots a card offers staff (free, from tomorrow) and those ticked."""
        now = self.clock()
        async with self.db.reading() as conn:
            repo = Interviews(conn)
            ticked = set(await repo.slots(interview.id, sent=False))
            booked = await repo.booked_at(interview.branch, now, now + timedelta(days=60))
        offered: list[datetime] = []
        per_day: Counter[object] = Counter()
        for slot in self._all_slots(interview.branch, now):
            day = slot.astimezone(self.tz).date()
            if slot in booked or per_day[day] >= PER_DAY:
                continue
            per_day[day] += 1
            offered.append(slot)
            if len(offered) == OFFERED:
                break
        return sorted(set(offered) | ticked), ticked

    async def ask(self, user_id: int, request_id: int | None, branch: str) -> Outcome:
        """The beneficiary asks for an interview (about one of their requests, or none)."""
        if branch not in self.branches:
            return Outcome("unknown")
        now = self.clock()
        async with self.db.transaction() as conn:
            if request_id is not None:
                request = await Requests(conn).get(request_id)
                if request is None or request.user_id != user_id:
                    return Outcome("not-theirs")
            interview_id = await Interviews(conn).add(user_id, request_id, branch, now)
            interview = await Interviews(conn).get(interview_id)
            assert interview is not None
            await self._step(conn, interview, "asked", now, user_id)
        self.wakeup()
        return Outcome("ok", interview)

    async def tick(self, interview_id: int, version: int, minutes: int) -> Outcome:
        """Tick (or untick) a slot on the staff card."""
        slot, now = slot_at(minutes), self.clock()
        async with self.db.transaction() as conn:
            repo = Interviews(conn)
            interview = await repo.get(interview_id)
            if interview is None or interview.version != version or interview.status != "asked":
                return Outcome("stale", interview)
            if slot not in self._all_slots(interview.branch, now):
                return Outcome("hours", interview)
            if slot in await repo.booked_at(interview.branch, slot, slot + SLOT):
                return Outcome("taken", interview)
            ticked = await repo.slots(interview_id, sent=False)
            if slot not in ticked and len(ticked) >= MOST_PICKED:
                return Outcome("full", interview)
            await repo.toggle(interview_id, slot)
        return Outcome("ok", interview)

    async def send(self, staff_id: int, interview_id: int, version: int) -> Outcome:
        """Send the ticked slots to the beneficiary."""
        now = self.clock()
        async with self.db.transaction() as conn:
            repo = Interviews(conn)
            interview = await repo.get(interview_id)
            if interview is None or interview.version != version or interview.status != "asked":
                return Outcome("stale", interview)
            if not await repo.slots(interview_id, sent=False):
                return Outcome("empty", interview)
            await repo.send_ticked(interview_id)
            await repo.move(interview, "proposed", now)
            moved = await repo.get(interview_id)
            assert moved is not None
            await self._step(conn, moved, "proposed", now, staff_id)
        self.wakeup()
        return Outcome("ok", moved)

    async def pick(self, user_id: int, interview_id: int, version: int, minutes: int) -> Outcome:
        """The beneficiary picks one of the slots sent; a slot taken meanwhile is refused."""
        slot, now = slot_at(minutes), self.clock()
        async with self.db.transaction() as conn:
            repo = Interviews(conn)
            interview = await repo.get(interview_id)
            if interview is None or interview.user_id != user_id:
                return Outcome("not-theirs")
            if interview.version != version or interview.status != "proposed":
                return Outcome("stale", interview)
            offered = await repo.slots(interview_id, sent=True)
            if slot not in offered:
                return Outcome("unknown", interview)
            try:
                async with conn.savepoint():
                    await repo.move(interview, "booked", now, slot)
            except IntegrityError:
                remaining = await self._free(repo, interview, offered, now)
                return Outcome("taken", interview, remaining)
            moved = await repo.get(interview_id)
            assert moved is not None
            await self._step(conn, moved, "booked", now, user_id)
        self.wakeup()
        return Outcome("ok", moved)

    async def _free(
        self, repo: Interviews, interview: Interview, offered: list[datetime], now: datetime
    ) -> list[datetime]:
        booked = await repo.booked_at(interview.branch, now, now + timedelta(days=60))
        return [s for s in offered if s not in booked and s > now]

    async def remaining(self, interview: Interview) -> list[datetime]:
        async with self.db.reading() as conn:
            repo = Interviews(conn)
            offered = await repo.slots(interview.id, sent=True)
            return await self._free(repo, interview, offered, self.clock())

    async def change(self, user_id: int, interview_id: int, step: str) -> Outcome:
        """The beneficiary cancels ("cancel") or asks for other slots ("other")."""
        now = self.clock()
        async with self.db.transaction() as conn:
            repo = Interviews(conn)
            interview = await repo.get(interview_id)
            if interview is None or interview.user_id != user_id:
                return Outcome("not-theirs")
            allowed = (
                ("asked", "proposed", "booked") if step == "cancel" else ("proposed", "booked")
            )
            if interview.status not in allowed:
                return Outcome("stale", interview)
            await repo.clear_slots(interview_id)
            await repo.move(interview, "cancelled" if step == "cancel" else "asked", now)
            moved = await repo.get(interview_id)
            assert moved is not None
            await self._step(
                conn, moved, "cancelled" if step == "cancel" else "other", now, user_id
            )
        self.wakeup()
        return Outcome("ok", moved)

    async def _step(
        self,
        conn: Connection,
        interview: Interview,
        step: str,
        now: datetime,
        actor_id: int,
    ) -> None:
        """A step goes into the request's timeline and to the side that did not take it."""
        details: dict[str, Any] = {"interview_id": interview.id, "branch": interview.branch}
        if interview.slot_at is not None:
            details["slot"] = interview.slot_at.isoformat()
        if interview.request_id is not None:
            by_staff = step == "proposed"
            await Events(conn).add(
                interview.request_id,
                f"interview_{step}",
                actor_id=actor_id,
                actor_role="staff" if by_staff else "beneficiary",
                now=now,
                details=details,
            )
        key = f"interview:{interview.id}:{interview.version}"
        if step == "proposed":
            await notices.to_beneficiary(
                conn, interview.user_id, "interview_slots", now, key, interview_id=interview.id
            )
        else:
            await notices.to_staff(
                conn,
                self.staff_chat_id,
                STAFF_INTERVIEW,
                now,
                key,
                interview_id=interview.id,
                step=step,
            )

    async def remind(self, conn: Connection, now: datetime, queued: Counter[str]) -> None:
        """The day before a booked interview (where the association is): both sides."""
        tomorrow = now.astimezone(self.tz).date() + timedelta(days=1)
        first = datetime.combine(tomorrow, datetime.min.time(), tzinfo=self.tz)
        outbox = Outbox(conn)
        for interview in await Interviews(conn).booked_between(first, first + timedelta(days=1)):
            key = f"interview:{interview.id}:{interview.version}:remind"
            if not await outbox.queued([key]) and await notices.to_beneficiary(
                conn, interview.user_id, "interview_reminder", now, key, interview_id=interview.id
            ):
                queued["interview_reminder"] += 1
            staff_key = key + ":staff"
            if not await outbox.queued([staff_key]) and await notices.to_staff(
                conn,
                self.staff_chat_id,
                STAFF_INTERVIEW,
                now,
                staff_key,
                interview_id=interview.id,
                step="reminder",
            ):
                queued["interview_reminder_staff"] += 1
