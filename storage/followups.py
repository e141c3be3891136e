"""What the follow-up rules read: idle drafts, waiting requests, delivered services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.sql import Connection
from storage.values import dt, ts


@dataclass(frozen=True, slots=True)
class IdleDraft:
    id: int
    user_id: int
    seq: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Waiting:
    """A request that waits for someone: staff (a decision) or the beneficiary."""

    id: int
    user_id: int
    version: int
    submitted_at: datetime
    updated_at: datetime
    decision_due: date


@dataclass(frozen=True, slots=True)
class Delivered:
    id: int
    user_id: int
    delivered_at: datetime


def _time(value: str) -> datetime:
    parsed = dt(value)
    assert parsed is not None
    return parsed


class FollowUpQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def idle_drafts(self, since: datetime) -> list[IdleDraft]:
        """Drafts unchanged since this time (the oldest first)."""
        rows = await self.conn.fetchall(
            "SELECT id, user_id, seq, updated_at FROM drafts WHERE updated_at <= ?"
            " ORDER BY updated_at",
            (ts(since),),
        )
        return [IdleDraft(r[0], r[1], r[2], _time(r[3])) for r in rows]

    async def delete_draft(self, draft_id: int, seq: int) -> bool:
        """Delete a draft unless it changed meanwhile (its files go with it)."""
        changed = await self.conn.execute(
            "DELETE FROM drafts WHERE id = ? AND seq = ?", (draft_id, seq)
        )
        return changed == 1

    async def waiting(self, statuses: tuple[str, ...]) -> list[Waiting]:
        marks = ",".join("?" * len(statuses))
        rows = await self.conn.fetchall(
            "SELECT id, user_id, version, submitted_at, updated_at, decision_due"
            f" FROM requests WHERE status IN ({marks}) ORDER BY id",
            statuses,
        )
        return [
            Waiting(r[0], r[1], r[2], _time(r[3]), _time(r[4]), date.fromisoformat(r[5]))
            for r in rows
        ]

    async def delivered_between(self, first: datetime, last: datetime) -> list[Delivered]:
        """Requests whose service was delivered in this window (each once)."""
        rows = await self.conn.fetchall(
            "SELECT r.id, r.user_id, MIN(e.created_at) FROM request_events e"
            " JOIN requests r ON r.id = e.request_id"
            " WHERE e.to_status = 'delivered' AND e.created_at > ? AND e.created_at <= ?"
            " GROUP BY r.id ORDER BY r.id",
            (ts(first), ts(last)),
        )
        return [Delivered(r[0], r[1], _time(r[2])) for r in rows]

    async def in_use_before(self, moment: datetime) -> bool:
        """Whether anyone had written to the bot before this time."""
        rows = await self.conn.fetchall(
            "SELECT 1 FROM beneficiaries WHERE created_at < ? LIMIT 1", (ts(moment),)
        )
        return bool(rows)
