"""Muted beneficiaries: their messages are not relayed to staff while a mute holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection, Row
from storage.values import dt, ts


@dataclass(frozen=True, slots=True)
class Mute:
    id: int
    user_id: int
    reason: str
    muted_by: int
    muted_at: datetime


def _mute(row: Row) -> Mute:
    muted_at = dt(row["muted_at"])
    assert muted_at is not None
    return Mute(row["id"], row["user_id"], row["reason"], row["muted_by"], muted_at)


class Mutes:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def active(self, user_id: int) -> Mute | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM mutes WHERE user_id = ? AND lifted_at IS NULL", (user_id,)
        )
        return next((_mute(r) for r in rows), None)

    async def add(self, user_id: int, reason: str, muted_by: int, now: datetime) -> int | None:
        """Mute the beneficiary (telling them now counts as the day's reminder); None if a
        mute holds already."""
        new_id = await self.conn.fetchval(
            "INSERT INTO mutes (user_id, reason, muted_by, muted_at, reminded_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (user_id, reason, muted_by, ts(now), ts(now)),
        )
        return None if new_id is None else int(new_id)

    async def lift(self, mute_id: int, lifted_by: int, now: datetime) -> bool:
        changed = await self.conn.execute(
            "UPDATE mutes SET lifted_by = ?, lifted_at = ? WHERE id = ? AND lifted_at IS NULL",
            (lifted_by, ts(now), mute_id),
        )
        return changed == 1

    async def remind(self, user_id: int, now: datetime, last_before: datetime) -> bool:
        """Note a reminder now if the last one was before `last_before` (True: send it)."""
        changed = await self.conn.execute(
            "UPDATE mutes SET reminded_at = ? WHERE user_id = ? AND lifted_at IS NULL"
            " AND reminded_at <= ?",
            (ts(now), user_id, ts(last_before)),
        )
        return changed == 1

    async def audit(
        self,
        actor_id: int,
        chat_id: int | None,
        action: str,
        reason: str,
        now: datetime,
        request_id: int | None,
    ) -> None:
        """Write a mute or its lifting to the audit trail, beside refused attempts."""
        await self.conn.execute(
            "INSERT INTO audit_log (actor_id, chat_id, action, request_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (actor_id, chat_id, action, request_id, reason[:500], ts(now)),
        )
