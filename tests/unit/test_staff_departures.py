"""Departures from the staff group: the repository, and the check that refuses who left."""

from __future__ import annotations

from bot.config import load_profile
from bot.profile import Role, Staff, StaffMember
from bot.services.notices import Wakeup
from bot.services.policy import Action
from bot.services.staff import Refused, StaffService
from storage.sql import Database
from storage.staff import StaffDepartures
from tests.support import FakeClock

GROUP, OTHER, NOURA, REEM = -1001, -1002, 7001, 7005


async def test_a_departure_is_open_until_the_member_comes_back(db: Database) -> None:
    now = FakeClock()()
    async with db.transaction() as conn:
        departures = StaffDepartures(conn)
        assert await departures.depart(GROUP, NOURA, None, now)
        assert not await departures.depart(GROUP, NOURA, REEM, now)  # already gone
        assert await departures.departed(GROUP, NOURA)
        assert not await departures.departed(OTHER, NOURA)  # another chat is another matter
        assert await departures.come_back(GROUP, NOURA, now)
        assert not await departures.come_back(GROUP, NOURA, now)
        assert not await departures.departed(GROUP, NOURA)
        assert await departures.depart(GROUP, NOURA, REEM, now)  # the history is kept
        rows = await conn.fetchall(
            "SELECT removed_by, returned_at IS NULL FROM staff_departures ORDER BY id"
        )
    assert [tuple(r) for r in rows] == [(None, 0), (REEM, 1)]


async def test_the_check_refuses_a_member_who_left_and_audits_both(db: Database) -> None:
    profile, _ = load_profile("sample")
    noura = StaffMember(id=NOURA, name="Noura", roles=(Role.RELATIONS_OFFICER,))
    profile = profile.model_copy(update={"staff": Staff(members=(noura,))})
    staff = StaffService(db, profile, staff_chat_id=GROUP, clock=FakeClock(), wakeup=Wakeup())
    assert await staff.check(NOURA, GROUP, Action.CLOSE) is None
    assert await staff.left_group(NOURA, removed_by=REEM)
    assert not await staff.left_group(NOURA, removed_by=None)
    assert await staff.check(NOURA, GROUP, Action.CLOSE) == Refused("departed")
    assert await staff.check(NOURA, GROUP, "queue") == Refused("departed")
    assert staff.member(NOURA) == noura  # still named on cards and in the history
    assert await staff.rejoined_group(NOURA, added_by=REEM)
    assert await staff.check(NOURA, GROUP, Action.CLOSE) is None
    async with db.reading() as conn:
        rows = await conn.fetchall("SELECT actor_id, action, reason FROM audit_log")
    assert [tuple(r) for r in rows] == [
        (NOURA, "staff_left", f"removed by {REEM}"),
        (NOURA, "close", "departed"),
        (NOURA, "queue", "departed"),
        (NOURA, "staff_returned", f"added by {REEM}"),
    ]
