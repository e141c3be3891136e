"""Ratings of delivered requests, suggestions, what a beneficiary was asked to type, and the
figures staff see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection
from storage.values import dt, ts


@dataclass(frozen=True)
class Rating:
    request_id: int
    user_id: int
    stars: int
    comment: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BeneficiaryPrompt:
    """The beneficiary was asked to type something; their next text message is the answer."""

    user_id: int
    kind: str  # 'rating_comment' | 'suggestion'
    request_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Remark:
    """A rating's comment or a suggestion as staff see it; who wrote it only on request."""

    text: str
    stars: int | None = None
    name: str | None = None
    reference: str | None = None


class Ratings:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, request_id: int) -> Rating | None:
        rows = await self.conn.fetchall("SELECT * FROM ratings WHERE request_id = ?", (request_id,))
        row = next(iter(rows), None)
        if row is None:
            return None
        created, updated = dt(row["created_at"]), dt(row["updated_at"])
        assert created is not None and updated is not None
        return Rating(
            request_id=row["request_id"],
            user_id=row["user_id"],
            stars=row["stars"],
            comment=row["comment"],
            created_at=created,
            updated_at=updated,
        )

    async def insert(self, request_id: int, user_id: int, stars: int, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO ratings (request_id, user_id, stars, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (request_id, user_id, stars, ts(now), ts(now)),
        )

    async def set_stars(self, request_id: int, stars: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE ratings SET stars = ?, updated_at = ? WHERE request_id = ?",
            (stars, ts(now), request_id),
        )

    async def set_comment(self, request_id: int, comment: str, now: datetime) -> bool:
        changed = await self.conn.execute(
            "UPDATE ratings SET comment = ?, updated_at = ? WHERE request_id = ?",
            (comment, ts(now), request_id),
        )
        return changed == 1

    async def distribution(self) -> dict[int, int]:
        """How many ratings gave each number of stars (every number from 1 to 5 is there)."""
        rows = await self.conn.fetchall("SELECT stars, COUNT(*) FROM ratings GROUP BY stars")
        found = {int(r[0]): int(r[1]) for r in rows}
        return {stars: found.get(stars, 0) for stars in range(1, 6)}

    async def recent_comments(self, limit: int, *, identity: bool) -> list[Remark]:
        """The newest comments; the name and reference are not even read without `identity`."""
        who = ", b.first_name, q.reference" if identity else ""
        rows = await self.conn.fetchall(
            f"SELECT r.comment, r.stars{who} FROM ratings r"
            " JOIN requests q ON q.id = r.request_id"
            " JOIN beneficiaries b ON b.user_id = r.user_id"
            " WHERE r.comment IS NOT NULL ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            (limit,),
        )
        return [Remark(r[0], r[1], r[2], r[3]) if identity else Remark(r[0], r[1]) for r in rows]


class Suggestions:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, user_id: int, text: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO suggestions (user_id, text, created_at) VALUES (?, ?, ?)",
            (user_id, text, ts(now)),
        )

    async def count(self) -> int:
        rows = await self.conn.fetchall("SELECT COUNT(*) FROM suggestions")
        return int(next(iter(rows))[0])

    async def recent(self, limit: int, *, identity: bool) -> list[Remark]:
        who = ", b.first_name" if identity else ""
        rows = await self.conn.fetchall(
            f"SELECT s.text{who} FROM suggestions s"
            " JOIN beneficiaries b ON b.user_id = s.user_id"
            " ORDER BY s.created_at DESC, s.id DESC LIMIT ?",
            (limit,),
        )
        return [Remark(r[0], name=r[1]) if identity else Remark(r[0]) for r in rows]


class BeneficiaryPrompts:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def put(self, user_id: int, kind: str, request_id: int | None, now: datetime) -> None:
        """Ask for the next typed message; a newer question replaces an older one."""
        await self.conn.execute(
            "INSERT INTO beneficiary_prompts (user_id, kind, request_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind,"
            " request_id = excluded.request_id, created_at = excluded.created_at",
            (user_id, kind, request_id, ts(now)),
        )

    async def get(self, user_id: int) -> BeneficiaryPrompt | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM beneficiary_prompts WHERE user_id = ?", (user_id,)
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        created = dt(row["created_at"])
        assert created is not None
        return BeneficiaryPrompt(row["user_id"], row["kind"], row["request_id"], created)

    async def delete(self, user_id: int) -> bool:
        changed = await self.conn.execute(
            "DELETE FROM beneficiary_prompts WHERE user_id = ?", (user_id,)
        )
        return changed == 1
