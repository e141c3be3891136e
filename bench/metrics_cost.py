"""python -m bench.metrics_cost: what the metrics cost, per update and per scrape.

Per update: bot.metrics.Metrics.update_handled (the update processor calls it once per
update). Per scrape: Metrics.sample (the outbox's depth by lane and its oldest row, from
SQLite) and the text exposition, on a database of 100,000 sent rows with 0 and then 10,000
unsent ones: the cost follows the unsent rows, not the table.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import timeit
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest
from telegram import Chat, Message, Update, User

from bot.metrics import Metrics
from storage.outbox import NewRow, Outbox
from storage.sqlite import SqliteDatabase

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
UPDATES = 200_000
SCRAPES = 50


def per_update(metrics: Metrics) -> float:
    """Microseconds one observed update costs."""
    chat = Chat(5, Chat.PRIVATE)
    message = Message(1, date=NOW, chat=chat, from_user=User(5, "U", False), text="x")
    update = Update(1, message=message)
    took = timeit.timeit(lambda: metrics.update_handled(update, 0.01), number=UPDATES)
    return took / UPDATES * 1e6


async def per_scrape(metrics: Metrics, folder: Path, unsent: int, sent: int) -> float:
    """Milliseconds one scrape costs with this many unsent and sent outbox rows."""
    db = SqliteDatabase(folder / f"outbox-{unsent}.sqlite3")
    await db.open()
    try:
        async with db.transaction() as conn:
            rows = (NewRow(i, {"i": i}) for i in range(sent + unsent))
            await Outbox(conn).add_bulk("broadcast", rows, NOW, 1)
            await conn.execute("UPDATE outbox SET state = 'sent' WHERE id <= ?", (sent,))
        start = time.perf_counter()
        for _ in range(SCRAPES):
            await metrics.sample(db, NOW, None)
            generate_latest(metrics.registry)
        return (time.perf_counter() - start) / SCRAPES * 1000
    finally:
        await db.close()


async def main() -> None:
    metrics = Metrics()
    print(f"one update observed: {per_update(metrics):.1f} µs")
    with tempfile.TemporaryDirectory() as folder:
        for unsent in (0, 10_000):
            took = await per_scrape(metrics, Path(folder), unsent, 100_000)
            print(f"one scrape, {unsent:,} unsent and 100,000 sent rows: {took:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
