"""Keep the staff group within Telegram's per-group limit by waiting, never by failing."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

# Calls that do not post anything into the chat.
UNCOUNTED = frozenset({"deleteMessage", "deleteMessages", "getChat", "getChatMember"})
# rate_limit_args for a call that must fail fast on a 429 (the outbox reschedules the row
# itself): AIORateLimiter reads 0 as "use the default", so a sentinel says "no retries".
NO_RETRIES = -1

# True while the current task sends on the bot's own initiative (see background()).
_BACKGROUND: ContextVar[bool] = ContextVar("background", default=False)


@contextmanager
def background() -> Iterator[None]:
    """Calls made inside (by this task) let the staff group's interactive calls go first."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


# What wraps each of the current task's calls on the wire (see each_call_inside()).
Wire = Callable[[str], AbstractAsyncContextManager[None]]
_WIRE: ContextVar[Wire | None] = ContextVar("wire", default=None)


@contextmanager
def each_call_inside(wire: Wire) -> Iterator[None]:
    """Calls made inside (by this task) each run inside `wire(endpoint)`, entered after
    everything else the call needed (reading the database, rendering the message), just
    before the request is made, and left when Telegram has answered: a pace kept by
    taking slots is then kept at the wire, and the answer's delay can be counted."""
    token = _WIRE.set(wire)
    try:
        yield
    finally:
        _WIRE.reset(token)


