"""Updates survive a crash: written to SQLite before Telegram is told they arrived.

Both ways updates come in end in `update_queue.put()`, and both wait for it before telling
Telegram: the polling Updater confirms a batch with its next getUpdates only after putting
every update of the batch, and the webhook handler answers 200 only after its put. So a
queue whose put commits the update to the inbox table first makes both modes durable.
In polling mode PollingBot stores each fetched batch in one transaction before the puts
(which then find the updates stored), so a burst costs one commit, not one per update.
The last handler group marks each update handled; the next write (or the shutdown) keeps
only their ids, for two days, and start-up replays whatever a crash left unhandled.

Telegram delivers a batch again when the getUpdates that would have confirmed it failed
(the process killed, a 429 storm as it stopped), for up to a day: start-up loads the ids
of the updates handled lately, and such a second copy stops at first_sight.

Handlers are idempotent for replays: form buttons carry the draft's version, typed answers
are checked against the draft's last applied message id, and an update that Telegram
delivers again after a replay is recognised by its id (first_sight).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.poll_errors import PollErrors
from storage.inbox import Inbox
from storage.sql import Database

log = logging.getLogger(__name__)


# Telegram keeps an unconfirmed update for a day; handled ids are kept longer than that.
KEEP_HANDLED = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)
RECENT_IDS = 10_000


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue, with every update committed before it is queued."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self._db = db
        self._clock = clock
        self._in_inbox: set[int] = set()  # stored and not yet handled
        self._handled: list[int] = []  # handled, to record with the next write
        self._recent = RecentIds(RECENT_IDS)
        self._pruned_at: datetime | None = None
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
        """Return the updates a crash left unhandled, oldest first; remember the ids of
        those handled lately, so that Telegram's second copy of one is known."""
        async with self._db.reading() as conn:
            inbox = Inbox(conn)
            rows = await inbox.pending()
            handled = await inbox.recently_handled(RECENT_IDS)
        for update_id in reversed(handled):
            self._recent.add(update_id)
        updates = []
        for update_id, payload in rows:
            update = Update.de_json(json.loads(payload), bot)
            if update is not None:
                updates.append(update)
                self._in_inbox.add(update_id)
        return updates

    async def _write(self, rows: list[tuple[int, str]]) -> None:
        handled, self._handled = self._handled, []
        now = self._clock()
        prune = self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY
        try:
            async with self._db.transaction() as conn:
                inbox = Inbox(conn)
                if handled:
                    await inbox.handled(handled, now)
                await inbox.add(rows, now)
                if prune:
                    await inbox.forget_handled_before(now - KEEP_HANDLED)
        except BaseException:
            self._handled = handled + self._handled
            raise
        if prune:
            self._pruned_at = now


# Set around a call whose answer the caller never reads (answer_unread): the message
# Telegram sends back is not built into PTB's objects (with its whole keyboard, it was the
# largest part of a form step's parsing).
_UNREAD: ContextVar[bool] = ContextVar("tawasul_answer_unread", default=False)


@contextmanager
def answer_unread() -> Iterator[None]:
    """Calls made in the block (in this task) return True instead of the sent message."""
    token = _UNREAD.set(True)
    try:
        yield
    finally:
        _UNREAD.reset(token)


class PollingBot(ExtBot[int]):
    """An ExtBot that stores each batch getUpdates returns in one transaction (and tells
    `poll_errors` that polling works)."""

    def __init__(self, *args: Any, inbox: DurableQueue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox = inbox
        self._poll_errors = PollErrors()
        self._stopping = False

    def stopping(self) -> None:
        """Polling stops: the Updater's last getUpdates only confirms the batch fetched
        before. Telegram refusing it (a 429 storm, an outage) is no error: that batch comes
        again at the next start, and the inbox knows the updates it handled."""
        self._stopping = True

    @property
    def poll_errors(self) -> PollErrors:
        return self._poll_errors

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            for data in result:  # PTB parses copies: these are as Telegram sent them
                if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                    self._inbox.received(data["update_id"], json.dumps(data, ensure_ascii=False))
        if isinstance(result, dict) and _UNREAD.get():
            return True  # what PTB returns for a call that answers no object
        return result

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        try:
            updates = await super().get_updates(*args, **kwargs)
        except TelegramError as err:
            if not self._stopping:
                raise
            log.info(
                "Telegram did not take the last confirmation of updates (%s)", type(err).__name__
            )
            return ()
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
