"""Where a form step's CPU goes: the form bot under cProfile at saturation.

    python -m bench.profile_form [--users 100] [--database-url postgresql://…]

The bot runs as `python -m cProfile -m bot run` against the emulator, the same journeys as
`python -m bench` drive it with no pause, and the profile of the bot's process (its
functions by own time, and by time under them) is written to bench/results/form_profile.txt
(the raw profile beside it, for snakeviz or gprof2dot).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import pstats
import tempfile
from pathlib import Path

from bench.process import ROOT, BotProcess
from bench.runner import _load, warm_up
from bench.scenario import form_steps
from emulator import BotApiEmulator

OUT = ROOT / "bench" / "results" / "form_profile.txt"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
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
