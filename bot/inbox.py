"""Updates survive a crash: written to SQLite before Telegram is told they arrived.

Both ways updates come in end in `update_queue.put()`, and both wait for it before telling
Telegram: the polling Updater confirms a batch with its next getUpdates only after putting
every update of the batch, and the webhook handler answers 200 only after its put. So a
queue whose put commits the update to the inbox table first makes both modes durable.
In polling mode PollingBot stores each fetched batch in one transaction before the puts
(which then find the updates stored), so a burst costs one commit, not one per update.
The last handler group marks each update handled; handled updates are deleted in the
next write (or at shutdown), and start-up replays whatever a crash left.

Handlers are idempotent for replays: form buttons carry the draft's version, typed answers
are checked against the draft's last applied message id, and an update that Telegram
delivers again after a replay is recognised by its id (first_sight).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.ext import ExtBot

from bot.poll_errors import PollErrors
from storage.inbox import Inbox
from storage.sql import Database


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue, with every update committed before it is queued."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self._db = db
        self._clock = clock
        self._in_inbox: set[int] = set()  # stored and not yet handled
        self._handled: list[int] = []  # handled, to delete with the next write
        self._recent = RecentIds(10_000)
        self._payloads: dict[int, str] = {}  # update id -> the JSON Telegram sent, to store

    def received(self, update_id: int, payload: str) -> None:
        """Keep the JSON an update came as, so that storing it does not serialise the
        parsed Update again (PTB's to_dict is a large part of a step's CPU)."""
        if len(self._payloads) > 10_000:  # received and never stored: not to grow forever
            self._payloads.clear()
        self._payloads[update_id] = payload

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await self.store([item], flush=False)
        await super().put(item)

    async def store(self, updates: Sequence[Update], *, flush: bool = True) -> None:
        """Commit the updates not stored or seen yet (and, with `flush`, drop handled ones).

        An update already seen by this process (handled, or replayed and delivered again)
        is never stored again; first_sight drops its second copy.
        """
        fresh = [
            u
            for u in updates
            if u.update_id not in self._in_inbox and u.update_id not in self._recent
        ]
        if fresh or (flush and self._handled):
            rows = [(u.update_id, self._payload(u)) for u in fresh]
            await self._write(rows)
            self._in_inbox.update(u.update_id for u in fresh)

    def _payload(self, update: Update) -> str:
        payload = self._payloads.pop(update.update_id, None)
        return payload or json.dumps(update.to_dict(), ensure_ascii=False)

    def first_sight(self, update_id: int) -> bool:
        """Tell whether this update id is new to this process (False: a duplicate)."""
        return self._recent.add(update_id)

    def mark_handled(self, update_id: int) -> None:
        """Note that an update went through every handler group."""
        if update_id in self._in_inbox:
            self._in_inbox.discard(update_id)
            self._handled.append(update_id)

    async def flush_handled(self) -> None:
        """Delete the handled updates now (at shutdown)."""
        if self._handled:
            await self._write([])

    async def replay(self, bot: Bot) -> Sequence[Update]:
        """Return the updates a crash left unhandled, oldest first."""
        async with self._db.reading() as conn:
            rows = await Inbox(conn).pending()
        updates = []
        for update_id, payload in rows:
            update = Update.de_json(json.loads(payload), bot)
            if update is not None:
                updates.append(update)
                self._in_inbox.add(update_id)
        return updates

    async def _write(self, rows: list[tuple[int, str]]) -> None:
        handled, self._handled = self._handled, []
        try:
            async with self._db.transaction() as conn:
                inbox = Inbox(conn)
                await inbox.remove(handled)
                await inbox.add(rows, self._clock())
        except BaseException:
            self._handled = handled + self._handled
            raise


class PollingBot(ExtBot[int]):
    """An ExtBot that stores each batch getUpdates returns in one transaction (and tells
    `poll_errors` that polling works)."""

    def __init__(self, *args: Any, inbox: DurableQueue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox = inbox
        self._poll_errors = PollErrors()

    @property
    def poll_errors(self) -> PollErrors:
        return self._poll_errors

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            for data in result:  # PTB parses copies: these are as Telegram sent them
                if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                    self._inbox.received(data["update_id"], json.dumps(data, ensure_ascii=False))
        return result

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        self._poll_errors.polled()
        await self._inbox.store(updates)
        return updates


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
