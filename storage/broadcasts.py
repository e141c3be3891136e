"""Broadcasts: an admin's message for a segment of beneficiaries, and who is in a segment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection, Row
from storage.values import dt, ts

OPEN = ("submitted", "under_review", "needs_info", "accepted")


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int
    chat_id: int
    topic_key: int
    segment: str | None
    from_message_id: int | None
    state: str  # composing, previewed, sending, done, cancelled
    recipients: int
    progress_message_id: int | None
    created_at: datetime
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    chat_id: int


def _broadcast(row: Row) -> Broadcast:
    created = dt(row["created_at"])
    assert created is not None
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        chat_id=row["chat_id"],
        topic_key=row["topic_key"],
        segment=row["segment"],
        from_message_id=row["from_message_id"],
        state=row["state"],
        recipients=row["recipients"],
        progress_message_id=row["progress_message_id"],
        created_at=created,
        started_at=dt(row["started_at"]),
    )


class Broadcasts:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def create(self, created_by: int, chat_id: int, topic_key: int, now: datetime) -> int:
        """A new draft; the admin's other unsent drafts are dropped (one at a time)."""
        await self.conn.execute(
            "UPDATE broadcasts SET state = 'cancelled', finished_at = ? WHERE created_by = ?"
            " AND state IN ('composing', 'previewed')",
            (ts(now), created_by),
        )
        new_id = await self.conn.fetchval(
            "INSERT INTO broadcasts (created_by, chat_id, topic_key, created_at)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            (created_by, chat_id, topic_key, ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        rows = await self.conn.fetchall("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        row = next(iter(rows), None)
        return _broadcast(row) if row is not None else None

    async def composing(self, created_by: int, chat_id: int, topic_key: int) -> Broadcast | None:
        """The admin's draft that has its segment and waits for the message."""
        rows = await self.conn.fetchall(
            "SELECT * FROM broadcasts WHERE created_by = ? AND chat_id = ? AND topic_key = ?"
            " AND state = 'composing' AND segment IS NOT NULL ORDER BY id DESC LIMIT 1",
            (created_by, chat_id, topic_key),
        )
        row = next(iter(rows), None)
        return _broadcast(row) if row is not None else None

    async def set_segment(self, broadcast_id: int, segment: str) -> bool:
        changed = await self.conn.execute(
            "UPDATE broadcasts SET segment = ? WHERE id = ? AND state = 'composing'",
            (segment, broadcast_id),
        )
        return changed == 1

    async def set_message(self, broadcast_id: int, message_id: int, recipients: int) -> None:
        await self.conn.execute(
            "UPDATE broadcasts SET from_message_id = ?, recipients = ?, state = 'previewed'"
            " WHERE id = ?",
            (message_id, recipients, broadcast_id),
        )

    async def move(self, broadcast_id: int, from_state: str, to_state: str, now: datetime) -> bool:
        """Compare-and-set the state (two admins pressing at once: one wins)."""
        column = "started_at" if to_state == "sending" else "finished_at"
        changed = await self.conn.execute(
            f"UPDATE broadcasts SET state = ?, {column} = ? WHERE id = ? AND state = ?",
            (to_state, ts(now), broadcast_id, from_state),
        )
        return changed == 1

    async def set_started(self, broadcast_id: int, recipients: int, progress_id: int) -> None:
        await self.conn.execute(
            "UPDATE broadcasts SET recipients = ?, progress_message_id = ? WHERE id = ?",
            (recipients, progress_id, broadcast_id),
        )

    async def sending(self) -> list[Broadcast]:
        rows = await self.conn.fetchall(
            "SELECT * FROM broadcasts WHERE state = 'sending' ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def segment(
        self, segment: str, first: datetime | None, last: datetime | None
    ) -> list[Recipient]:
        """Reachable beneficiaries in a segment: everyone, open (a request still going),
        or delivered (a service delivered between `first` and `last`)."""
        reachable = "b.blocked_at IS NULL"
        args: tuple[str, ...] = ()
        if segment == "everyone":
            sql = f"SELECT b.user_id, b.chat_id FROM beneficiaries b WHERE {reachable}"
        elif segment == "open":
            marks = ",".join("?" * len(OPEN))
            sql = (
                f"SELECT b.user_id, b.chat_id FROM beneficiaries b WHERE {reachable} AND EXISTS"
                f" (SELECT 1 FROM requests r WHERE r.user_id = b.user_id AND r.status IN ({marks}))"
            )
            args = OPEN
        elif segment == "delivered" and first is not None and last is not None:
            sql = (
                f"SELECT b.user_id, b.chat_id FROM beneficiaries b WHERE {reachable} AND EXISTS"
                " (SELECT 1 FROM requests r JOIN request_events e ON e.request_id = r.id"
                " WHERE r.user_id = b.user_id AND e.to_status = 'delivered'"
                " AND e.created_at >= ? AND e.created_at < ?)"
            )
            args = (ts(first), ts(last))
        else:
            raise ValueError(f"unknown segment {segment!r}")
        rows = await self.conn.fetchall(sql + " ORDER BY b.user_id", args)
        return [Recipient(r[0], r[1]) for r in rows]
