"""python -m bench.broadcast: a broadcast to N beneficiaries through the emulator enforcing
Telegram's limits, against a bare sender keeping the same pace.

Both run as child processes against a fresh emulator (30 messages a second in all, one a
second per private chat, 20 a minute per group). The bare sender (bench/bare_sender.py)
copies the message to every recipient from a plain asyncio loop; the bot does what an
admin asks in the staff group (/broadcast, everyone, the message, Send) and sends through
its outbox. With --scale s every limit and every pace runs s times faster.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.__main__ import machine
from bench.broadcast_report import print_report, table, verdict
from bench.broadcast_run import measure_bare, measure_outbox
from bench.broadcast_setup import Pace
from bench.process import ROOT
from bench.report import write_json

RESULTS = ROOT / "bench" / "results" / "broadcast.json"
QUICK_RECIPIENTS = 1_000


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000, help="default 10,000")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="time runs this many times faster: every limit and pace × scale (default 1)",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"a smoke run: {QUICK_RECIPIENTS:,} recipients"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare sender")
    parser.add_argument("--no-notice", action="store_true", help="queue no notice half-way")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON ({RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.recipients = min(args.recipients, QUICK_RECIPIENTS)
    if args.recipients < 2 or args.scale <= 0 or (30 * args.scale) % 1:
        parser.error("needs at least 2 recipients and a scale s with 30·s a whole number")
    return args


async def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    pace = Pace(args.scale)
    minutes = args.recipients / pace.outbox_rate / 60
    runs = []
    if not args.no_baseline:
        print(f"… bare sender, {args.recipients:,} copies (~{minutes:.1f} min)", file=sys.stderr)
        runs.append(await measure_bare(args.recipients, pace, workdir / "bare"))
    print(f"… bot broadcast, {args.recipients:,} recipients (~{minutes:.1f} min)", file=sys.stderr)
    runs.append(
        await measure_outbox(args.recipients, pace, workdir / "bot", notice=not args.no_notice)
    )
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tawasul-broadcast-") as tmp:
        for sub in ("bare", "bot"):
            (Path(tmp) / sub).mkdir()
        runs = asyncio.run(run(args, Path(tmp)))
    pace = Pace(args.scale)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "recipients": args.recipients,
        "scale": args.scale,
        "quick": args.quick,
        "telegram_rate": pace.telegram_rate,
        "outbox_rate": pace.outbox_rate,
        "machine": machine(),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "runs": runs,
        "verdict": verdict(runs[-1]),
    }
    print_report(result)
    if args.markdown:
        print()
        print(table(runs, markdown=True))
    write_json(result, args.output)
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
