"""The outbox: messages the bot sends on its own initiative, delivered in order per chat."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from storage.models import OutboxMessage
from storage.values import dt, to_json, ts


class Outbox:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def add(
        self,
        chat_id: int,
        kind: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        locale: str | None = None,
        due_at: datetime | None = None,
        dedupe_key: str | None = None,
    ) -> bool:
        """Queue a message; False if one with the same dedupe key was queued before."""
        cur = await self.conn.execute(
            "INSERT OR IGNORE INTO outbox (chat_id, kind, payload, locale, due_at, dedupe_key,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (chat_id, kind, to_json(payload), locale, ts(due_at or now), dedupe_key, ts(now)),
        )
        return cur.rowcount == 1

    async def chats_due(self, now: datetime, limit: int = 500) -> list[int]:
        """Chats whose oldest pending message is due."""
        rows = await self.conn.execute_fetchall(
            "SELECT chat_id FROM outbox o WHERE state = 'pending' AND id ="
            " (SELECT MIN(id) FROM outbox p WHERE p.chat_id = o.chat_id AND p.state = 'pending')"
            " AND due_at <= ? ORDER BY id LIMIT ?",
            (ts(now), limit),
        )
        return [int(r[0]) for r in rows]

    async def head(self, chat_id: int) -> OutboxMessage | None:
        """The chat's oldest pending message: later ones wait for it (order per chat)."""
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM outbox WHERE chat_id = ? AND state = 'pending' ORDER BY id LIMIT 1",
            (chat_id,),
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        due = dt(row["due_at"])
        assert due is not None
        return OutboxMessage(
            id=row["id"],
            chat_id=row["chat_id"],
            kind=row["kind"],
            payload=json.loads(row["payload"]),
            locale=row["locale"],
            due_at=due,
            attempts=row["attempts"],
        )

    async def sent(self, message_id: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            (ts(now), message_id),
        )

    async def failed(self, message_id: int, error: str) -> None:
        """Give up on a message that can never be delivered (the reason is kept)."""
        await self.conn.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?"
            " WHERE id = ?",
            (error[:500], message_id),
        )

    async def retry_at(self, message_id: int, due_at: datetime, error: str) -> None:
        await self.conn.execute(
            "UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (ts(due_at), error[:500], message_id),
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self.conn.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'pending'",
            (new_chat_id, old_chat_id),
        )

    async def count(self, state: str = "pending", kind: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM outbox WHERE state = ?"
        args: tuple[Any, ...] = (state,)
        if kind is not None:
            sql, args = sql + " AND kind = ?", (*args, kind)
        rows = await self.conn.execute_fetchall(sql, args)
        return int(next(iter(rows))[0])
