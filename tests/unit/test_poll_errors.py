"""A failing getUpdates is reported once in plain words, and once more when it is over."""

from __future__ import annotations

import logging

import pytest
from telegram.error import Conflict, NetworkError

from bot.poll_errors import CONFLICT_OVER_SECONDS, PollErrors

CUT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _said(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.poll_errors"]
    caplog.clear()
    return said


def test_a_conflict_is_told_once_while_it_lasts_and_again_when_it_comes_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.poll_errors")
    clock = Clock()
    errors = PollErrors(clock)
    for _ in range(5):  # the two instances take turns: polls get through in between
        errors.failed(Conflict(CUT))
        clock.now += 20
        errors.polled()
    (said,) = _said(caplog)
    assert said[0] == "ERROR" and "409 Conflict" in said[1] and "Stop the other one" in said[1]
    assert "Traceback" not in said[1]
    clock.now += CONFLICT_OVER_SECONDS
    errors.polled()
    assert _said(caplog) == [
        (
            "INFO",
            f"No other instance has polled for {CONFLICT_OVER_SECONDS:.0f} s: "
            "the conflict is over.",
        )
    ]
    errors.polled()
    assert _said(caplog) == []
    errors.failed(Conflict(CUT))  # the other instance was started again
    assert [level for level, _ in _said(caplog)] == ["ERROR"]


def test_a_network_failure_is_told_once_and_its_end_at_the_next_poll(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.poll_errors")
    errors = PollErrors(Clock())
    errors.polled()
    assert _said(caplog) == []
    for _ in range(3):
        errors.failed(NetworkError("Bad Gateway"))
    assert _said(caplog) == [
        (
            "WARNING",
            "Asking Telegram for updates failed (NetworkError: Bad Gateway); "
            "retrying until it works.",
        )
    ]
    errors.polled()
    assert _said(caplog) == [("INFO", "Asking Telegram for updates works again.")]
