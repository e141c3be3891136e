"""Updates survive a crash: written to SQLite before Telegram forgets them, replayed at start.

getUpdates confirms a batch when the next poll starts, which PTB's Updater does at once,
while the handlers may still be working on the batch. DurableBot therefore commits every
fetched batch to the inbox table before returning it; the last handler group marks each
update handled, and the handled ones are deleted in the same transaction that stores the
next batch (one write per poll, not one per update); start-up replays whatever a crash
left behind. Handlers are idempotent for replays: form buttons carry the draft's version
and typed answers are checked against the draft's last applied message id, so an update
handled just before a crash, and replayed, changes nothing (at most a screen is re-sent).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from storage.db import Database
from storage.inbox import Inbox


class DurableBot(ExtBot[None]):
    """An ExtBot whose getUpdates results are committed to the inbox before use."""

    def __init__(
        self, *args: Any, db: Database, clock: Callable[[], datetime], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._inbox_db = db
        self._inbox_clock = clock
        self._in_inbox: set[int] = set()  # stored and not yet handled
        self._handled: list[int] = []  # handled, to delete with the next write
        self._recent = RecentIds(10_000)

    def first_sight(self, update_id: int) -> bool:
        """Tell whether this update id is new to this process (False: a duplicate)."""
        return self._recent.add(update_id)

    def mark_handled(self, update_id: int) -> None:
        """Note that an update went through every handler group."""
        if update_id in self._in_inbox:  # in webhook mode nothing is stored
            self._in_inbox.discard(update_id)
            self._handled.append(update_id)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        # Telegram may deliver again what this process has already seen (a batch replayed
        # from the inbox after a crash is also redelivered): store only the new ones, so a
        # handled update is not written back into the inbox.
        fresh = [u for u in updates if u.update_id not in self._recent]
        if fresh or self._handled:
            rows = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in fresh]
            await self._write(rows)
            self._in_inbox.update(u.update_id for u in fresh)
        return updates

    async def replay(self) -> Sequence[Update]:
        """Return the updates a crash left unhandled, oldest first."""
        async with self._inbox_db.reading() as conn:
            rows = await Inbox(conn).pending()
        updates = []
        for update_id, payload in rows:
            update = Update.de_json(json.loads(payload), self)
            if update is not None:
                updates.append(update)
                self._in_inbox.add(update_id)
        return updates

    async def flush_handled(self) -> None:
        """Delete the handled updates now (at shutdown)."""
        if self._handled:
            await self._write([])

    async def _write(self, rows: list[tuple[int, str]]) -> None:
        handled, self._handled = self._handled, []
        try:
            async with self._inbox_db.transaction() as conn:
                inbox = Inbox(conn)
                await inbox.remove(handled)
                await inbox.add(rows, self._inbox_clock())
        except BaseException:
            self._handled = handled + self._handled
            raise


class RecentIds:
    """The last N update ids seen, to drop an update Telegram delivers twice."""

    def __init__(self, size: int) -> None:
        self._order: deque[int] = deque(maxlen=size)
        self._ids: set[int] = set()

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._ids

    def add(self, update_id: int) -> bool:
        """Remember the id; False if it was already there."""
        if update_id in self._ids:
            return False
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(update_id)
        self._ids.add(update_id)
        return True
