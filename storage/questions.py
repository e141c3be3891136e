"""The questions beneficiaries asked outside the form, kept for staff (faq_questions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection
from storage.values import dt, ts

__all__ = ["AskedQuestion", "Gap", "Questions"]


@dataclass(frozen=True)
class AskedQuestion:
    id: int
    user_id: int
    message_id: int | None
    asked_at: datetime
    text: str
    outcome: str
    passage_id: int | None
    helpful: bool | None


@dataclass(frozen=True)
class Gap:
    text: str
    times: int
    last_asked: datetime
    reason: str  # 'unanswered' | 'unsure' | 'unhelpful'


class Questions:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        user_id: int,
        message_id: int | None,
        text: str,
        outcome: str,
        passage_id: int | None,
        score: float,
        now: datetime,
    ) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO faq_questions"
            " (user_id, message_id, asked_at, text, outcome, passage_id, score)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, message_id, ts(now), text, outcome, passage_id, score),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, question_id: int) -> AskedQuestion | None:
        rows = await self.conn.fetchall("SELECT * FROM faq_questions WHERE id = ?", (question_id,))
        row = next(iter(rows), None)
        if row is None:
            return None
        asked = dt(row["asked_at"])
        assert asked is not None
        helpful = row["helpful"]
        return AskedQuestion(
            row["id"],
            row["user_id"],
            row["message_id"],
            asked,
            row["text"],
            row["outcome"],
            row["passage_id"],
            None if helpful is None else bool(helpful),
        )

    async def answered_with(self, question_id: int, passage_id: int) -> None:
        """The beneficiary picked one of the suggestions: the question counts as answered."""
        await self.conn.execute(
            "UPDATE faq_questions SET outcome = 'answered', passage_id = ?, helpful = NULL"
            " WHERE id = ?",
            (passage_id, question_id),
        )

    async def set_helpful(self, question_id: int, helpful: bool) -> None:
        await self.conn.execute(
            "UPDATE faq_questions SET helpful = ? WHERE id = ?", (int(helpful), question_id)
        )

    async def take_save_offer(self, user_id: int, since: datetime, most: int) -> int | None:
        """Return the id of the user's latest question passed to a person, not yet saved as
        an answer and offered fewer than ``most`` times, counting this offer."""
        rows = await self.conn.fetchall(
            "SELECT q.id FROM faq_questions q WHERE q.user_id = ? AND q.handed_off = 1"
            " AND q.asked_at >= ? AND q.save_offers < ? AND NOT EXISTS"
            " (SELECT 1 FROM faq_answers a WHERE a.question_id = q.id)"
            " ORDER BY q.asked_at DESC, q.id DESC LIMIT 1",
            (user_id, ts(since), most),
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        await self.conn.execute(
            "UPDATE faq_questions SET save_offers = save_offers + 1 WHERE id = ?", (row["id"],)
        )
        return int(row["id"])

    async def hand_off(self, question_id: int, user_id: int) -> bool:
        """Mark a beneficiary's question as passed to a person."""
        changed = await self.conn.execute(
            "UPDATE faq_questions SET handed_off = 1 WHERE id = ? AND user_id = ?",
            (question_id, user_id),
        )
        return changed > 0

    async def gaps(self, since: datetime, limit: int) -> list[Gap]:
        """Return the questions left unanswered or found unhelpful, most asked first."""
        rows = await self.conn.fetchall(
            "SELECT text, COUNT(*) AS times, MAX(asked_at) AS last,"
            " CASE WHEN MAX(CASE WHEN helpful = 0 THEN 1 ELSE 0 END) = 1 THEN 'unhelpful'"
            "      WHEN MAX(CASE WHEN outcome = 'unanswered' THEN 1 ELSE 0 END) = 1"
            "      THEN 'unanswered' ELSE 'unsure' END AS reason"
            " FROM faq_questions WHERE asked_at >= ? AND (outcome != 'answered' OR helpful = 0)"
            " GROUP BY text ORDER BY times DESC, last DESC LIMIT ?",
            (ts(since), limit),
        )
        out = []
        for row in rows:
            last = dt(row["last"])
            assert last is not None
            out.append(Gap(row["text"], row["times"], last, row["reason"]))
        return out
