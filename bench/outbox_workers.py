"""Notices for one bot through several outbox worker processes on PostgreSQL, one killed.

    python -m bench.outbox_workers [--messages 10000] [--each 4] [--workers 3] [--quick]

A throw-away PostgreSQL server (Debian's binaries, as the tests start it) holds an outbox
of `messages` notices, `each` to every chat in order; `workers` processes of `python -m bot
outbox-worker` send them to the emulator, which enforces Telegram's limits (30 a second in
all, one a second per private chat) and answers a message past them with a 429 (counted as
a violation). When a third has arrived, the worker holding the most claims is killed
(SIGKILL); its claims expire and the others take them over. Figures from the emulator's
log: messages lost, order violations (a chat's message arriving before an earlier one of
that chat), limit violations, duplicates against the sends of unknown outcome the outbox
counted, and the rate from the first arrival to the last, against 30 a second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.broadcast_stats import TELEGRAM_RATE, achieved_rate, busiest_window
from bench.process import ROOT
from bot.services import notices as kinds
from domain.models import CONVERSATION
from emulator import BotApiEmulator
from storage.db import database_at
from storage.outbox import Outbox
from tests.postgres import Cluster
from tests.support import TOKEN, peek

FIRST_CHAT = 300_000
NUMBER = re.compile(r"after (\d+) days?")
LATE = re.compile(r"(\d+) answered late")


async def queue_notices(url: str, chats: range, each: int) -> None:
    """Queue `each` numbered notices to every chat, in order (their number says which)."""
    db = database_at(url)
    await db.open()
    now = datetime.now(UTC)
    try:
        async with db.transaction() as conn:
            outbox = Outbox(conn)
            for n in range(each):
                for chat in chats:
                    # The conversation lane, which quiet hours never hold (whenever it runs).
                    await outbox.add(
                        chat,
                        kinds.NOTICE,
                        {"notice": "draft_expired", "days": n + 1},
                        now,
                        lane=CONVERSATION,
                        locale="en",
                    )
    finally:
        await db.close()


def numbers(texts: list[str]) -> list[int]:
    return [int(found.group(1)) for text in texts if (found := NUMBER.search(text))]


def start_worker(
    emu: BotApiEmulator, url: str, log: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`python -m bot outbox-worker` on the database at url, its stderr appended to log."""
    env = {
        **os.environ,
        "TAWASUL_BOT_TOKEN": TOKEN,
        "TAWASUL_API_BASE_URL": emu.base_url,
        "TAWASUL_API_BASE_FILE_URL": emu.base_file_url,
        "TAWASUL_DATABASE_URL": url,
        "TAWASUL_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "outbox-worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


async def claimer(
    url: str, workers: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes] | None:
    """The worker holding the most rows claimed now (each claim names host:pid:…)."""
    async with peek(url) as conn:
        rows = await conn.fetchall(
            "SELECT claimed_by, COUNT(*) FROM outbox WHERE state = 'sending'"
            " GROUP BY claimed_by ORDER BY COUNT(*) DESC"
        )
    pids = [int(str(r[0]).split(":")[1]) for r in rows]
    return next((w for p in pids for w in workers if w.pid == p), None)


async def run(
    messages: int, each: int, workers: int, folder: Path, kill: bool = True
) -> dict[str, object]:
    chats = range(FIRST_CHAT, FIRST_CHAT + messages // each)
    total = len(chats) * each
    cluster = Cluster()
    cluster.start()
    try:
        url = cluster.new_database()
        queued = time.perf_counter()
        await queue_notices(url, chats, each)
        queue_s = time.perf_counter() - queued
        log = folder / "workers.log"
        async with BotApiEmulator(log_requests=True) as emu:
            for chat in chats:
                emu.user(chat, first_name="B", language_code="en")
            limits = emu.enforce_limits(per_private_chat_per_sec=1, global_per_sec=30)
            procs = [start_worker(emu, url, log) for _ in range(workers)]
            sends: list[tuple[float, int, int]] = []  # arrival, chat, number
            seen = 0

            def collect() -> int:
                nonlocal seen
                log_ = emu.requests_log
                for record in log_[seen:]:
                    if record.method.lower() == "sendmessage":
                        found = NUMBER.search(str(record.params.get("text", "")))
                        if found:
                            chat = int(record.params["chat_id"])
                            sends.append((record.time, chat, int(found.group(1))))
                seen = len(log_)
                return len({(c, n) for _, c, n in sends})

            killed = None
            killed_at = None
            try:
                deadline = time.monotonic() + total / 20 + 120
                while collect() < total:
                    if time.monotonic() > deadline:
                        break
                    if kill and killed is None and collect() >= total // 3:
                        killed = await claimer(url, procs) or procs[0]
                        killed_at = time.perf_counter()
                        killed.send_signal(signal.SIGKILL)
                        killed.wait(timeout=10)
                    await asyncio.sleep(0.2)
                await asyncio.sleep(2.0)  # anything still in flight arrives
                collect()
            finally:
                for proc in procs:
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGTERM)
                for proc in procs:
                    await asyncio.to_thread(proc.wait, 30)
            violations = limits.violations
            first = min((at for at, _, _ in sends), default=0.0)
            seen_at = [
                (round(at - first, 2), "overall" if overall else "chat")
                for at, _, overall in limits.violation_log
            ]
            emu_messages = {chat: [m.text for m in emu.user(chat).messages] for chat in chats}
        late = sum(int(m.group(1)) for m in LATE.finditer(log.read_text(errors="replace")))
        async with peek(url) as conn:
            ambiguous = int(await conn.fetchval("SELECT COALESCE(SUM(ambiguous), 0) FROM outbox"))
            sent = int(await conn.fetchval("SELECT COUNT(*) FROM outbox WHERE state = 'sent'"))
    finally:
        cluster.stop()
    # What each chat holds, in the order it arrived (a 429 answer delivered nothing).
    held = {chat: numbers(emu_messages[chat]) for chat in chats}
    delivered = sum(len(set(v)) for v in held.values())
    order = sum(1 for v in held.values() if list(dict.fromkeys(v)) != sorted(set(v)))
    times = [at for at, _, _ in sends]  # arrivals at the emulator, 429s included
    rate = achieved_rate(times)
    return {
        "messages": total,
        "workers": workers,
        "queued_s": round(queue_s, 2),
        "delivered": delivered,
        "lost": total - delivered,
        "duplicates": sum(len(v) for v in held.values()) - delivered,
        "ambiguous_counted": ambiguous,
        "order_violations": order,
        "limit_violations": violations,
        "violations_at_s": seen_at,  # seconds from the first arrival, and which limit
        "late_answers": late,  # counted again from their answer (the workers that stopped)
        "killed_at_s": round(killed_at - first, 2) if killed_at else None,
        "rate_per_s": round(rate, 2) if rate else None,
        "rate_of_limit": round(rate / TELEGRAM_RATE, 3) if rate else None,
        "busiest_second": busiest_window(times),
        "outbox_sent": sent,
        "killed_pid": killed.pid if killed else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--each", type=int, default=4, help="messages to each chat, in order")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 messages")
    parser.add_argument("--no-kill", action="store_true", help="kill no worker")
    args = parser.parse_args()
    messages = 1_000 if args.quick else args.messages
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(
            run(messages, args.each, args.workers, Path(folder), kill=not args.no_kill)
        )
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
