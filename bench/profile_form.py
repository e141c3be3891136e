"""Where a form step's CPU goes: the form bot profiled at saturation.

    python -m bench.profile_form [--users 100] [--database-url postgresql://…] [--flame]

The bot runs against the emulator, the same journeys as `python -m bench` drive it with no
pause. By default under cProfile: its functions by own time and by time under them go to
bench/results/form_profile.txt (the raw profile beside it, for snakeviz or gprof2dot).
cProfile slows every call, which skews the picture towards code with many small calls;
with --flame the bot runs as it is and py-spy samples it from outside, only the thread
holding the GIL (CPU, not waiting): the flame graph is bench/profiles/form_flame.svg and
the share of each package in bench/profiles/form_cpu_by_package.txt (both kept in git).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import pstats
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.process import ROOT, BotProcess
from bench.runner import _load, warm_up
from bench.scenario import form_steps
from emulator import BotApiEmulator

OUT = ROOT / "bench" / "results" / "form_profile.txt"
FLAME = ROOT / "bench" / "profiles" / "form_flame.svg"  # kept in the repository
BY_PACKAGE = ROOT / "bench" / "profiles" / "form_cpu_by_package.txt"


async def profile(users: int, database_url: str | None, workdir: Path, raw: Path) -> None:
    env = {"TAWASUL_DATABASE": str(workdir / "form.sqlite3")}
    if database_url:
        env["TAWASUL_DATABASE_URL"] = database_url
    steps = form_steps()
    async with BotApiEmulator() as emu:
        argv = ("-m", "cProfile", "-o", str(raw), "-m", "bot", "run")
        proc = BotProcess(emu, argv, workdir, env)
        await proc.start()
        try:
            await warm_up(emu, steps, proc)
            await _load(emu, steps, users, None, 1, 120.0)
        finally:
            proc.stop(grace=30.0)  # cProfile writes its file as the process ends


async def sample(users: int, database_url: str | None, workdir: Path, folded: Path) -> None:
    """The bot as it runs, sampled by py-spy (GIL holder only) during the load."""
    env = {"TAWASUL_DATABASE": str(workdir / "form.sqlite3")}
    if database_url:
        env["TAWASUL_DATABASE_URL"] = database_url
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is missing: pip install -e '.[dev]'")
    steps = form_steps()
    async with BotApiEmulator() as emu:
        proc = BotProcess(emu, ("-m", "bot", "run"), workdir, env)
        await proc.start()
        try:
            await warm_up(emu, steps, proc)
            record = [spy, "record", "--pid", str(proc.pid), "--gil", "--threads"]
            record += ["--rate", "250", "--nonblocking"]  # reads the process, never stops it
            outputs = [
                subprocess.Popen(  # noqa: ASYNC220 - started now, stopped below
                    [*record, "--format", fmt, "-o", str(out)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for fmt, out in (("flamegraph", FLAME), ("raw", folded))
            ]
            await asyncio.sleep(1.0)  # the samplers have attached
            await _load(emu, steps, users, None, 1, 120.0)
            for spying in outputs:
                spying.send_signal(signal.SIGINT)  # write the file and stop
            for spying in outputs:
                await asyncio.to_thread(spying.wait, 60)
        finally:
            proc.stop(grace=10.0)


def by_package(folded: Path) -> str:
    """The share of the main thread's CPU samples by the package of the innermost frame."""
    shares: Counter[str] = Counter()
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if "MainThread" not in frames[0]:
            continue
        found = re.search(r"\((.*?):\d+\)", frames[-1])
        where = found.group(1) if found else "(no Python frame: the interpreter itself)"
        shares[where.split("/")[0] if "/" in where else where] += int(count)
    total = sum(shares.values()) or 1
    rows = [f"{n * 100 / total:5.1f}%  {name}" for name, n in shares.most_common(25)]
    return "Main thread, samples holding the GIL, by package of the running frame:\n" + "\n".join(
        rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--flame", action="store_true", help="sample with py-spy instead")
    args = parser.parse_args()
    if args.flame:
        with tempfile.TemporaryDirectory() as folder:
            folded = Path(folder) / "folded.txt"
            asyncio.run(sample(args.users, args.database_url, Path(folder), folded))
            summary = by_package(folded)
        BY_PACKAGE.write_text(summary + "\n")
        print(summary)
        print(f"flame graph: {FLAME}")
        return
    raw = OUT.with_suffix(".prof")
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(profile(args.users, args.database_url, Path(folder), raw))
    text = io.StringIO()
    stats = pstats.Stats(str(raw), stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumulative").print_stats(60)
    OUT.write_text(text.getvalue())
    print(text.getvalue()[:6000])


if __name__ == "__main__":
    main()
