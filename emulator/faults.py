"""Fault injection rules and Telegram-style rate-limit enforcement."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["400", "401", "429", "5xx", "slow", "timeout", "drop", "outage"]
KINDS: tuple[str, ...] = ("400", "401", "429", "5xx", "slow", "timeout", "drop", "outage")


@dataclass
class FaultRule:
    """One injected fault.

    kind:
      "400"     answer 400 "Bad Request: can't parse entities" (Telegram refusing a message's
                markup); the action is not performed.
      "401"     answer 401 Unauthorized, as Telegram does once a token is revoked.
      "429"     answer 429 Too Many Requests with ``retry_after``; the action is not performed.
      "5xx"     answer 502 Bad Gateway; the action is not performed.
      "slow"    wait ``seconds`` then perform and answer normally.
      "timeout" perform the action, then hold the answer ``seconds`` (the client times out:
                the ambiguous case where the message WAS sent).
      "drop"    close the connection without an answer (``perform=True`` does the action first).
      "outage"  every method fails (502, or a dropped connection when ``drop=True``) for
                ``seconds`` from the moment the rule is added.
    ``times``: how many requests the rule applies to (None = unlimited). ``fired`` counts uses.
    """

    kind: FaultKind
    method: str | None = None
    chat_id: int | None = None
    times: int | None = 1
    retry_after: int = 1
    seconds: float = 1.0
    perform: bool = False
    drop: bool = False
    fired: int = 0
    until: float | None = None

    def active(self, now: float) -> bool:
        if self.kind == "outage":
            return self.until is not None and now < self.until
        return self.times is None or self.fired < self.times

    def matches(self, method: str, chat_id: int | None, now: float) -> bool:
        if not self.active(now):
            return False
        if self.kind == "outage":
            return True
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


class Faults:
    """The rule list: ``emu.faults.add(method="sendMessage", kind="429", retry_after=2)``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules: list[FaultRule] = []
        self.clock = clock

    def add(
        self,
        kind: FaultKind,
        method: str | None = None,
        *,
        chat_id: int | None = None,
        times: int | None = 1,
        retry_after: int = 1,
        seconds: float = 1.0,
        perform: bool | None = None,
        drop: bool = False,
    ) -> FaultRule:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        rule = FaultRule(
            kind=kind,
            method=method,
            chat_id=chat_id,
            times=times,
            retry_after=retry_after,
            seconds=seconds,
            perform=(kind == "timeout") if perform is None else perform,
            drop=drop,
        )
        if kind == "outage":
            rule.until = self.clock() + seconds
            rule.times = None
        self.rules.append(rule)
        return rule

    def outage(self, seconds: float, drop: bool = False) -> FaultRule:
        return self.add("outage", seconds=seconds, drop=drop)

    def clear(self) -> None:
        self.rules.clear()

    def match(self, method: str, chat_id: int | None) -> FaultRule | None:
        if not self.rules:
            return None
        now = self.clock()
        for rule in self.rules:
            if rule.matches(method, chat_id, now):
                rule.fired += 1
                return rule
        return None

    @property
    def fired(self) -> dict[int, int]:
        """Rule index -> times fired."""
        return {i: r.fired for i, r in enumerate(self.rules)}


class _Window:
    __slots__ = ("hits", "limit", "span")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.hits: deque[float] = deque()

    def retry_after(self, now: float, cost: int = 1) -> int:
        """0 when ``cost`` hits are allowed now, else whole seconds until they will be.

        A batch larger than the whole limit (a 10-item media group in a 1/s private chat)
        is allowed once the window is empty.
        """
        hits = self.hits
        while hits and hits[0] <= now - self.span:
            hits.popleft()
        must_expire = len(hits) if cost > self.limit else len(hits) + cost - self.limit
        if must_expire <= 0:
            return 0
        return max(1, math.ceil(hits[must_expire - 1] + self.span - now))


class RateLimits:
    """Sliding-window limits like Telegram's: per private chat, per group, global.

    The group limit is ``per_group_per_min`` messages per ``group_period`` seconds (60 by
    default; tests scale time with e.g. ``group_period=1.0``). Only performed actions count:
    a request answered with an error (400, 403, 429) uses no quota.
    """

    def __init__(
        self,
        per_private_chat_per_sec: float = 1,
        per_group_per_min: int = 20,
        global_per_sec: int = 30,
        clock: Callable[[], float] = time.monotonic,
        group_period: float = 60.0,
    ) -> None:
        if per_private_chat_per_sec <= 0 or per_group_per_min < 1 or global_per_sec < 1:
            raise ValueError("rate limits must be positive")
        if group_period <= 0:
            raise ValueError("group_period must be positive")
        self.clock = clock
        self.private_rate = per_private_chat_per_sec
        self.group_limit = per_group_per_min
        self.group_period = group_period
        self.global_window = _Window(global_per_sec, 1.0)
        self.chats: dict[int, _Window] = {}
        self.violations = 0
        self.violations_by_chat: dict[int, int] = {}
        self.violation_log: list[tuple[float, int, bool]] = []  # (clock, chat, overall limit)

    def _chat_window(self, chat_id: int, private: bool) -> _Window:
        window = self.chats.get(chat_id)
        if window is None:
            if private:
                limit = max(1, math.floor(self.private_rate))
                span = limit / self.private_rate
                window = _Window(limit, span)
            else:
                window = _Window(self.group_limit, self.group_period)
            self.chats[chat_id] = window
        return window

    def wait(self, chat_id: int, private: bool, cost: int = 1) -> int:
        """0 when ``cost`` messages may go to the chat now; else the retry_after of a 429.

        A non-zero answer counts as a violation (total and per chat); nothing is recorded.
        """
        now = self.clock()
        chat = self._chat_window(chat_id, private)
        overall = self.global_window.retry_after(now, cost)
        wait = max(chat.retry_after(now, cost), overall)
        if wait:
            self.violations += 1
            self.violations_by_chat[chat_id] = self.violations_by_chat.get(chat_id, 0) + 1
            self.violation_log.append((now, chat_id, bool(overall)))
        return wait

    def hit(self, chat_id: int, private: bool, cost: int = 1) -> None:
        """Record ``cost`` messages sent to the chat now."""
        now = self.clock()
        chat = self._chat_window(chat_id, private)
        for _ in range(cost):
            chat.hits.append(now)
            self.global_window.hits.append(now)

    def check(self, chat_id: int, private: bool, cost: int = 1) -> int:
        """``wait`` then, when allowed, ``hit``: 0, or the retry_after to answer with."""
        wait = self.wait(chat_id, private, cost)
        if not wait:
            self.hit(chat_id, private, cost)
        return wait
