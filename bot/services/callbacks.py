"""Call-back requests: a beneficiary asks to be called in a window of the team's hours; one
staff member claims the call, then records each try (reached, no answer, wrong number).

Windows are the next open periods of the team's hours cut at noon (mornings and
afternoons), so nothing offered falls outside them; a press is checked against the windows
offered at the moment it arrives. The reminder for an unclaimed call past its window is
derived from the database by the follow-up run (`remind_late`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.profile import FieldKind, Profile
from bot.services import notices
from bot.services.hours import BusinessHours
from bot.services.notices import Wakeup
from bot.services.requests import Clock
from storage.callbacks import WAITING, CallBack, CallBacks, CallTries, CallTry
from storage.events import Events
from storage.outbox import Outbox
from storage.repositories import Requests
from storage.sql import Connection, Database
from storage.staff import StaffThreads
from storage.values import ts

STAFF_CALLBACK = "staff.callback"  # outbox kind: a call's card, or its late reminder
OFFERED = 4  # windows offered at once
NOON = time(12, 0)
NO_ANSWERS_BEFORE_ASKING = 2  # unanswered tries before the beneficiary picks another time
NOTE_WAIT = timedelta(minutes=15)
TYPING_WAIT = timedelta(
    minutes=30
)  # a number is the beneficiary's next text within this  # a note is the caller's next message within this time
OUTCOMES = ("reached", "no_answer", "wrong_number")
_WITHOUT_HOURS = timedelta(days=1)  # "as soon as possible" when the profile has no hours


@dataclass(frozen=True)
class Window:
    start: datetime  # aware
    end: datetime

    @property
    def key(self) -> tuple[int, int]:
        """Minutes since the epoch, as the buttons carry them."""
        return int(self.start.timestamp()) // 60, int(self.end.timestamp()) // 60


@dataclass(frozen=True)
class Claim:
    """What a claim or a try came to: "done", "taken" (someone else holds it), "stale"."""

    outcome: str
    call: CallBack | None = None
    try_id: int | None = None


class CallBackService:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        hours: BusinessHours | None,
        staff_chat_id: int | None,
        clock: Clock,
        wakeup: Wakeup,
    ) -> None:
        self.db = db
        self.profile = profile
        self.hours = hours
        self.staff_chat_id = staff_chat_id
        self.clock = clock
        self.wakeup = wakeup

    def windows(self) -> list[Window]:
        """The next open mornings and afternoons that have not ended."""
        if self.hours is None:
            return []
        now = self.clock()
        zone = self.hours.zone
        local = now.astimezone(zone).replace(tzinfo=None)
        found: list[Window] = []
        for start, end in self.hours.periods(local.date() - timedelta(days=1), 9):
            noon = datetime.combine(start.date(), NOON)
            parts = [(start, end)] if not start < noon < end else [(start, noon), (noon, end)]
            for a, b in parts:
                if b > local:
                    found.append(Window(a.replace(tzinfo=zone), b.replace(tzinfo=zone)))
        return found[:OFFERED]

    def asap(self) -> Window:
        """As soon as possible: the open period under way, or the next one."""
        now = self.clock()
        if self.hours is None:
            return Window(now, now + _WITHOUT_HOURS)
        openness = self.hours.at(now)
        if openness.open and openness.closes_at is not None:
            return Window(now, openness.closes_at)
        assert openness.opens_at is not None
        after = self.hours.at(openness.opens_at)
        return Window(openness.opens_at, after.closes_at or openness.opens_at + _WITHOUT_HOURS)

    def offered(self, start: int, end: int) -> Window | None:
        """The window a press names, if it is one offered now (0, 0: as soon as possible)."""
        if (start, end) == (0, 0):
            return self.asap()
        return next((w for w in self.windows() if w.key == (start, end)), None)

    async def choose(self, user_id: int, window: Window, asap: bool) -> CallBack:
        """Start a call-back in this window, on the mobile of the latest request if any."""
        now = self.clock()
        async with self.db.transaction() as conn:
            requests = await Requests(conn).for_user(user_id)
            latest = requests[0] if requests else None
            mobile = self._mobile(latest.answers) if latest else None
            calls = CallBacks(conn)
            new_id = await calls.insert(
                user_id,
                latest.id if latest else None,
                (window.start, window.end),
                asap,
                mobile,
                now,
            )
            call = await calls.get(new_id)
        assert call is not None
        return call

    def _mobile(self, answers: dict[str, object]) -> str | None:
        for f in self.profile.form.fields:
            if f.kind is FieldKind.MOBILE and isinstance(answers.get(f.key), str):
                return str(answers[f.key])
        return None

    async def waiting_for(self, user_id: int) -> CallBack | None:
        """The beneficiary's call that is asked for and not finished."""
        async with self.db.reading() as conn:
            return await CallBacks(conn).latest(user_id, WAITING)

    async def typing(self, user_id: int) -> CallBack | None:
        """The call whose number the beneficiary is typing (their next text, for a while)."""
        async with self.db.reading() as conn:
            call = await CallBacks(conn).latest(user_id, ("typing",))
        if call is None or self.clock() - call.updated_at > TYPING_WAIT:
            return None
        return call

    async def get(self, call_id: int) -> CallBack | None:
        async with self.db.reading() as conn:
            return await CallBacks(conn).get(call_id)

    async def tries(self, call_id: int) -> list[CallTry]:
        async with self.db.reading() as conn:
            return await CallTries(conn).for_callback(call_id)

    async def other_number(self, user_id: int, call_id: int) -> bool:
        now = self.clock()
        async with self.db.transaction() as conn:
            call = await CallBacks(conn).get(call_id)
            if call is None or call.user_id != user_id:
                return False
            return await CallBacks(conn).move(call_id, ("confirming",), "typing", now)

    async def confirm(
        self, user_id: int, call_id: int, mobile: str | None = None
    ) -> CallBack | None:
        """Confirm the number (or the one typed): the call is asked for and staff get its card."""
        now = self.clock()
        async with self.db.transaction() as conn:
            calls = CallBacks(conn)
            call = await calls.get(call_id)
            if call is None or call.user_id != user_id:
                return None
            before = ("typing",) if mobile else ("confirming",)
            sets = {"mobile": mobile} if mobile else {}
            if not await calls.move(call_id, before, "open", now, **sets):
                return None
            await self._event(conn, call, "call_requested", None, now, asap=call.asap)
            await self._to_staff(conn, call, "card", now, f"call:{call.id}:card")
            call = await calls.get(call_id)
        self.wakeup()
        return call

    async def claim(self, call_id: int, staff_id: int) -> Claim:
        now = self.clock()
        async with self.db.transaction() as conn:
            calls = CallBacks(conn)
            call = await calls.get(call_id)
            if call is None or call.status not in WAITING:
                return Claim("stale", call)
            if call.status == "claimed":
                return Claim("taken" if call.claimed_by != staff_id else "stale", call)
            if not await calls.move(
                call_id, ("open",), "claimed", now, claimed_by=staff_id, claimed_at=ts(now)
            ):
                return Claim("stale", call)
            await self._event(conn, call, "call_claimed", staff_id, now)
            await notices.to_beneficiary(
                conn,
                call.user_id,
                "call_claimed",
                now,
                f"call:{call.id}:claimed",
                call_id=call.id,
                start=call.window_start.isoformat(),
                end=call.window_end.isoformat(),
                asap=call.asap,
                mobile=call.mobile,
            )
            call = await calls.get(call_id)
        self.wakeup()
        return Claim("done", call)

    async def record(
        self, call_id: int, staff_id: int, outcome: str, place: tuple[int, int]
    ) -> Claim:
        """A try by the staff member who claimed the call; two unanswered ones end it."""
        now = self.clock()
        async with self.db.transaction() as conn:
            calls = CallBacks(conn)
            call = await calls.get(call_id)
            if call is None or call.status != "claimed":
                return Claim("stale", call)
            if call.claimed_by != staff_id:
                return Claim("taken", call)
            missed = call.no_answers + (outcome == "no_answer")
            if outcome != "no_answer":
                after = "done"
            else:
                after = "retry" if missed >= NO_ANSWERS_BEFORE_ASKING else "claimed"
            if not await calls.move(call_id, ("claimed",), after, now, no_answers=missed):
                return Claim("stale", call)
            try_id = await CallTries(conn).add(call_id, outcome, staff_id, place, now)
            await self._event(conn, call, "call_" + outcome, staff_id, now)
            if after == "retry":
                await self._event(conn, call, "call_retry", None, now)
                await notices.to_beneficiary(
                    conn, call.user_id, "call_retry", now, f"call:{call.id}:retry", call_id=call.id
                )
            call = await calls.get(call_id)
        self.wakeup()
        return Claim("done", call, try_id)

    async def note_awaited(self, staff_id: int, place: tuple[int, int]) -> CallTry | None:
        async with self.db.reading() as conn:
            return await CallTries(conn).awaiting_note(staff_id, place, self.clock() - NOTE_WAIT)

    async def add_note(self, try_id: int, staff_id: int, note: str | None) -> CallTry | None:
        """The caller's note on their try (None: no note); None if it is not theirs or taken."""
        now = self.clock()
        async with self.db.transaction() as conn:
            tries = CallTries(conn)
            found = await tries.get(try_id)
            if found is None or found.staff_id != staff_id:
                return None
            if not await tries.set_note(try_id, note):
                return None
            call = await CallBacks(conn).get(found.callback_id)
            if note and call is not None:
                await self._event(conn, call, "call_note", staff_id, now, note=note)
            return await tries.get(try_id)

    async def set_card(self, call_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await CallBacks(conn).set_card(call_id, chat_id, message_id)

    async def thread_id(self, call: CallBack) -> int | None:
        """The request's topic the card goes to (None: General)."""
        if call.request_id is None:
            return None
        async with self.db.reading() as conn:
            thread = await StaffThreads(conn).for_request(call.request_id)
        return thread.id if thread else None

    async def _event(
        self,
        conn: Connection,
        call: CallBack,
        kind: str,
        staff_id: int | None,
        now: datetime,
        **details: object,
    ) -> None:
        if call.request_id is None:
            return
        await Events(conn).add(
            call.request_id,
            kind,
            actor_id=staff_id,
            actor_role="staff" if staff_id else "beneficiary",
            now=now,
            details={"call_id": call.id, **details},
        )

    async def _to_staff(
        self, conn: Connection, call: CallBack, what: str, now: datetime, key: str
    ) -> bool:
        return await notices.to_staff(
            conn, self.staff_chat_id, STAFF_CALLBACK, now, key, call_id=call.id, what=what
        )


async def remind_late(
    conn: Connection, staff_chat_id: int | None, now: datetime, queued: Counter[str]
) -> None:
    """Remind staff once of each call nobody claimed before its window ended."""
    for call in await CallBacks(conn).unclaimed_past(now):
        key = f"call:{call.id}:late"
        if await Outbox(conn).queued([key]):
            continue
        if await notices.to_staff(
            conn, staff_chat_id, STAFF_CALLBACK, now, key, call_id=call.id, what="late"
        ):
            queued["call_late"] += 1
