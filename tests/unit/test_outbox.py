"""The outbox's rules in storage, quiet hours, the weekly report's moment and the Pacer."""

from __future__ import annotations

import asyncio
import bisect
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.config import load_profile
from bot.profile import FollowUps, QuietHours
from bot.ratelimit import Pacer
from bot.services.followups import FollowUpService
from domain.models import BULK, CONVERSATION, NOTICES
from storage.outbox import NewRow, Outbox
from storage.sql import Database
from storage.sqlite import SqliteDatabase

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
PROFILE = load_profile("sample")[0]


async def test_order_holds_per_chat_and_lane_and_quiet_hours_hold_beneficiaries(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        box = Outbox(conn)
        await box.add(10, "notice", {"n": 1}, NOW, lane=NOTICES)
        await box.add(10, "notice", {"n": 2}, NOW, lane=NOTICES)
        await box.add(10, "relay", {"n": 3}, NOW, lane=CONVERSATION)
        await box.add(-100, "staff.note", {"n": 4}, NOW, lane=CONVERSATION)
        await box.add_bulk("bulk", [NewRow(11, {"n": 5}, "bc:1:11")], NOW, broadcast_id=1)
        eligible = await box.eligible(NOW, quiet=False, limit=10)
        # Lane by lane; the second notice of chat 10 waits for the first.
        assert [r.payload["n"] for r in eligible] == [3, 4, 1, 5]
        quiet = await box.eligible(NOW, quiet=True, limit=10)
        assert [r.payload["n"] for r in quiet] == [3, 4]  # the staff group is not held
        await box.claim([eligible[2].id])
        later = await box.eligible(NOW, quiet=False, limit=10)
        assert [r.payload["n"] for r in later] == [3, 4, 5]  # still waits: 1 is being sent


async def test_a_crash_mid_send_is_counted_and_a_retry_is_due_later(db: Database) -> None:
    async with db.transaction() as conn:
        box = Outbox(conn)
        await box.add(10, "notice", {}, NOW, lane=NOTICES)
        (row,) = await box.eligible(NOW, quiet=False, limit=10)
        await box.claim([row.id])
        assert await box.recover() == 1  # found `sending` at start-up
        (again,) = await box.eligible(NOW, quiet=False, limit=10)
        assert again.ambiguous == 1
        await box.retry_at(again.id, NOW + timedelta(seconds=30), "timed out", ambiguous=True)
        assert await box.eligible(NOW, quiet=False, limit=10) == []
        (due,) = await box.eligible(NOW + timedelta(seconds=30), quiet=False, limit=10)
        await box.sent(due.id, NOW)
        tally = await box.tally()
    assert (tally.sent, tally.left, tally.maybe_duplicates) == (1, 0, 2)


async def test_rows_follow_a_moved_chat_now_and_later(db: Database) -> None:
    async with db.transaction() as conn:
        box = Outbox(conn)
        await box.add(-5, "staff.note", {"n": 1}, NOW)
        await box.move_chat(-5, -1005, NOW)
        await box.add(-5, "staff.note", {"n": 2}, NOW)  # queued for the old id after
        await box.move_chat(-1005, -1009, NOW)  # and moved once more
        await box.add(-5, "staff.note", {"n": 3}, NOW)
        rows = await box.eligible(NOW, quiet=False, limit=10)
    assert {r.chat_id for r in rows} == {-1009}


async def test_a_dedupe_key_queues_once_and_a_cancelled_broadcast_stops(db: Database) -> None:
    async with db.transaction() as conn:
        box = Outbox(conn)
        assert await box.add(10, "notice", {}, NOW, dedupe_key="rate:1")
        assert not await box.add(10, "notice", {}, NOW, dedupe_key="rate:1")
        people = [NewRow(c, {}, f"bc:7:{c}") for c in range(100, 110)]
        assert await box.add_bulk("bulk", people, NOW, broadcast_id=7) == 10
        assert await box.add_bulk("bulk", people, NOW, broadcast_id=7) == 0
        assert await box.cancel_broadcast(7) == 10
        tally = await box.tally(7)
    assert (tally.cancelled, tally.left) == (10, 0)


@pytest.mark.parametrize(
    ("at", "held"),
    [
        (time(21, 59), False),
        (time(22, 0), True),
        (time(3, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(13, 0), False),
    ],
)
def test_quiet_hours_over_midnight(at: time, held: bool) -> None:
    assert QuietHours().holds(at) is held


@given(st.times(), st.times(), st.times())
def test_quiet_hours_are_the_span_from_start_to_end(start: time, end: time, at: time) -> None:
    hours = QuietHours(start=start, end=end)
    inside = (start <= at < end) if start <= end else not (end <= at < start)
    assert hours.holds(at) is (inside and start != end)


def test_reminders_must_come_before_the_draft_expires() -> None:
    with pytest.raises(ValidationError):
        FollowUps(draft_reminder_hours=(24, 200), draft_expiry_days=7)
    with pytest.raises(ValidationError):
        FollowUps(draft_reminder_hours=(72, 24))


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)))
def test_the_weekly_report_moment_is_the_last_sunday_morning(naive: datetime) -> None:
    service = FollowUpService(SqliteDatabase(":memory:"), PROFILE, timezone="Asia/Riyadh")
    now = naive.replace(tzinfo=UTC)
    moment = service.last_report_moment(now)
    assert moment <= now < moment + timedelta(days=7)
    assert moment.isoweekday() == 7 and moment.time() == time(9, 0)


class _TimedPacer(Pacer):
    """A Pacer that notes when it grants (a waiter may wake later if the loop is busy)."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate)
        self.grant_times: list[float] = []

    def _grant(self, loop: asyncio.AbstractEventLoop) -> None:
        before = self.granted
        super()._grant(loop)
        if self.granted > before:
            self.grant_times.append(loop.time())


async def test_the_pacer_spaces_grants_and_serves_the_lower_lane_first() -> None:
    pacer, rate = _TimedPacer(200.0), 200.0
    granted: list[str] = []

    async def wait(lane: int, name: str) -> None:
        await pacer.acquire(lane)
        granted.append(name)

    bulk = [asyncio.create_task(wait(BULK, f"b{i}")) for i in range(120)]
    await asyncio.sleep(0.05)
    before = len(granted)
    notice = asyncio.create_task(wait(NOTICES, "notice"))
    await asyncio.gather(*bulk, notice)
    assert before < 100  # most of the broadcast was still queued...
    assert granted.index("notice") <= before + 1  # ...and the notice took the next slot
    # Spacing is judged on the grants themselves: on a busy machine the waiters may wake
    # bunched together, which says nothing about the pacer.
    times = pacer.grant_times
    assert len(times) == 121
    most = max(bisect.bisect_right(times, t + 0.1 - 1e-9) - i for i, t in enumerate(times))
    assert most <= rate * 0.1 + 2  # even spacing; at most one catch-up grant


async def test_the_pacer_never_grants_more_than_its_rate_in_one_second() -> None:
    pacer = Pacer(20.0)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def wait() -> None:
        await pacer.acquire(BULK)
        times.append(loop.time())

    first = [asyncio.create_task(wait()) for _ in range(10)]
    await asyncio.gather(*first)
    # A late grant (the loop was busy for 0.3 s) may be caught up, not beyond the second.
    pacer.next_slot -= 0.3
    await asyncio.gather(*[asyncio.create_task(wait()) for _ in range(30)])
    busiest = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    assert busiest <= 20
