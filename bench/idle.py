"""Start-up, idle memory, an idle log and the stop: the shipped bot beside a bare echo bot.

``python -m bench.idle`` prints the table; ``make bench`` (``python -m bench``) runs it first
and writes it into the README with the rest. Each bot is a child process against the
emulator, as in the load benchmark, logging at INFO (the default):

- *start-up*: from the exec (just before ``Popen``) to its first getUpdates at the emulator:
  the interpreter and imports, the configuration, the database opened and migrated, the
  guides' index built, getMe answered and polling started;
- *idle memory*: VmRSS after IDLE_SECONDS without an update (jobs running as scheduled);
- *idle log*: the lines it wrote meanwhile, counted per minute;
- *after a question*: VmRSS once a beneficiary's question has been answered (the echo bot
  echoes it): the shipped bot pages in the sentence encoder's weights at the first one;
- *stop*: from SIGTERM to the end of the process.

The shipped bot is started RESTARTS times on one database, as a service restarts; its very
first start, on a new database, also imports the profile's guides (every passage embedded)
and is shown apart.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.process import BotProcess
from bench.report import layout
from emulator import BotApiEmulator

IDLE_SECONDS = 10.0
RESTARTS = 3
_ASKERS = itertools.count(700_000)  # a new beneficiary for each start
RSS_TARGET_MIB = 120.0
STARTUP_TARGET_S = 2.0
QUESTION = "What are your opening hours?"
ECHO = ("-m", "bench.echo_bot")
FORM = ("-m", "bot", "run")


async def _one_start(
    emu: BotApiEmulator, argv: Sequence[str], workdir: Path, env: dict[str, str], idle: float
) -> dict[str, Any]:
    proc = BotProcess(emu, argv, workdir, {"TAWASUL_LOG_LEVEL": "INFO", **env})
    before = len(emu.requests_log)
    execed = time.perf_counter()
    await proc.start(timeout=120)
    try:
        ready = next(r.time for r in emu.requests_log[before:] if r.method.lower() == "getupdates")
        lines = proc.stderr_lines()
        await asyncio.sleep(idle)
        rss = proc.rss_kib()
        idle_lines = proc.stderr_lines() - lines
        asker = emu.user(next(_ASKERS), first_name="Idle", language_code="en")
        await asker.send_text(QUESTION)
        await asker.wait_for_message(timeout=60)
        asked = proc.rss_kib()
    finally:
        stop = await proc.terminate()
    return {
        "startup_s": round(ready - execed, 3),
        "idle_rss_mib": round(rss / 1024, 1) if rss else None,
        "idle_log_lines_per_min": round(idle_lines * 60 / idle, 1),
        "asked_rss_mib": round(asked / 1024, 1) if asked else None,
        "stop_s": round(stop, 2),
    }


async def measure(
    workdir: Path, restarts: int = RESTARTS, idle: float = IDLE_SECONDS
) -> list[dict[str, Any]]:
    """One row per bot: the echo bot, the shipped bot's first start, its restarts."""
    rows = []
    async with BotApiEmulator() as emu:
        database = {"TAWASUL_DATABASE": str(workdir / "idle.sqlite3")}
        plan = [
            ("echo (baseline)", ECHO, {}, restarts),
            ("form, first start (guides imported)", FORM, database, 1),
            ("form, restarted", FORM, database, restarts),
        ]
        for name, argv, env, times in plan:
            print(f"… idle: {name} × {times}", file=sys.stderr, flush=True)
            runs = [await _one_start(emu, argv, workdir, env, idle) for _ in range(times)]
            rows.append(_row(name, runs))
    return rows


def _row(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(key: str) -> float:
        return round(float(statistics.median(r[key] for r in runs)), 3)

    return {
        "bot": name,
        "starts": len(runs),
        "startup_s": median("startup_s"),
        "startup_max_s": max(r["startup_s"] for r in runs),
        "idle_rss_mib": median("idle_rss_mib"),
        "idle_rss_max_mib": max(r["idle_rss_mib"] for r in runs),
        "idle_log_lines_per_min": median("idle_log_lines_per_min"),
        "asked_rss_mib": median("asked_rss_mib"),
        "stop_s": median("stop_s"),
        "runs": runs,
    }


def table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    header = [
        "bot",
        "starts",
        "start-up s (median / max)",
        "idle RSS MiB (median / max)",
        "idle log lines/min",
        "after a question MiB",
        "stop s",
    ]
    cells = [
        [
            r["bot"],
            str(r["starts"]),
            f"{r['startup_s']:.2f} / {r['startup_max_s']:.2f}",
            f"{r['idle_rss_mib']:.1f} / {r['idle_rss_max_mib']:.1f}",
            f"{r['idle_log_lines_per_min']:g}",
            f"{r['asked_rss_mib']:.1f}",
            f"{r['stop_s']:.2f}",
        ]
        for r in rows
    ]
    return layout([header, *cells], markdown)


def targets(rows: list[dict[str, Any]]) -> list[str]:
    """Issue 16's targets, judged on the restarted bot (the worst of its starts)."""
    form = next(r for r in rows if r["bot"] == "form, restarted")
    rss, startup = form["idle_rss_max_mib"], form["startup_max_s"]
    return [
        f"idle RSS ≤ {RSS_TARGET_MIB:g} MiB: {rss:.1f} → {'met' if rss <= RSS_TARGET_MIB else 'MISSED'}",
        f"start-up ≤ {STARTUP_TARGET_S:g} s: {startup:.2f} → "
        f"{'met' if startup <= STARTUP_TARGET_S else 'MISSED'}",
        f"an idle log at INFO: {form['idle_log_lines_per_min']:g} lines a minute",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.idle", description=__doc__)
    parser.add_argument("--restarts", type=int, default=RESTARTS)
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS, help="seconds idle")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tawasul-idle-") as tmp:
        rows = asyncio.run(measure(Path(tmp), args.restarts, args.idle))
    print(table(rows))
    print()
    for line in targets(rows):
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
