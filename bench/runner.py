"""One measured run: a fresh emulator, a bot process, a warm-up journey, then the load."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.process import BotProcess
from bench.scenario import Step, UserResult, echo_steps, extra_messages, form_steps, run_user
from bench.stats import summarise
from emulator import BotApiEmulator

# The think shape: before every step a user pauses for a seeded random 2-6 s, the pace of a
# beneficiary reading a question and typing the answer on a phone. With N users that offers
# about N / 4 updates a second (N / (4 s + the reply's latency), as the loop is closed).
THINK = (2.0, 6.0)
# --quick shortens the pause so that a smoke run stays well under a minute.
QUICK_THINK = (0.2, 0.6)
FIRST_USER_ID = 100_000
WARMUP_USER_ID = 99_999
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class BotKind:
    name: str  # "echo", "echo-aiohttp" or "form"
    argv: tuple[str, ...]
    database: bool

    def steps(self) -> list[Step]:
        return echo_steps(len(form_steps())) if self.name.startswith("echo") else form_steps()


ECHO = BotKind("echo", ("-m", "bench.echo_bot"), database=False)
# A reference, not the baseline: the echo bot on the form bot's aiohttp transport.
ECHO_AIOHTTP = BotKind("echo-aiohttp", ("-m", "bench.echo_bot", "--aiohttp"), database=False)
FORM = BotKind("form", ("-m", "bot", "run"), database=True)
# The same bot on PostgreSQL (a throw-away server the run starts; see bench.__main__).
FORM_PG = BotKind("form-postgresql", ("-m", "bot", "run"), database=True)


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def _load(
    emu: BotApiEmulator,
    steps: list[Step],
    users: int,
    think: tuple[float, float] | None,
    seed: int,
    reply_timeout: float,
) -> list[UserResult]:
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(
            run_user(
                emu.user(FIRST_USER_ID + i, first_name=f"Bench{i}", language_code="en"),
                steps,
                think=think,
                rng=random.Random(seed * 1_000_003 + i),
                timeout=reply_timeout,
                start=start,
            )
        )
        for i in range(users)
    ]
    await asyncio.sleep(0)
    start.set()  # every user starts at once
    return list(await asyncio.gather(*tasks))


async def measure(
    kind: BotKind,
    *,
    users: int,
    think: tuple[float, float] | None,
    seed: int,
    workdir: Path,
    reply_timeout: float = 120.0,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Run ``users`` journeys against a fresh ``kind`` bot; return the run's figures.

    ``think``: the (low, high) pause in seconds before every step, or None for saturation.
    """
    shape = "saturation" if think is None else "think"
    env = {}
    if kind.database:
        env["TAWASUL_DATABASE"] = str(workdir / f"{kind.name}-{shape}.sqlite3")
    if database_url:
        env["TAWASUL_DATABASE_URL"] = database_url
    steps = kind.steps()
    async with BotApiEmulator() as emu:
        proc = BotProcess(emu, kind.argv, workdir, env)
        await proc.start()
        try:
            await warm_up(emu, steps, proc)
            await asyncio.sleep(1.0)  # let the bot settle
            first_request = len(emu.requests_log)
            stderr_before = proc.stderr_lines()
            cpu_before = cpu_seconds(proc.pid)
            driver_before = time.process_time()
            results = await _load(emu, steps, users, think, seed, reply_timeout)
            driver_cpu = time.process_time() - driver_before
            cpu_after = cpu_seconds(proc.pid)
            await asyncio.sleep(0.5)  # anything still arriving is an extra, out-of-order reply
            peak = proc.peak_memory_kib()
            stderr_lines = proc.stderr_lines() - stderr_before
            calls = Counter(r.method for r in emu.requests_log[first_request:])
            extras = sum(extra_messages(emu.user(r.user_id)) for r in results if r.finished)
        finally:
            proc.stop()
        summary = summarise(results, steps)
    summary["order_violations"] += extras
    bot_cpu = (cpu_after - cpu_before) if cpu_after is not None and cpu_before else None
    updates = summary["user_updates"] or 1
    return {
        "bot": kind.name,
        "shape": shape,
        "think_s": list(think) if think is not None else None,
        # What the users ask for: N / mean pause (the closed loop adds each reply's latency).
        "offered_updates_per_s": round(users * 2 / sum(think), 1) if think else None,
        "users": users,
        "steps_per_user": len(steps),
        **summary,
        "extra_messages": extras,
        "peak_memory_mib": round(peak / 1024, 1) if peak else None,
        "bot_cpu_s": round(bot_cpu, 2) if bot_cpu is not None else None,
        "bot_cpu_ms_per_update": round(bot_cpu * 1000 / updates, 2) if bot_cpu else None,
        "driver_cpu_s": round(driver_cpu, 2),
        "api_calls": dict(sorted((k, v) for k, v in calls.items() if k != "getUpdates")),
        "get_updates_calls": calls.get("getUpdates", 0),
        "bot_stderr_lines_during_load": stderr_lines,
    }


async def warm_up(emu: BotApiEmulator, steps: list[Step], proc: BotProcess) -> None:
    """One journey before the measure: imports, caches and connections are warm."""
    warm = await run_user(
        emu.user(WARMUP_USER_ID, first_name="Warmup", language_code="en"),
        steps,
        think=None,
        rng=random.Random(0),
        timeout=30.0,
        start=_set_event(),
    )
    if not warm.finished:
        raise RuntimeError(f"warm-up journey failed: {warm.violations}\n{proc.stderr_tail()}")


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event
