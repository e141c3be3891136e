"""Figures of a broadcast read from the emulator's log: its pace, its busiest second, and
who received how many copies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TELEGRAM_RATE = 30.0  # messages a second in all, Telegram's limit for a bot's bulk sends
RATE_TARGET = 0.93  # the achieved rate as a fraction of TELEGRAM_RATE (issue #4, point 7)


def achieved_rate(times: Sequence[float]) -> float | None:
    """Sends a second from the first send to the last: (n - 1) intervals over that span."""
    if len(times) < 2:
        return None
    span = max(times) - min(times)
    return (len(times) - 1) / span if span > 0 else None


def busiest_window(times: Iterable[float], width: float = 1.0) -> int:
    """The most sends in any window (t - width, t], the way the emulator counts its limits."""
    ordered = sorted(times)
    best = low = 0
    for high, now in enumerate(ordered):
        while ordered[low] <= now - width:
            low += 1
        best = max(best, high - low + 1)
    return best


@dataclass(frozen=True, slots=True)
class Delivery:
    recipients: int
    delivered: int  # recipients who got the message at least once
    lost: int  # recipients who never got it
    duplicates: int  # copies beyond the first, over all recipients
    strangers: int  # copies that went to a chat outside the recipients


def delivery(recipients: Iterable[int], copies: Counter[int]) -> Delivery:
    """Compare the copies each chat holds with the recipients that should have one each."""
    wanted = set(recipients)
    got = [copies.get(chat, 0) for chat in wanted]
    return Delivery(
        recipients=len(wanted),
        delivered=sum(1 for n in got if n > 0),
        lost=sum(1 for n in got if n == 0),
        duplicates=sum(n - 1 for n in got if n > 1),
        strangers=sum(n for chat, n in copies.items() if chat not in wanted),
    )
