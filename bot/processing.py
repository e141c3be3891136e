"""Updates of different chats run concurrently; updates of one chat run in arrival order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialise updates per chat (a beneficiary's answers must not overtake each other).

    The Application hands updates over in order; each takes its chat's lock before it
    runs, and asyncio locks wake waiters first-come first-served, so one chat's updates
    are handled in the order Telegram sent them while other chats proceed in parallel.

    PTB's shared semaphore is taken before do_process_update (process_update is final),
    so a flood from one chat could fill every slot with updates waiting on that chat's
    lock and hold everyone else up. The bound is therefore set far above any real number
    of waiting updates: what runs at once is at most one update per chat, and the HTTP
    pool and the single database connection bound the rest.

    `observe`, when given, is told each update and the seconds its handlers took once its
    chat's turn came (the metrics' updates by kind and handler latency).
    """

    def __init__(
        self,
        max_concurrent_updates: int = 100_000,
        observe: Callable[[object, float], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._observe = observe

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._handle(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle chats so the dict does not grow
                del self._waiting[key]
                del self._locks[key]

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run every handler group on the update; tell `observe` how long they took."""
        if self._observe is None:
            await coroutine
            return
        started = time.perf_counter()
        try:
            await coroutine
        finally:
            self._observe(update, time.perf_counter() - started)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
