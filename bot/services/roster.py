"""Who is on the staff now: the profile's members are the seed; roles given by invitation,
changed or taken back through the bot are kept in the database and take precedence."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.profile import Profile, Role, StaffMember
from bot.services.requests import Clock
from storage.sql import Connection, Database
from storage.staff import AuditLog, StaffDepartures
from storage.staff_roles import InvitationRow, StaffInvitations, StaffRoles

INVITATION_HOURS = 24
# /start payloads that are invitations; any other payload is a plain /start. Telegram allows
# [A-Za-z0-9_-], up to 64 characters: the prefix and 43 characters (256 random bits).
INVITATION_PREFIX = "join_"

# What an admin may write after /invite.
ROLE_WORDS: dict[str, Role] = {
    **{role.value: role for role in Role},
    "officer": Role.RELATIONS_OFFICER,
    "researcher": Role.SOCIAL_RESEARCHER,
    "committee": Role.COMMITTEE_MEMBER,
}

CHANGES = ("add", "drop", "remove")


def parse_role(word: str) -> Role | None:
    return ROLE_WORDS.get(word.strip().casefold())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invitation:
    token: str  # shown once, in the link; only its hash is kept
    role: Role
    expires_at: datetime


@dataclass(frozen=True)
class Joined:
    member: StaffMember
    role: Role


@dataclass(frozen=True)
class Declined:
    """Nothing changed (audited): "unknown", "used", "expired" (an invitation);
    "not-staff" (no such member), "last-admin" (the staff would have no admin left)."""

    reason: str


@dataclass(frozen=True)
class Changed:
    user_id: int
    member: StaffMember | None  # None: no longer staff


Overrides = dict[int, StaffMember | None]


class Roster:
    """The current staff. `member` is asked synchronously while cards and lists are drawn,
    so the database's roles are also held here: one process with one connection writes
    them, only through this class, and the copy is replaced after each commit."""

    def __init__(
        self, db: Database, profile: Profile, *, staff_chat_id: int | None, clock: Clock
    ) -> None:
        self.db = db
        self.profile = profile
        self.staff_chat_id = staff_chat_id
        self.clock = clock
        self._overrides: Overrides = {}

    async def load(self) -> None:
        """Read the roles kept in the database (at start, before any update is handled)."""
        async with self.db.reading() as conn:
            self._overrides = await _read(conn)

    def member(self, user_id: int) -> StaffMember | None:
        return _member(self.profile, self._overrides, user_id)

    def members(self) -> tuple[StaffMember, ...]:
        """Everyone on the staff: the profile's order, then those who joined through the bot."""
        ids = [m.id for m in self.profile.staff.members]
        ids += [i for i in self._overrides if i not in ids]
        found = (self.member(i) for i in ids)
        return tuple(m for m in found if m is not None)

    def with_role(self, role: Role) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members() if role in m.roles)

    async def invite(self, admin_id: int, chat_id: int, role: Role) -> Invitation:
        """Create a one-time invitation to the role, valid for a day; audited."""
        token = INVITATION_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + timedelta(hours=INVITATION_HOURS)
        async with self.db.transaction() as conn:
            number = await StaffInvitations(conn).add(_hash(token), role, admin_id, now, expires)
            await AuditLog(conn).staff_change(
                admin_id, chat_id, "staff_invited", f"{role} (invitation {number})", now
            )
        return Invitation(token, role, expires)

    async def accept(self, token: str, user_id: int, chat_id: int, name: str) -> Joined | Declined:
        """Give the invitation's role to whoever opens it first, within a day; audited."""
        now = self.clock()
        async with self.db.transaction() as conn:
            invitations = StaffInvitations(conn)
            invitation = await invitations.by_hash(_hash(token))
            refusal = _refusal(invitation, now)
            if refusal is not None:
                await AuditLog(conn).refused(user_id, chat_id, "invitation", refusal, now)
                return Declined(refusal)
            assert invitation is not None
            assert await invitations.use(invitation.id, user_id, now)
            role = Role(invitation.role)
            overrides = await _read(conn)
            current = _member(self.profile, overrides, user_id)
            roles = _with(current.roles if current else (), role)
            kept_name = current.name if current else (name.strip()[:64] or str(user_id))
            await StaffRoles(conn).put(user_id, kept_name, roles, user_id, now)
            reason = f"{role} (invitation {invitation.id} from {invitation.created_by})"
            await AuditLog(conn).staff_change(user_id, chat_id, "staff_joined", reason, now)
            overrides = await _read(conn)
        self._overrides = overrides
        member = overrides[user_id]
        assert member is not None
        return Joined(member, role)

    async def change(
        self, admin_id: int, chat_id: int, user_id: int, change: str, role: Role | None
    ) -> Changed | Declined:
        """Give a member a role ("add"), take one back ("drop") or remove them ("remove");
        audited. Taking back a member's last role removes them; the last admin stays."""
        assert change in CHANGES and (role is None) == (change == "remove")
        now = self.clock()
        audit_action = f"staff_{change}"
        async with self.db.transaction() as conn:
            audit = AuditLog(conn)
            overrides = await _read(conn)
            current = _member(self.profile, overrides, user_id)
            if current is None:
                await audit.refused(admin_id, chat_id, audit_action, "not-staff", now)
                return Declined("not-staff")
            roles = tuple(r for r in current.roles if r != role and change != "remove")
            if change == "add" and role is not None:
                roles = _with(current.roles, role)
            losing_admin = Role.ADMIN in current.roles and Role.ADMIN not in roles
            if losing_admin and not await self._another_admin(conn, overrides, user_id):
                await audit.refused(admin_id, chat_id, audit_action, "last-admin", now)
                return Declined("last-admin")
            await StaffRoles(conn).put(user_id, current.name, roles, admin_id, now)
            what = ",".join(roles) or "no roles"
            await audit.staff_change(
                admin_id, chat_id, audit_action, f"{user_id} ({role or 'all'}): {what}", now
            )
            overrides = await _read(conn)
        self._overrides = overrides
        return Changed(user_id, overrides[user_id])

    async def _another_admin(self, conn: Connection, overrides: Overrides, but: int) -> bool:
        """Whether an admin other than `but` is on the staff and in the staff group."""
        ids = {m.id for m in self.profile.staff.members} | set(overrides)
        for user_id in ids - {but}:
            member = _member(self.profile, overrides, user_id)
            if member is None or Role.ADMIN not in member.roles:
                continue
            if self.staff_chat_id is None:
                return True
            if not await StaffDepartures(conn).departed(self.staff_chat_id, user_id):
                return True
        return False


async def _read(conn: Connection) -> Overrides:
    out: Overrides = {}
    for row in await StaffRoles(conn).all():
        roles = tuple(Role(r) for r in row.roles)
        out[row.user_id] = (
            StaffMember(id=row.user_id, name=row.name, roles=roles) if roles else None
        )
    return out


def _refusal(invitation: InvitationRow | None, now: datetime) -> str | None:
    """Why the invitation cannot be used now, if it cannot."""
    if invitation is None:
        return "unknown"
    if invitation.used_at is not None:
        return "used"
    return "expired" if now >= invitation.expires_at else None


def _with(roles: tuple[Role, ...], role: Role) -> tuple[Role, ...]:
    return roles if role in roles else (*roles, role)


def _member(profile: Profile, overrides: Overrides, user_id: int) -> StaffMember | None:
    if user_id in overrides:
        return overrides[user_id]
    return profile.staff.member(user_id)
