"""The broadcast benchmark's figures: its pace, its busiest second, who got how many."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.broadcast_report import verdict
from bench.broadcast_stats import achieved_rate, busiest_window, delivery
from bench.broadcast_watch import counted


def test_the_rate_counts_intervals_between_the_first_and_the_last_send() -> None:
    times = [10.0 + i / 28 for i in range(281)]  # 281 sends, 280 intervals over 10 s
    assert achieved_rate(times) == pytest.approx(28.0)
    assert achieved_rate([1.0]) is None
    assert achieved_rate([1.0, 1.0]) is None


def test_the_busiest_window_counts_like_the_emulator_a_send_exactly_one_second_old_is_out() -> None:
    assert busiest_window([0.0, 0.5, 1.0]) == 2  # at 1.0 the send at 0.0 has expired
    assert busiest_window([0.0, 0.5, 0.999]) == 3
    assert busiest_window([3.0, 0.0, 2.5, 2.9]) == 3  # order does not matter
    assert busiest_window([]) == 0
    evenly = [i / 28 for i in range(280)]
    assert busiest_window(evenly) in (28, 29)  # floating point decides the edge


def test_delivery_tells_lost_duplicates_and_strangers_apart() -> None:
    got = delivery(range(1, 6), Counter({1: 1, 2: 3, 4: 1, 99: 2}))
    assert (got.recipients, got.delivered, got.lost) == (5, 3, 2)
    assert got.duplicates == 2
    assert got.strangers == 2


def test_only_messages_count_towards_the_limits() -> None:
    assert counted("copyMessage") and counted("sendMessage") and counted("sendPhoto")
    assert not counted("sendChatAction")
    assert not counted("editMessageText") and not counted("getUpdates")


def test_the_verdict_needs_the_rate_and_no_violation_loss_or_duplicate() -> None:
    run = {
        "rate_fraction": 0.931,
        "limit_violations": 0,
        "lost": 0,
        "duplicates": 0,
        "strangers": 0,
    }
    assert verdict(run)["met"]
    assert not verdict({**run, "rate_fraction": 0.929})["met"]
    assert not verdict({**run, "limit_violations": 1})["met"]
    assert not verdict({**run, "duplicates": 1})["met"]
