"""python -m bench.staff_wait: how long a staff command's reply waits while background card
redraws keep the staff group's budget spent, with people going first and without.

In one process: the emulator, enforcing 20 messages a minute per group, and the bot as
the end-to-end tests run it (build_application, a staff group with topics). Five requests
are submitted; then their cards are redrawn without pause (a refresh of each is queued
twice as often as the group can take them), so the outbox always has a redraw waiting.
After one period a staff member sends /queue, again 0.35 of a period after each reply,
and the time from sending it to its reply's arrival is taken. The baseline is the same
run with the window the limiter had before: one queue in arrival order, no slot kept for
people. With --scale s the group's minute runs s times faster (the waits shrink with it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.process import ROOT
from bot.context import SERVICES_KEY, Services
from bot.ratelimit import UNCOUNTED, SlidingWindow, StaffGroupRateLimiter
from bot.services import notices
from emulator import BotApiEmulator
from tests.e2e.desk import OFFICER, STAFF_CHAT, Desk, open_desk, plain, submit
from tests.e2e.driver import ENGLISH_ANSWERS, Person
from tests.support import FakeClock

README_START = "<!-- bench-staff:start -->"
README_END = "<!-- bench-staff:end -->"
LIMIT, MINUTE = 20, 60.0
REQUESTS, COMMANDS = 5, 6


class OneQueue(SlidingWindow):
    """The window before people went first: every call in arrival order, no reserve."""

    async def acquire(self, background: bool = False) -> None:
        await super().acquire(False)


async def feed(desk: Desk, clock: FakeClock, request_ids: list[int], every: float) -> None:
    """Queue a redraw of each card in turn; a day passes each time, so every edit changes
    the card (its days left)."""
    services: Services = desk.app.bot_data[SERVICES_KEY]
    turn = 0
    while True:
        clock.now += timedelta(days=1)
        async with services.db.transaction() as conn:
            await notices.to_staff(
                conn,
                STAFF_CHAT,
                notices.STAFF_CARD_REFRESH,
                clock.now,
                request_id=request_ids[turn % len(request_ids)],
            )
        services.wakeup()
        turn += 1
        await asyncio.sleep(every)


def most_in_a_window(emu: BotApiEmulator, period: float) -> int:
    """The most calls the bot made into the staff group within any `period` seconds."""
    times = [
        r.time
        for r in emu.requests_log
        if str(r.params.get("chat_id")) == str(STAFF_CHAT) and r.method not in UNCOUNTED
    ]
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= period:
            first += 1
        most = max(most, last - first + 1)
    return most


async def measure(first: bool, period: float, workdir: Path) -> dict[str, Any]:
    clock = FakeClock()
    emu = BotApiEmulator()
    emu.enforce_limits(
        per_private_chat_per_sec=1000, per_group_per_min=LIMIT, global_per_sec=1000,
        group_period=period,
    )  # fmt: skip
    async with (
        emu,
        open_desk(emu, clock, workdir / "db.sqlite3", rate=LIMIT, period=period) as desk,
    ):
        limiter = desk.app.bot.rate_limiter
        assert isinstance(limiter, StaffGroupRateLimiter)
        if not first:
            limiter.window = OneQueue(LIMIT, period)
        for i in range(REQUESTS):
            person = Person(emu.user(5000 + i, first_name=f"User{i}", language_code="en"))
            await desk.card(await submit(person, {**ENGLISH_ANSWERS}), timeout=3 * period)
        await desk.settle()
        ids = [int(r[0]) for r in await desk.rows("SELECT id FROM requests ORDER BY id")]
        feeder = asyncio.create_task(feed(desk, clock, ids, period / LIMIT / 2))
        await asyncio.sleep(period)  # the budget is spent on redraws
        waits = []
        for _ in range(COMMANDS):
            asked = time.perf_counter()
            await desk.say(OFFICER, "/queue")
            await desk.group.wait_for_message(
                timeout=3 * period,
                predicate=lambda m: "Received (" in plain(m.text),
                message_thread_id=1,
            )
            waits.append(time.perf_counter() - asked)
            await asyncio.sleep(0.35 * period)
        feeder.cancel()
        return {
            "people_first": first,
            "waits_s": [round(w, 3) for w in waits],
            "median_s": round(statistics.median(waits), 3),
            "worst_s": round(max(waits), 3),
            "most_in_a_period": most_in_a_window(emu, period),
            "violations": emu.limit_violations_in(STAFF_CHAT),
        }


def report(runs: list[dict[str, Any]], period: float) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run of {date} (group limit {LIMIT} per {period:g} s, {COMMANDS} × /queue):",
        "",
        "| window | reply wait median s | worst s | most calls in any period | limit violations |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        name = "people first (shipped)" if run["people_first"] else "one queue (before)"
        lines.append(
            f"| {name} | {run['median_s']:.2f} | {run['worst_s']:.2f} |"
            f" {run['most_in_a_period']} | {run['violations']} |"
        )
    return "\n".join(lines)


def update_readme(readme: Path, text: str) -> None:
    content = readme.read_text(encoding="utf-8")
    start, end = content.index(README_START), content.index(README_END)
    readme.write_text(content[:start] + f"{README_START}\n{text}\n" + content[end:], "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.staff_wait", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="the minute s times faster")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    args = parser.parse_args(argv)
    period = MINUTE / args.scale

    async def both() -> list[dict[str, Any]]:
        runs = []
        with tempfile.TemporaryDirectory(prefix="tawasul-staff-wait-") as tmp:
            for first in (False, True):
                print(f"… people first: {first}", file=sys.stderr, flush=True)
                (Path(tmp) / str(first)).mkdir()
                runs.append(await measure(first, period, Path(tmp) / str(first)))
                print(runs[-1], file=sys.stderr, flush=True)
        return runs

    text = report(asyncio.run(both()), period)
    print(text)
    if not args.no_readme and args.scale == 1.0:
        update_readme(ROOT / "README.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
