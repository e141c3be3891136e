"""How noisy the machine was during a run: stalls of the emulator's event loop, CPU time
the host stole from this VM, and what reached the emulator around each 429."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.broadcast_watch import chat_of, counted
from bench.runner import CLOCK_TICKS
from emulator import BotApiEmulator, RequestRecord


def crowding(emu: BotApiEmulator, chats: list[int]) -> list[dict[str, Any]]:
    """For the chats that met a 429: when their first request came (s after the first copy
    to a recipient), the messages of any kind that reached the emulator in the second
    before it (the global limit counts them all), and the gaps between those arrivals."""
    posts = [r for r in emu.requests_log if counted(r.method)]
    copies_out = [r.time for r in posts if r.method.lower() == "copymessage" and _private(r)]
    start = min(copies_out, default=0.0)
    found = []
    for chat in chats:
        first = next((r for r in posts if chat_of(r) == chat), None)
        if first is None:
            continue
        before = [r for r in posts if first.time - 1.0 < r.time < first.time]
        times = [r.time for r in before] + [first.time]
        found.append(
            {
                "chat_id": chat,
                "at_s": round(first.time - start, 3),
                "messages_in_the_second_before": len(before),
                "not_broadcast_copies": [
                    f"{r.method} to {chat_of(r)} at {r.time - start:+.3f} s"
                    for r in before
                    if not (r.method.lower() == "copymessage" and _private(r))
                ],
                "gaps_ms": [round((b - a) * 1000, 1) for a, b in itertools.pairwise(times)],
            }
        )
    return found


def _private(record: RequestRecord) -> bool:
    return (chat_of(record) or 0) > 0


@dataclass
class LoopWatch:
    """How late this process's event loop (the emulator's) wakes up: a stall here delays
    requests that the sender sent on time, and bunches them up on arrival.

    While it watches, the garbage collector is paused (what exists is frozen first): a
    full collection over the emulator's users and its growing request log took up to
    130 ms in a 10,000-recipient run, long enough to bunch the requests that waited
    meanwhile past the global limit. Telegram's servers do not pause for our collector.
    """

    tick: float = 0.005
    threshold: float = 0.015  # lateness worth recording, in seconds
    stalls: list[tuple[float, float]] = field(default_factory=list)  # (perf_counter, late)
    task: asyncio.Task[None] | None = None
    steal_before: float | None = None
    steal: float | None = None  # s the hypervisor ran something else on this VM's CPUs

    def start(self) -> None:
        self.steal_before = steal_seconds()
        gc.collect()
        gc.freeze()
        gc.disable()
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        gc.enable()
        gc.unfreeze()
        after = steal_seconds()
        if after is not None and self.steal_before is not None:
            self.steal = after - self.steal_before
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            late = time.perf_counter() - before - self.tick
            if late > self.threshold:
                self.stalls.append((before + self.tick, late))

    def figures(self, origin: float | None) -> dict[str, Any]:
        worst = sorted(self.stalls, key=lambda s: -s[1])[:5]
        return {
            "cpu_steal_s": round(self.steal, 2) if self.steal is not None else None,
            f"over_{self.threshold * 1000:g}_ms": len(self.stalls),
            "worst_ms_at_s": [
                [round(late * 1000, 1), round(at - (origin or 0.0), 3)] for at, late in worst
            ],
        }


def steal_seconds() -> float | None:
    """CPU time stolen from this machine (a VM) by its host so far, all CPUs together."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    return int(fields[8]) / CLOCK_TICKS if len(fields) > 8 else None
