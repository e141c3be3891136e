"""Staff roles kept in the database (they take precedence over the profile's) and the
one-time invitations that give them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection
from storage.values import dt, ts


@dataclass(frozen=True)
class StaffRoleRow:
    """A person's roles as last set through the bot (no roles: no longer staff)."""

    user_id: int
    name: str
    roles: tuple[str, ...]
    changed_by: int
    changed_at: datetime


@dataclass(frozen=True)
class InvitationRow:
    id: int
    role: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


class StaffRoles:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def all(self) -> list[StaffRoleRow]:
        rows = await self.conn.fetchall("SELECT * FROM staff_roles ORDER BY changed_at, user_id")
        out = []
        for row in rows:
            changed = dt(row["changed_at"])
            assert changed is not None
            roles = tuple(r for r in str(row["roles"]).split(",") if r)
            out.append(StaffRoleRow(row["user_id"], row["name"], roles, row["changed_by"], changed))
        return out

    async def put(
        self, user_id: int, name: str, roles: tuple[str, ...], changed_by: int, now: datetime
    ) -> None:
        await self.conn.execute(
            "INSERT INTO staff_roles (user_id, name, roles, changed_by, changed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
            " roles = excluded.roles, changed_by = excluded.changed_by,"
            " changed_at = excluded.changed_at",
            (user_id, name, ",".join(roles), changed_by, ts(now)),
        )


class StaffInvitations:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self, token_hash: str, role: str, created_by: int, now: datetime, expires_at: datetime
    ) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO staff_invitations (token_hash, role, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (token_hash, role, created_by, ts(now), ts(expires_at)),
        )
        assert new_id is not None
        return int(new_id)

    async def by_hash(self, token_hash: str) -> InvitationRow | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM staff_invitations WHERE token_hash = ?", (token_hash,)
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        created, expires = dt(row["created_at"]), dt(row["expires_at"])
        assert created is not None and expires is not None
        return InvitationRow(
            id=row["id"],
            role=row["role"],
            created_by=row["created_by"],
            created_at=created,
            expires_at=expires,
            used_by=row["used_by"],
            used_at=dt(row["used_at"]),
        )

    async def use(self, invitation_id: int, user_id: int, now: datetime) -> bool:
        """Mark the invitation used; False if it was used already (nothing written)."""
        changed = await self.conn.execute(
            "UPDATE staff_invitations SET used_by = ?, used_at = ? WHERE id = ? AND used_at IS NULL",
            (user_id, ts(now), invitation_id),
        )
        return changed == 1
