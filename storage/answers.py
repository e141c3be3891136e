"""Staff replies saved as answers to the questions the guides missed (faq_answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection, Row
from storage.values import dt, ts

__all__ = ["StaffAnswer", "StaffAnswers"]


@dataclass(frozen=True)
class StaffAnswer:
    id: int
    question_id: int
    question: str
    answer: str
    status: str  # 'pending' | 'approved' | 'discarded'
    proposed_by: int
    proposed_at: datetime


def _answer(row: Row) -> StaffAnswer:
    proposed = dt(row["proposed_at"])
    assert proposed is not None
    return StaffAnswer(
        row["id"],
        row["question_id"],
        row["question"],
        row["answer"],
        row["status"],
        row["proposed_by"],
        proposed,
    )


class StaffAnswers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def propose(
        self, question_id: int, question: str, answer: str, staff_id: int, now: datetime
    ) -> StaffAnswer | None:
        """Store a pending card for the question; None if one exists already."""
        rows = await self.conn.fetchall(
            "INSERT INTO faq_answers (question_id, question, answer, proposed_by, proposed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id) DO NOTHING RETURNING *",
            (question_id, question, answer, staff_id, ts(now)),
        )
        row = next(iter(rows), None)
        return _answer(row) if row is not None else None

    async def get(self, answer_id: int) -> StaffAnswer | None:
        rows = await self.conn.fetchall("SELECT * FROM faq_answers WHERE id = ?", (answer_id,))
        row = next(iter(rows), None)
        return _answer(row) if row is not None else None

    async def exists_for(self, question_id: int) -> bool:
        rows = await self.conn.fetchall(
            "SELECT 1 FROM faq_answers WHERE question_id = ?", (question_id,)
        )
        return bool(list(rows))

    async def decide(self, answer_id: int, status: str, staff_id: int, now: datetime) -> bool:
        """Approve or discard a pending card; False if it was decided already."""
        changed = await self.conn.execute(
            "UPDATE faq_answers SET status = ?, decided_by = ?, decided_at = ?"
            " WHERE id = ? AND status = 'pending'",
            (status, staff_id, ts(now), answer_id),
        )
        return changed > 0

    async def approved(self) -> list[StaffAnswer]:
        rows = await self.conn.fetchall(
            "SELECT * FROM faq_answers WHERE status = 'approved' ORDER BY id"
        )
        return [_answer(row) for row in rows]
