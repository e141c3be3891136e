"""Volunteer sign-ups: the open one is a Draft of the volunteer form, then a Volunteer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.models import Draft, Step
from storage.repositories import draft_from_row, write_draft
from storage.sql import Connection, Row
from storage.values import dt, ts

OPEN_STAGES = ("answering", "reviewing")


@dataclass(frozen=True)
class Volunteer:
    """A submitted sign-up."""

    id: int
    user_id: int
    answers: dict[str, Any]
    locale: str
    submitted_at: datetime
    accepted_at: datetime | None
    accepted_by: int | None


class Volunteers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def open_for_user(self, user_id: int) -> Draft | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM volunteers WHERE user_id = ? AND stage IN (?, ?)",
            (user_id, *OPEN_STAGES),
        )
        row = next(iter(rows), None)
        return draft_from_row(row) if row else None

    async def start(
        self, user_id: int, field_key: str, now: datetime, last_message_id: int
    ) -> None:
        """Open a sign-up, discarding an unfinished one."""
        await self.conn.execute(
            "DELETE FROM volunteers WHERE user_id = ? AND stage IN (?, ?)",
            (user_id, *OPEN_STAGES),
        )
        await self.conn.execute(
            "INSERT INTO volunteers (user_id, stage, field_key, last_message_id, created_at,"
            " updated_at) VALUES (?, 'answering', ?, ?, ?, ?)",
            (user_id, field_key, last_message_id, ts(now), ts(now)),
        )

    async def discard(self, draft: Draft) -> bool:
        changed = await self.conn.execute(
            "DELETE FROM volunteers WHERE id = ? AND seq = ? AND stage IN (?, ?)",
            (draft.id, draft.seq, *OPEN_STAGES),
        )
        return changed == 1

    async def save(
        self,
        draft: Draft,
        step: Step,
        *,
        answers: dict[str, Any],
        now: datetime,
        message_id: int | None = None,
    ) -> bool:
        """Write the sign-up's new state if nobody changed it since it was read (seq check)."""
        return await write_draft(
            self.conn,
            "volunteers",
            draft,
            step,
            answers=answers,
            now=now,
            message_id=message_id,
            while_in=OPEN_STAGES,
        )

    async def submit(self, draft: Draft, locale: str, now: datetime) -> bool:
        changed = await self.conn.execute(
            "UPDATE volunteers SET stage = 'submitted', field_key = NULL, seq = seq + 1,"
            " locale = ?, submitted_at = ?, updated_at = ?"
            " WHERE id = ? AND seq = ? AND stage = 'reviewing'",
            (locale, ts(now), ts(now), draft.id, draft.seq),
        )
        return changed == 1

    async def accept(self, volunteer_id: int, staff_id: int, now: datetime) -> bool:
        """Mark a submitted sign-up accepted (False: unknown or accepted already)."""
        changed = await self.conn.execute(
            "UPDATE volunteers SET stage = 'accepted', accepted_at = ?, accepted_by = ?,"
            " updated_at = ? WHERE id = ? AND stage = 'submitted'",
            (ts(now), staff_id, ts(now), volunteer_id),
        )
        return changed == 1

    async def get(self, volunteer_id: int) -> Volunteer | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM volunteers WHERE id = ? AND stage IN ('submitted', 'accepted')",
            (volunteer_id,),
        )
        row = next(iter(rows), None)
        return _volunteer(row) if row else None

    async def submitted_between(self, start: datetime, stop: datetime) -> list[Volunteer]:
        rows = await self.conn.fetchall(
            "SELECT * FROM volunteers WHERE submitted_at >= ? AND submitted_at < ?"
            " ORDER BY submitted_at, id",
            (ts(start), ts(stop)),
        )
        return [_volunteer(r) for r in rows]


class StaffTopics:
    """Topics the bot opened once in the staff group, by name."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, name: str) -> int | None:
        rows = await self.conn.fetchall("SELECT topic_id FROM staff_topics WHERE name = ?", (name,))
        row = next(iter(rows), None)
        return int(row[0]) if row else None

    async def set(self, name: str, topic_id: int | None) -> None:
        if topic_id is None:
            await self.conn.execute("DELETE FROM staff_topics WHERE name = ?", (name,))
            return
        await self.conn.execute(
            "INSERT INTO staff_topics (name, topic_id) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET topic_id = excluded.topic_id",
            (name, topic_id),
        )


def _volunteer(row: Row) -> Volunteer:
    submitted = dt(row["submitted_at"])
    assert submitted is not None
    return Volunteer(
        id=row["id"],
        user_id=row["user_id"],
        answers=json.loads(row["answers"]),
        locale=row["locale"] or "ar",
        submitted_at=submitted,
        accepted_at=dt(row["accepted_at"]),
        accepted_by=row["accepted_by"],
    )
