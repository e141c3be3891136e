"""python -m bench: the form bot against a bare echo bot, through the local emulator."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import idle
from bench.associations import measure as association_memory
from bench.process import ROOT
from bench.readme import section
from bench.report import print_report, runs_table, update_readme, verdicts, write_json
from bench.runner import ECHO, ECHO_AIOHTTP, FORM, FORM_PG, QUICK_THINK, THINK, BotKind, measure
from tests.postgres import Cluster

RESULTS = ROOT / "bench" / "results" / "latest.json"
QUICK_USERS = 10


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--users", type=int, default=100, help="simulated users (default 100)")
    parser.add_argument("--seed", type=int, default=20261122, help="seed of the think times")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK_USERS} users, think pauses of "
        f"{QUICK_THINK[0]:g}-{QUICK_THINK[1]:g} s instead of {THINK[0]:g}-{THINK[1]:g} s",
    )
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON ({RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.users = min(args.users, QUICK_USERS)
    args.think = QUICK_THINK if args.quick else THINK
    return args


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    summary = f"{cores} cores{f' ({model})' if model else ''}, Python {platform.python_version()}"
    return {
        "cores": cores,
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "summary": summary,
    }


async def run_all(
    args: argparse.Namespace, workdir: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The start-up and idle rows, then the load runs."""
    if args.quick:
        still = await idle.measure(workdir, restarts=1, idle=3.0)
    else:
        still = await idle.measure(workdir)
    print(idle.table(still), file=sys.stderr, flush=True)
    return still, await _load_runs(args, workdir)


async def associations(count: int, workdir: Path) -> dict[str, Any]:
    """Resident memory of one process serving 1, then `count` associations (idle, after a
    restart); see bench.associations."""
    one = await association_memory(1, workdir)
    many = await association_memory(count, workdir)
    return {
        "count": count,
        "one_mib": round(one, 1),
        "many_mib": round(many, 1),
        "each_added_mib": round((many - one) / (count - 1), 1),
    }


async def _load_runs(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    think: tuple[float, float] = args.think
    plan: list[tuple[BotKind, tuple[float, float] | None]] = [
        (ECHO, None),
        (FORM, None),
        (ECHO_AIOHTTP, None),
        (FORM_PG, None),
        (ECHO, think),
        (FORM, think),
    ]
    cluster = Cluster()
    cluster.start()  # a throw-away PostgreSQL server for the form-postgresql run
    if args.quick:
        print(
            f"--quick: {args.users} users, think pause shortened to {think[0]:g}-{think[1]:g} s "
            f"(the full run uses {THINK[0]:g}-{THINK[1]:g} s); not the figures of the targets",
            file=sys.stderr,
            flush=True,
        )
    runs = []
    try:
        for kind, pause in plan:
            shape = "saturation" if pause is None else f"think {pause[0]:g}-{pause[1]:g} s"
            print(f"… {kind.name} bot, {shape}, {args.users} users", file=sys.stderr, flush=True)
            url = cluster.new_database() if kind is FORM_PG else None
            run = await measure(
                kind,
                users=args.users,
                think=pause,
                seed=args.seed,
                workdir=workdir,
                database_url=url,
            )
            runs.append(run)
            print(runs_table([run]).splitlines()[-1], file=sys.stderr, flush=True)
    finally:
        cluster.stop()
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tawasul-bench-") as tmp:
        still, runs = asyncio.run(run_all(args, Path(tmp)))
        print("… memory of 1 and 20 associations in one process", file=sys.stderr, flush=True)
        many = asyncio.run(associations(5 if args.quick else 20, Path(tmp)))
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": args.users,
        "seed": args.seed,
        "quick": args.quick,
        "think_s": list(args.think),
        "machine": machine(),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "idle": still,
        "runs": runs,
        "associations": many,
        "verdicts": verdicts(runs),
    }
    print_report(result)
    print()
    print(idle.table(still))
    for line in idle.targets(still):
        print("  " + line)
    print(
        f"\n{many['count']} associations in one process: {many['many_mib']} MiB"
        f" (1: {many['one_mib']} MiB); each added: {many['each_added_mib']} MiB (goal ≤ 15)"
    )
    write_json(result, args.output)
    print(f"\nwrote {args.output}")
    if not args.no_readme:
        update_readme(ROOT / "README.md", section(result))
        print("updated README.md (Performance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
