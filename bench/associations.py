"""What each added association costs in memory: one process serving 1, then N associations.

    python -m bench.associations [--count 20]

`python -m bot run --associations DIR` runs against one emulator per association (as
Telegram keeps bots apart), every association with the sample profile, its guides and its
own SQLite file. Once every bot polls and its guides' index is built (the memory stops
growing), the process's resident memory is read; the figure is (RSS with N − RSS with 1)
/ (N − 1). The sentence encoder is loaded once per process and shared, so it is in the
first association's figure, not in the increments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.process import ROOT
from emulator import BotApiEmulator


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def measure(count: int, folder: Path) -> float:
    async with contextlib.AsyncExitStack() as stack:
        emus = [await stack.enter_async_context(BotApiEmulator()) for _ in range(count)]
        root = folder / f"n{count}"
        for i, emu in enumerate(emus):
            sub = root / f"a{i:02d}"
            sub.mkdir(parents=True)
            (sub / "association.env").write_text(
                f"TAWASUL_BOT_TOKEN={1000000000 + i}:BENCH-TOKEN-{i:02d}-000000000000000000000000\n"
                f"TAWASUL_API_BASE_URL={emu.base_url}\n"
                f"TAWASUL_API_BASE_FILE_URL={emu.base_file_url}\n"
            )
        env = {**os.environ, "TAWASUL_LOG_LEVEL": "WARNING", "PTB_TIMEDELTA": "true"}
        env.pop("TAWASUL_DATABASE_URL", None)
        # The first start imports each association's guides (embedding them); the figure is
        # taken at the second, as after any restart of a deployment.
        for start in ("first", "second"):
            rss = await _run(emus, root, env, folder / f"n{count}-{start}.log", count)
        return rss


async def _run(
    emus: list[BotApiEmulator], root: Path, env: dict[str, str], log: Path, count: int
) -> float:
    polls = [len(emu.requests_log) for emu in emus]
    proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the emulators are watched
        [sys.executable, "-m", "bot", "run", "--associations", str(root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120 + 10 * count
        while not all(
            any(r.method.lower() == "getupdates" for r in emu.requests_log[seen:])
            for emu, seen in zip(emus, polls, strict=True)
        ):
            if proc.poll() is not None or loop.time() > deadline:
                raise RuntimeError(log.read_text())  # noqa: ASYNC240 - it failed: read once
            await asyncio.sleep(0.2)
        # The guides' indexes are built in the background: wait until memory settles.
        last, steady = 0.0, 0
        while steady < 5 and loop.time() < deadline:
            await asyncio.sleep(1.0)
            now = _rss_mib(proc.pid)
            steady = steady + 1 if abs(now - last) < 0.5 else 0
            last = now
        return last
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        one = asyncio.run(measure(1, Path(folder)))
        many = asyncio.run(measure(args.count, Path(folder)))
    each = (many - one) / (args.count - 1)
    print(f"1 association: {one:.1f} MiB resident")
    print(f"{args.count} associations: {many:.1f} MiB resident")
    print(f"each added association: {each:.1f} MiB (goal: at most 15)")


if __name__ == "__main__":
    main()
