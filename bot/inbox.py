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
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from storage.db import Database
from storage.repositories import Inbox

log = logging.getLogger(__name__)


class DurableBot(ExtBot[None]):
    """An ExtBot whose getUpdates results are committed to the inbox before use."""

    def __init__(
        self, *args: Any, db: Database, clock: Callable[[], datetime], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._inbox_db = db
        self._inbox_clock = clock
        self._handled: list[int] = []

    def mark_handled(self, update_id: int) -> None:
        """Note that an update went through every handler group."""
        self._handled.append(update_id)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates or self._handled:
            rows = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
            await self._write(rows)
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


async def pending(db: Database, bot: ExtBot[None]) -> Sequence[Update]:
    """Return the updates a crash left unhandled, oldest first."""
    async with db.reading() as conn:
        rows = await Inbox(conn).pending()
    updates = []
    for update_id, payload in rows:
        update = Update.de_json(json.loads(payload), bot)
        if update is not None:
            updates.append(update)
        else:  # pragma: no cover - only a corrupt row
            log.warning("inbox row %d could not be read; dropping it", update_id)
    return updates
