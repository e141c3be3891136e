"""Interviews at a branch and the slots offered for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection, Row
from storage.values import dt, ts


@dataclass(frozen=True, slots=True)
class Interview:
    id: int
    user_id: int
    request_id: int | None
    branch: str
    status: str  # asked, proposed, booked, cancelled
    version: int
    slot_at: datetime | None
    created_at: datetime


def _interview(r: Row) -> Interview:
    created = dt(r["created_at"])
    assert created is not None
    return Interview(
        id=r["id"],
        user_id=r["user_id"],
        request_id=r["request_id"],
        branch=r["branch"],
        status=r["status"],
        version=r["version"],
        slot_at=dt(r["slot_at"]),
        created_at=created,
    )


class Interviews:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, user_id: int, request_id: int | None, branch: str, now: datetime) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO interviews (user_id, request_id, branch, status, created_at, updated_at)"
            " VALUES (?, ?, ?, 'asked', ?, ?) RETURNING id",
            (user_id, request_id, branch, ts(now), ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, interview_id: int) -> Interview | None:
        rows = list(
            await self.conn.fetchall("SELECT * FROM interviews WHERE id = ?", (interview_id,))
        )
        return _interview(rows[0]) if rows else None

    async def move(
        self,
        interview: Interview,
        status: str,
        now: datetime,
        slot_at: datetime | None = None,
    ) -> bool:
        """Compare-and-set: the interview as it was read goes to `status` (a new version).

        A booking of a slot another interview holds raises storage.sql.IntegrityError.
        """
        changed = await self.conn.execute(
            "UPDATE interviews SET status = ?, slot_at = ?, version = version + 1,"
            " updated_at = ? WHERE id = ? AND version = ?",
            (status, ts(slot_at) if slot_at else None, ts(now), interview.id, interview.version),
        )
        return changed == 1

    async def booked_at(self, branch: str, first: datetime, last: datetime) -> set[datetime]:
        """The branch's booked slots that start in [first, last)."""
        rows = await self.conn.fetchall(
            "SELECT slot_at FROM interviews WHERE branch = ? AND status = 'booked'"
            " AND slot_at >= ? AND slot_at < ?",
            (branch, ts(first), ts(last)),
        )
        return {d for r in rows if (d := dt(r[0])) is not None}

    async def booked_between(self, first: datetime, last: datetime) -> list[Interview]:
        """Booked interviews whose slot starts in [first, last)."""
        rows = await self.conn.fetchall(
            "SELECT * FROM interviews WHERE status = 'booked' AND slot_at >= ? AND slot_at < ?"
            " ORDER BY slot_at, id",
            (ts(first), ts(last)),
        )
        return [_interview(r) for r in rows]

    async def slots(self, interview_id: int, *, sent: bool) -> list[datetime]:
        rows = await self.conn.fetchall(
            "SELECT starts_at FROM interview_slots WHERE interview_id = ? AND sent = ?"
            " ORDER BY starts_at",
            (interview_id, int(sent)),
        )
        return [d for r in rows if (d := dt(r[0])) is not None]

    async def toggle(self, interview_id: int, starts_at: datetime) -> bool:
        """Tick a slot, or untick it if it was ticked; True if it is ticked now."""
        changed = await self.conn.execute(
            "DELETE FROM interview_slots WHERE interview_id = ? AND starts_at = ? AND sent = 0",
            (interview_id, ts(starts_at)),
        )
        if changed:
            return False
        await self.conn.execute(
            "INSERT INTO interview_slots (interview_id, starts_at) VALUES (?, ?)",
            (interview_id, ts(starts_at)),
        )
        return True

    async def send_ticked(self, interview_id: int) -> None:
        await self.conn.execute(
            "UPDATE interview_slots SET sent = 1 WHERE interview_id = ?", (interview_id,)
        )

    async def clear_slots(self, interview_id: int) -> None:
        await self.conn.execute(
            "DELETE FROM interview_slots WHERE interview_id = ?", (interview_id,)
        )
