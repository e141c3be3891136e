"""Staff roles kept in the database: the repositories, invitations and role changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.config import load_profile
from bot.profile import Role, Staff, StaffMember
from bot.services.notices import Wakeup
from bot.services.policy import Action, Duty
from bot.services.roster import (
    INVITATION_HOURS,
    Changed,
    Declined,
    Joined,
    Roster,
    parse_role,
)
from bot.services.staff import Refused, StaffService
from storage.sql import Database
from storage.staff_roles import StaffInvitations, StaffRoles
from tests.support import FakeClock

GROUP, NOURA, REEM, NEWCOMER, STRANGER = -1001, 7001, 7005, 7010, 7999


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def staff(db: Database, clock: FakeClock) -> StaffService:
    profile, _ = load_profile("sample")
    members = (
        StaffMember(id=NOURA, name="Noura", roles=(Role.RELATIONS_OFFICER,)),
        StaffMember(id=REEM, name="Reem", roles=(Role.ADMIN,)),
    )
    profile = profile.model_copy(update={"staff": Staff(members=members)})
    return StaffService(db, profile, staff_chat_id=GROUP, clock=clock, wakeup=Wakeup())


async def audit(db: Database) -> list[tuple[object, ...]]:
    async with db.reading() as conn:
        rows = await conn.fetchall(
            "SELECT actor_id, chat_id, action, reason FROM audit_log ORDER BY id"
        )
    return [tuple(r) for r in rows]


def test_the_role_names_admins_write_after_invite() -> None:
    assert parse_role("researcher") is parse_role("social_researcher") is Role.SOCIAL_RESEARCHER
    assert parse_role("Officer") is Role.RELATIONS_OFFICER
    assert parse_role("committee") is parse_role("committee_member") is Role.COMMITTEE_MEMBER
    assert parse_role("admin") is Role.ADMIN
    assert parse_role("boss") is None and parse_role("") is None


async def test_the_repositories_keep_roles_and_use_an_invitation_once(
    db: Database, clock: FakeClock
) -> None:
    now = clock()
    async with db.transaction() as conn:
        roles = StaffRoles(conn)
        await roles.put(NEWCOMER, "Sami", ("social_researcher",), NEWCOMER, now)
        await roles.put(NEWCOMER, "Sami", ("social_researcher", "admin"), REEM, now)
        await roles.put(NOURA, "Noura", (), REEM, now)
        kept = await roles.all()
        invitations = StaffInvitations(conn)
        number = await invitations.add("ab" * 32, "admin", REEM, now, now + timedelta(days=1))
        assert await invitations.by_hash("cd" * 32) is None
        assert await invitations.use(number, NEWCOMER, now)
        assert not await invitations.use(number, STRANGER, now)
        used = await invitations.by_hash("ab" * 32)
    assert [(r.user_id, r.roles, r.changed_by) for r in kept] == [
        (NOURA, (), REEM),
        (NEWCOMER, ("social_researcher", "admin"), REEM),
    ]
    assert used is not None and used.used_by == NEWCOMER and used.role == "admin"


async def test_an_invitation_gives_its_role_once_and_only_its_hash_is_kept(
    db: Database, clock: FakeClock, staff: StaffService
) -> None:
    invitation = await staff.roster.invite(REEM, GROUP, Role.COMMITTEE_MEMBER)
    assert re.fullmatch(r"join_[A-Za-z0-9_-]{43}", invitation.token)
    async with db.reading() as conn:
        stored = [tuple(r) for r in await conn.fetchall("SELECT * FROM staff_invitations")]
    assert invitation.token not in repr(stored)
    assert staff.member(NEWCOMER) is None
    assert await staff.check(NEWCOMER, GROUP, Action.ACCEPT) == Refused("role")

    joined = await staff.roster.accept(invitation.token, NEWCOMER, NEWCOMER, "  Sami  ")
    assert joined == Joined(
        StaffMember(id=NEWCOMER, name="Sami", roles=(Role.COMMITTEE_MEMBER,)),
        Role.COMMITTEE_MEMBER,
    )
    assert staff.member(NEWCOMER) == joined.member
    assert await staff.check(NEWCOMER, GROUP, Action.ACCEPT) is None
    assert await staff.roster.accept(invitation.token, STRANGER, STRANGER, "X") == Declined("used")
    forged = "join_" + "A" * 43
    assert await staff.roster.accept(forged, STRANGER, STRANGER, "X") == Declined("unknown")
    assert staff.member(STRANGER) is None
    entries = await audit(db)
    assert [(e[0], e[2], e[3]) for e in entries] == [
        (REEM, "staff_invited", "committee_member (invitation 1)"),
        (NEWCOMER, Action.ACCEPT.value, "role"),
        (NEWCOMER, "staff_joined", f"committee_member (invitation 1 from {REEM})"),
        (STRANGER, "invitation", "used"),
        (STRANGER, "invitation", "unknown"),
    ]


async def test_an_invitation_expires_after_a_day(
    db: Database, clock: FakeClock, staff: StaffService
) -> None:
    late = await staff.roster.invite(REEM, GROUP, Role.ADMIN)
    in_time = await staff.roster.invite(REEM, GROUP, Role.SOCIAL_RESEARCHER)
    clock.now += timedelta(hours=INVITATION_HOURS) - timedelta(seconds=1)
    assert isinstance(await staff.roster.accept(in_time.token, NEWCOMER, NEWCOMER, "Sami"), Joined)
    clock.now += timedelta(seconds=1)
    assert await staff.roster.accept(late.token, STRANGER, STRANGER, "X") == Declined("expired")
    assert staff.member(STRANGER) is None
    assert (await audit(db))[-1] == (STRANGER, STRANGER, "invitation", "expired")


async def test_an_existing_member_keeps_their_name_and_roles_and_gains_the_new_one(
    staff: StaffService,
) -> None:
    invitation = await staff.roster.invite(REEM, GROUP, Role.SOCIAL_RESEARCHER)
    joined = await staff.roster.accept(invitation.token, NOURA, NOURA, "Someone else")
    assert isinstance(joined, Joined)
    assert joined.member == StaffMember(
        id=NOURA, name="Noura", roles=(Role.RELATIONS_OFFICER, Role.SOCIAL_RESEARCHER)
    )


async def test_admins_change_roles_and_the_database_outranks_the_profile(
    db: Database, clock: FakeClock, staff: StaffService
) -> None:
    roster = staff.roster
    added = await roster.change(REEM, GROUP, NOURA, "add", Role.ADMIN)
    assert added == Changed(
        NOURA, StaffMember(id=NOURA, name="Noura", roles=(Role.RELATIONS_OFFICER, Role.ADMIN))
    )
    assert await staff.check(NOURA, GROUP, Duty.MANAGE_STAFF) is None
    dropped = await roster.change(REEM, GROUP, NOURA, "drop", Role.RELATIONS_OFFICER)
    assert isinstance(dropped, Changed) and dropped.member is not None
    assert dropped.member.roles == (Role.ADMIN,)
    assert await staff.check(NOURA, GROUP, Action.DELIVER) is None  # admins deliver too
    assert await staff.check(NOURA, GROUP, Action.REQUEST_INFO) == Refused("role")
    # Two admins now: Reem may go.
    assert await roster.change(NOURA, GROUP, REEM, "remove", None) == Changed(REEM, None)
    assert staff.member(REEM) is None
    assert await staff.check(REEM, GROUP, "queue") == Refused("role")
    assert [m.id for m in roster.members()] == [NOURA]
    # A roster read afresh (a restart) sees the same.
    again = Roster(db, staff.profile, staff_chat_id=GROUP, clock=clock)
    await again.load()
    assert again.members() == roster.members()
    assert await roster.change(NOURA, GROUP, REEM, "add", Role.ADMIN) == Declined("not-staff")
    entries = [(e[0], e[2], e[3]) for e in await audit(db)]
    assert entries[0] == (REEM, "staff_add", f"{NOURA} (admin): relations_officer,admin")
    assert (NOURA, "staff_remove", f"{REEM} (all): no roles") in entries
    assert entries[-1] == (NOURA, "staff_add", "not-staff")


async def test_the_last_admin_in_the_group_cannot_be_removed(
    db: Database, staff: StaffService
) -> None:
    roster = staff.roster
    assert await roster.change(REEM, GROUP, REEM, "remove", None) == Declined("last-admin")
    assert await roster.change(REEM, GROUP, REEM, "drop", Role.ADMIN) == Declined("last-admin")
    await roster.change(REEM, GROUP, NOURA, "add", Role.ADMIN)
    # The other admin left the staff group: they cannot administer it, so Reem stays.
    await staff.left_group(NOURA, removed_by=None)
    assert await roster.change(REEM, GROUP, REEM, "drop", Role.ADMIN) == Declined("last-admin")
    await staff.rejoined_group(NOURA, added_by=REEM)
    assert isinstance(await roster.change(REEM, GROUP, REEM, "drop", Role.ADMIN), Changed)
    assert staff.member(REEM) is None  # no role left: no longer staff
    reasons = [e[3] for e in await audit(db) if e[2] in ("staff_remove", "staff_drop")]
    assert reasons[:3] == ["last-admin"] * 3
