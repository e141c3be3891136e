"""Raw updates kept until handled (see bot/inbox.py)."""

from __future__ import annotations

from datetime import datetime

from storage.sql import Connection
from storage.values import ts


class Inbox:
    """Raw updates kept until handled (see the inbox table)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, updates: list[tuple[int, str]], now: datetime) -> None:
        if not updates:
            return
        await self.conn.executemany(
            "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(update_id, payload, ts(now)) for update_id, payload in updates],
        )

    async def remove(self, update_ids: list[int]) -> None:
        await self.conn.executemany(
            "DELETE FROM inbox WHERE update_id = ?", [(i,) for i in update_ids]
        )

    async def pending(self) -> list[tuple[int, str]]:
        rows = await self.conn.fetchall("SELECT update_id, payload FROM inbox ORDER BY update_id")
        return [(int(r[0]), str(r[1])) for r in rows]
