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

    async def handled(self, update_ids: list[int], now: datetime) -> None:
        """Keep only the ids of handled updates (and when): their payloads are emptied."""
        await self.conn.executemany(
            "UPDATE inbox SET handled_at = ?, payload = '' WHERE update_id = ?",
            [(ts(now), i) for i in update_ids],
        )

    async def pending(self) -> list[tuple[int, str]]:
        rows = await self.conn.fetchall(
            "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id"
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def recently_handled(self, limit: int) -> list[int]:
        """The ids of the newest handled updates, newest first."""
        rows = await self.conn.fetchall(
            "SELECT update_id FROM inbox WHERE handled_at IS NOT NULL"
            " ORDER BY update_id DESC LIMIT ?",
            (limit,),
        )
        return [int(r[0]) for r in rows]

    async def forget_handled_before(self, cutoff: datetime) -> int:
        return await self.conn.execute(
            "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (ts(cutoff),)
        )