def retry_after_seconds(err: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds (PTB gives an int or a timedelta)."""
    wait = err.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def reserve_for(limit: int) -> int:
    """The staff group's slots that only interactive calls take: a fifth (4 of 20)."""
    return max(1, limit // 5)


class SlidingWindow:
    """At most `limit` calls in any `period` seconds; people first, then background calls.

    Telegram counts a group's messages over a sliding minute; a leaky bucket (which is
    what AIORateLimiter's group limiter is) lets a burst of 20 through and then one more
    three seconds later, which a sliding window counts as 21. A small margin absorbs the
    time a request takes to reach Telegram.

    A call someone waits for (a command's reply, the card their press redraws) goes before
    every background call (the outbox's cards and notes), and background calls leave the
    last `reserve` slots of the window to them: after a minute of card redraws a staff
    member's /queue still finds room. Callers of one kind go in the order they came.
    """

    def __init__(self, limit: int, period: float, margin: float = 0.05, reserve: int = 0) -> None:
        self.limit = limit
        self.period = period * (1 + margin)
        self.reserve = min(reserve, limit - 1)  # background calls need one slot at least
        self.hits: deque[float] = deque()
        # Waiters: interactive ones, then background ones.
        self.waiting: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())
        self.timer: asyncio.TimerHandle | None = None
        self.waited = 0.0

    async def acquire(self, background: bool = False) -> None:
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self.waiting[background].append(turn)
        asked = loop.time()
        self._grant(loop)
        await turn  # a cancelled waiter is skipped when its turn comes
        self.waited += loop.time() - asked

    def _head(self) -> tuple[deque[asyncio.Future[None]], int] | None:
        """The queue served next and how many hits its first waiter may find in the window."""
        for queue, room in zip(self.waiting, (self.limit, self.limit - self.reserve), strict=True):
            while queue and queue[0].done():
                queue.popleft()
            if queue:
                return queue, room
        return None

    def _grant(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        now = loop.time()
        while self.hits and self.hits[0] <= now - self.period:
            self.hits.popleft()
        while (head := self._head()) is not None:
            queue, room = head
            if len(self.hits) >= room:
                # Wake when enough of the oldest hits have left the window.
                wake = self.hits[len(self.hits) - room] + self.period
                self.timer = loop.call_at(wake, self._grant, loop)
                return
            queue.popleft().set_result(None)
            self.hits.append(now)


Call = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


def _telling(call: Call, endpoint: str, tell: Callable[[str, float], None]) -> Call:
    """Wrap one API call so that a 429 answer is told before it is raised."""

    async def told(*args: Any, **kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            return await call(*args, **kwargs)
        except RetryAfter as err:
            tell(endpoint, retry_after_seconds(err))
            raise

    return told


def _inside(call: Call, wire: Wire, endpoint: str) -> Call:
    """Wrap one API call so that each try of it (a 429 retried too) runs inside wire."""

    async def wrapped(*args: Any, **kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
        async with wire(endpoint):
            return await call(*args, **kwargs)

    return wrapped


class StaffGroupRateLimiter(AIORateLimiter):
    """AIORateLimiter (429 retries) plus a sliding-window pace for the staff group.

    Every call into the staff group passes here, topic creation and edits included, so no
    feature can forget the limit; other chats are not held back by it. Calls made inside
    background() wait behind the others and leave them a fifth of the window.

    Every API call but getUpdates passes here too, so each 429 Telegram answers is told to
    `on_retry_after` (the method and the seconds asked for), whoever retries it.
    """

    def __init__(
        self,
        staff_chat_id: int | None,
        limit: int,
        period: float,
        max_retries: int = 3,
        on_retry_after: Callable[[str, float], None] | None = None,
    ) -> None:
        # Interactive replies are not held back by an overall cap: Telegram's ~30 messages
        # a second is a limit for bulk sends, which go through their own paced sender.
        super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self.staff_chat_id = staff_chat_id
        self.window = SlidingWindow(limit, period, reserve=reserve_for(limit))
        self.on_retry_after = on_retry_after

    async def process_request(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if (
            self.staff_chat_id is not None
            and chat_id is not None
            and str(chat_id) == str(self.staff_chat_id)
            and endpoint not in UNCOUNTED
        ):
            await self.window.acquire(_BACKGROUND.get())
        if self.on_retry_after is not None:
            callback = _telling(callback, endpoint, self.on_retry_after)
        wire = _WIRE.get()
        if wire is not None and endpoint not in UNCOUNTED:
            callback = _inside(callback, wire, endpoint)
        if rate_limit_args == NO_RETRIES:
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


SPACING_HEADROOM = 1.02


class Pacer:
    """Grants at most `rate` sends a second, evenly spaced; a lower lane is served first.

    Even spacing keeps every one-second window under Telegram's overall limit, however the
    sends bunch up afterwards. Never more than floor(rate) grants fall in any one second:
    the margin up to Telegram's 30 is left for the jitter between a grant and the
    request's arrival. The spacing is 2% tighter than the rate, and a grant that came late
    (the loop was busy) may be followed by one catch-up grant, so delays are made up and
    the long-run rate stays at the cap. Waiters sit in a heap by (lane, arrival): a decision notice that arrives behind a
    broadcast's queue takes the next slot.
    """

    def __init__(self, rate: float) -> None:
        # Spaced a little tighter than the cap: a grant the loop made late is made up
        # within the same second instead of being lost, and the cap still holds.
        self.interval = 1.0 / (rate * SPACING_HEADROOM)
        self.next_slot = 0.0
        self.waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self.order = itertools.count()
        self.timer: asyncio.TimerHandle | None = None
        self.granted = 0
        self.per_second = max(1, math.floor(rate))
        self.recent: deque[float] = deque()  # grants of the last second

    async def acquire(self, lane: int = 0) -> None:
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self.waiting, (lane, next(self.order), turn))
        self._arm(loop)
        await turn  # a cancelled waiter is skipped when its turn comes

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.timer is None and self.waiting:
            self.timer = loop.call_at(max(self.next_slot, loop.time()), self._grant, loop)

    def _grant(self, loop: asyncio.AbstractEventLoop) -> None:
        self.timer = None
        while self.waiting and self.waiting[0][2].done():
            heapq.heappop(self.waiting)
        now = loop.time()
        while self.recent and self.recent[0] <= now - 1.0:
            self.recent.popleft()
        if self.waiting and len(self.recent) >= self.per_second:
            self.next_slot = self.recent[0] + 1.0  # the second is full: wait for room
        elif self.waiting:
            turn = heapq.heappop(self.waiting)[2]
            turn.set_result(None)
            self.granted += 1
            self.recent.append(now)
            self.next_slot = max(self.next_slot, now - self.interval) + self.interval
        self._arm(loop)
