"""The flood meter: a window per sender, one "slow down", albums counted once, bounded."""

from __future__ import annotations

from datetime import timedelta

from bot.services.flood import FloodMeter, Pace
from tests.support import FakeClock


def test_past_the_limit_one_slow_down_then_unread_until_a_quiet_window() -> None:
    clock = FakeClock()
    meter = FloodMeter(clock, limit=3, window=timedelta(seconds=30))
    paces = [meter.note(1) for _ in range(6)]
    assert paces == [Pace.READ] * 3 + [Pace.SLOW_DOWN] + [Pace.UNREAD] * 2
    assert meter.note(2) is Pace.READ  # per sender
    clock.now += timedelta(seconds=29)
    assert meter.note(1) is Pace.UNREAD  # still too fast: the unread count too
    clock.now += timedelta(seconds=31)
    assert meter.note(1) is Pace.READ
    assert [meter.note(1) for _ in range(3)] == [Pace.READ, Pace.READ, Pace.SLOW_DOWN]


def test_an_album_counts_once_and_shares_its_first_photos_fate() -> None:
    meter = FloodMeter(FakeClock(), limit=2)
    assert [meter.note(1, "a") for _ in range(10)] == [Pace.READ] * 10
    assert meter.note(1) is Pace.READ
    assert [meter.note(1, "b") for _ in range(3)] == [Pace.SLOW_DOWN] + [Pace.UNREAD] * 2


def test_only_the_latest_senders_are_remembered() -> None:
    meter = FloodMeter(FakeClock(), limit=1, senders=2)
    meter.note(1)
    meter.note(2)
    meter.note(3)  # sender 1, the longest quiet, is forgotten
    assert meter.note(1) is Pace.READ
    assert meter.note(3) is Pace.SLOW_DOWN
