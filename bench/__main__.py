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

from bench.process import ROOT
from bench.readme import section
from bench.report import print_report, runs_table, update_readme, verdicts, write_json
from bench.runner import ECHO, FORM, FORM_UNLIMITED, BotKind, measure

RESULTS = ROOT / "bench" / "results" / "latest.json"
QUICK_USERS = 10


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--users", type=int, default=100, help="simulated users (default 100)")
    parser.add_argument("--seed", type=int, default=20261122, help="seed of the think times")
    parser.add_argument(
        "--quick", action="store_true", help=f"a smoke run: {QUICK_USERS} users, no diagnostic run"
    )
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    parser.add_argument(
        "--no-diagnostic",
        action="store_true",
        help="skip the form bot without its rate limiter (form-unlimited)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON ({RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.users = min(args.users, QUICK_USERS)
        args.no_diagnostic = True
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


async def run_all(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    plan: list[tuple[BotKind, bool]] = [(ECHO, False), (FORM, False), (ECHO, True), (FORM, True)]
    if not args.no_diagnostic:
        plan += [(FORM_UNLIMITED, False), (FORM_UNLIMITED, True)]
    runs = []
    for kind, think in plan:
        shape = "think" if think else "saturation"
        print(f"… {kind.name} bot, {shape}, {args.users} users", file=sys.stderr, flush=True)
        run = await measure(kind, users=args.users, think=think, seed=args.seed, workdir=workdir)
        runs.append(run)
        print(runs_table([run]).splitlines()[-1], file=sys.stderr, flush=True)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tawasul-bench-") as tmp:
        runs = asyncio.run(run_all(args, Path(tmp)))
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": args.users,
        "seed": args.seed,
        "quick": args.quick,
        "machine": machine(),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "runs": runs,
        "verdicts": verdicts(runs),
    }
    print_report(result)
    write_json(result, args.output)
    print(f"\nwrote {args.output}")
    if not args.no_readme:
        update_readme(ROOT / "README.md", section(result))
        print("updated README.md (Performance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
