"""python -m bench.transactions: what a form step's database work costs on SQLite.

Each of 200 concurrent users runs 50 steps shaped like a form answer: read its row, do
some work of its own on the event loop (about what a handler does between the read and the
write), then write the row back in a one-statement transaction that checks the version it
read. The baseline, in the same run and on the same kind of file, is the transaction as it
was before: BEGIN, the statement and COMMIT each awaited in turn while the connection's
lock is held, three hops to aiosqlite's thread instead of one. Rounds alternate between the
two so that the machine's noise falls on both; the figures are the medians.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage.sqlite import SqliteConnection, SqliteDatabase

USERS = 200
STEPS = 50
ROUNDS = 5
WORK = 2_000  # the handler's own work between the read and the write: sum(range(WORK))


class AwaitedHops(SqliteDatabase):
    """The baseline: BEGIN, each statement and COMMIT awaited in turn under the lock."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        conn, seam = self._require()
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield seam
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise


async def one_round(db: SqliteDatabase) -> tuple[float, float]:
    """Steps a second and CPU microseconds a step."""
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER)")
        await conn.execute("DELETE FROM t")
        await conn.executemany("INSERT INTO t (id, v) VALUES (?, 0)", [(i,) for i in range(USERS)])

    async def user(i: int) -> None:
        for _ in range(STEPS):
            async with db.reading() as conn:
                seen = await conn.fetchval("SELECT v FROM t WHERE id = ?", (i,))
            sum(range(WORK))
            async with db.transaction() as conn:
                changed = await conn.execute(
                    "UPDATE t SET v = ? WHERE id = ? AND v = ?", (seen + 1, i, seen)
                )
            if changed != 1:
                raise RuntimeError("a step's write was lost")
            await asyncio.sleep(0)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(user(i) for i in range(USERS)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    async with db.reading() as conn:
        if await conn.fetchval("SELECT SUM(v) FROM t") != USERS * STEPS:
            raise RuntimeError("steps missing")
    steps = USERS * STEPS
    return steps / wall, cpu * 1e6 / steps


async def main() -> None:
    runs: dict[str, list[tuple[float, float]]] = {"awaited": [], "queued": []}
    with tempfile.TemporaryDirectory() as folder:
        dbs = {
            "awaited": AwaitedHops(Path(folder) / "awaited.sqlite3"),
            "queued": SqliteDatabase(Path(folder) / "queued.sqlite3"),
        }
        for db in dbs.values():
            await db.open()
        try:
            for _ in range(ROUNDS):
                for name, db in dbs.items():
                    runs[name].append(await one_round(db))
        finally:
            for db in dbs.values():
                await db.close()
    print(
        f"{USERS} users × {STEPS} steps (a read, then a one-statement transaction), "
        f"median of {ROUNDS} alternating rounds:"
    )
    print("| transaction | steps/s | CPU µs a step |")
    print("|---|---|---|")
    labels = {
        "awaited": "BEGIN, statement, COMMIT awaited under the lock (before)",
        "queued": "BEGIN with the statement, COMMIT queued (now)",
    }
    for name, results in runs.items():
        rate = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        print(f"| {labels[name]} | {rate:,.0f} | {cpu:,.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
