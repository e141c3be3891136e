"""Outbox workers in several processes, on PostgreSQL: `python -m bot outbox-worker`.

Three workers send one outbox to an emulator that enforces Telegram's limits; one is
killed (SIGKILL) half-way. Every message arrives, each chat's in order, no limit is
passed, and a message arrives twice only if its send was of unknown outcome (counted). A
worker restarted after a crash takes over its dead predecessor's claims at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.outbox_workers import claimer, numbers, queue_notices, start_worker
from bot.delivery.dispatcher import BOOT_ID, died_here, machine
from emulator import BotApiEmulator
from storage.db import database_at
from storage.outbox import Outbox, SendSlots
from tests.e2e.test_monitoring import scrape, value
from tests.postgres import Cluster
from tests.support import TOKEN, eventually, free_port, healthz_until, peek

ROOT = Path(__file__).resolve().parents[2]
CHATS = range(810_001, 810_013)  # 12 beneficiaries' private chats
EACH = 4  # messages to each, in order


def _received(emu: BotApiEmulator) -> dict[int, list[int]]:
    return {chat: numbers([m.text for m in emu.user(chat).messages]) for chat in CHATS}


async def test_three_workers_one_killed_lose_nothing_keep_order_and_limits(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.new_database()
    await queue_notices(url, CHATS, EACH)
    log = tmp_path / "workers.log"
    async with BotApiEmulator() as emu:
        for chat in CHATS:
            emu.user(chat, first_name=f"B{chat}", language_code="en")
        limits = emu.enforce_limits(per_private_chat_per_sec=1, global_per_sec=30)
        # A short send timeout, so that the killed worker's claims expire in seconds.
        quick = {"TAWASUL_OUTBOX_TIMEOUT": "1"}
        workers = [start_worker(emu, url, log, quick) for _ in range(3)]
        try:
            total = len(CHATS) * EACH
            # A third of the way, the worker that holds claims dies without a word.
            await eventually(lambda: sum(map(len, _received(emu).values())) >= total // 3, 60)
            victim = await claimer(url, workers)
            assert victim is not None, "no row was being sent"
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            await eventually(
                lambda: all(set(v) >= set(range(1, EACH + 1)) for v in _received(emu).values()),
                90,
            )
            await asyncio.sleep(1.5)  # anything still in flight arrives
        finally:
            alive = [w for w in workers if w.poll() is None]
            for worker in alive:
                worker.send_signal(signal.SIGTERM)
            for worker in alive:
                assert await asyncio.to_thread(worker.wait, 20) == 0, log.read_text()
        assert len(alive) == 2
        received = _received(emu)
        violations = limits.violations
    async with peek(url) as conn:
        states = dict(await conn.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state"))
        ambiguous = await conn.fetchval("SELECT COALESCE(SUM(ambiguous), 0) FROM outbox")
        claimers = await conn.fetchval("SELECT COUNT(DISTINCT claimed_by) FROM outbox")
    assert states == {"sent": total}, states
    assert violations == 0, "a limit was passed"
    # Each chat's messages in their order; a repeat only right after itself (a resend).
    for chat, got in received.items():
        firsts = list(dict.fromkeys(got))
        assert firsts == list(range(1, EACH + 1)), (chat, got)
    duplicates = sum(len(v) - len(set(v)) for v in received.values())
    assert duplicates <= ambiguous, (duplicates, ambiguous)
    assert claimers >= 2  # the rows were shared out, not all sent by one worker
    assert "Traceback" not in log.read_text()


async def test_claims_in_two_processes_keep_a_chats_order_and_expire(pg_cluster: Cluster) -> None:
    """Two connections (two processes' views): a chat's second row is not claimed while
    its first is being sent elsewhere; an expired claim is taken over, counted."""
    url = pg_cluster.new_database()
    first, second = database_at(url), database_at(url)
    await first.open()
    await second.open()
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    lease = now.replace(minute=1)
    try:
        async with first.transaction() as conn:
            for n in range(2):
                await Outbox(conn).add(5, "notice", {"n": n}, now)
            await Outbox(conn).add(6, "notice", {"n": 0}, now)
        async with first.transaction() as conn:
            outbox = Outbox(conn)
            await outbox.lock_claims()
            mine = await outbox.eligible(now, False, 1, claiming=True)
            await outbox.claim([r.id for r in mine], "a", lease)
        assert [(r.chat_id, r.payload) for r in mine] == [(5, {"n": 0})]
        async with second.transaction() as conn:
            outbox = Outbox(conn)
            await outbox.lock_claims()
            theirs = await outbox.eligible(now, False, 10, claiming=True)
        assert [(r.chat_id, r.payload) for r in theirs] == [(6, {"n": 0})]  # not chat 5's next
        async with second.transaction() as conn:
            assert await Outbox(conn).recover(now) == 0  # a live claim stays
        async with second.transaction() as conn:
            assert await Outbox(conn).recover(lease.replace(second=1)) == 1  # an expired one
            taken = await Outbox(conn).eligible(now, False, 10)
        assert (taken[0].chat_id, taken[0].payload, taken[0].ambiguous) == (5, {"n": 0}, 1)
    finally:
        await first.close()
        await second.close()


async def test_send_slots_are_spaced_for_every_taker(db_target: Path | str) -> None:
    db = database_at(db_target)
    await db.open()
    try:
        starts = []
        for now in (100.0, 100.0, 100.1, 105.0):
            async with db.transaction() as conn:
                starts.append(await SendSlots(conn).take("bot", 0.5, now))
        assert starts == [100.0, 100.5, 101.0, 105.0]
        async with db.transaction() as conn:
            await SendSlots(conn).take("chat:5", 1.0, 100.0)
            assert await SendSlots(conn).forget(before=102.0) == 1  # chat:5 is free, bot kept
    finally:
        await db.close()


async def test_a_late_answer_counts_the_message_again_from_when_it_came(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    """Telegram counts a message when it arrives: an answer that came late may mean a late
    arrival, bunched with the sends after it. The worker counts each such message again
    from its answer (one more overall slot), so the pace makes room for it."""
    url = pg_cluster.new_database()
    chats = range(820_001, 820_004)
    await queue_notices(url, chats, 1)
    log = tmp_path / "worker.log"
    async with BotApiEmulator() as emu:
        for chat in chats:
            emu.user(chat, first_name="B", language_code="en")
        slow = emu.faults.add("slow", "sendMessage", seconds=0.3, times=2)
        worker = start_worker(emu, url, log)
        try:
            await eventually(lambda: all(emu.user(c).messages for c in chats), 30)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(worker.wait, 20) == 0, log.read_text()
    assert slow.fired == 2
    assert "3 sent, 2 answered late (counted again)" in log.read_text()


def test_a_worker_is_refused_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TAWASUL_DATABASE_URL"}
    env |= {"TAWASUL_BOT_TOKEN": TOKEN, "TAWASUL_DATABASE": str(tmp_path / "one.sqlite3")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "outbox-worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"needs PostgreSQL" in done.stderr


def test_a_claim_of_a_dead_process_of_this_machine_is_known_at_once() -> None:
    host = machine()
    me = f"{host}:{os.getpid()}:aaaaaa"
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    assert died_here(f"{host}:{gone.pid}:bbbbbb", me)  # no such process now
    assert died_here(f"{host}:{os.getpid()}:cccccc", me)  # this pid's earlier life
    assert not died_here(me, me)
    assert not died_here(f"{host}:{os.getppid()}:dddddd", me)  # alive
    assert not died_here(f"elsewhere:{gone.pid}:eeeeee", me)  # another machine's: its lease
    assert not died_here("not a worker", me)
    # Another machine given the same host name (or this one before a reboot) is another
    # machine: the boot's id is part of the name, and the other's pid, even this
    # process's own, says nothing here.
    if BOOT_ID.exists():
        assert host == f"{socket.gethostname()}/{BOOT_ID.read_text().strip()[:8]}"
        twin = f"{socket.gethostname()}/00000000"
        assert not died_here(f"{twin}:{os.getpid()}:ffffff", me)
        assert not died_here(f"{twin}:{gone.pid}:ffffff", me)


async def test_a_restarted_worker_resends_its_dead_predecessors_claims_before_the_lease(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.new_database()
    await queue_notices(url, CHATS, EACH)
    log = tmp_path / "worker.log"
    async with BotApiEmulator() as emu:
        for chat in CHATS:
            emu.user(chat, first_name=f"B{chat}", language_code="en")
        # Telegram holds every answer: the worker dies with its claims in flight. The
        # default send timeout (10 s) makes the lease 40 s.
        slow = emu.faults.add("slow", "sendMessage", seconds=30, times=None)
        first = start_worker(emu, url, log)
        try:
            await eventually(lambda: slow.fired >= 1, 60, "a send under way")
            assert await claimer(url, [first]) is first
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        emu.faults.clear()
        second = start_worker(emu, url, log)
        try:
            total = len(CHATS) * EACH
            # Well inside the dead worker's 40 s lease: taken over at the start.
            await eventually(lambda: sum(map(len, _received(emu).values())) >= total, 20)
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(second.wait, 20) == 0, log.read_text()
    assert "sending again" in log.read_text()


async def test_a_worker_answers_healthz_and_metrics_on_its_port(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    """A worker takes no updates: ready means Telegram answered, the database is up to date
    and it sends; /metrics counts what it sent."""
    url = pg_cluster.new_database()
    await queue_notices(url, CHATS, 1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "worker.log"
    async with BotApiEmulator() as emu:
        for chat in CHATS:
            emu.user(chat, first_name=f"B{chat}", language_code="en")
        down = emu.faults.add("5xx", "getMe", times=None)  # Telegram does not answer yet
        worker = start_worker(emu, url, log, {"TAWASUL_METRICS_PORT": str(port)})
        try:
            status, body = await healthz_until(base, lambda s, b: down.fired >= 1, "getMe refused")
            assert status == 503 and body["problems"] == [
                "Telegram has not answered getMe",
                "the database is not open",
                "the outbox is not being sent (starting or stopping)",
            ]
            emu.faults.clear()
            status, body = await healthz_until(base, lambda s, b: s == 200, "ready")
            assert body["status"] == "ready"
            await eventually(lambda: all(_received(emu).values()), 30, "every notice sent")
            samples, _ = await scrape(base)
            assert value(samples, "tawasul_outbox_sends_total", result="sent", lane="conversation")
        finally:
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(worker.wait, 20) == 0, log.read_text()
