"""The broadcast benchmark's two runs, each on a fresh emulator enforcing Telegram's limits:
a bare sender (the baseline), then the bot's broadcast through its outbox."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.broadcast_noise import LoopWatch, crowding
from bench.broadcast_setup import (
    NOTICE_USER,
    STAFF_CHAT,
    STEP_TIMEOUT,
    TEXT,
    Pace,
    SenderProcess,
    button,
    compose,
    populate,
    recipients,
    seed,
    until,
    write_profile,
)
from bench.broadcast_stats import achieved_rate, busiest_window, delivery
from bench.broadcast_watch import (
    NoticeProbe,
    SendWatch,
    copies,
    counted,
    cpu_of,
    follow,
    tally_dict,
)
from bench.process import BotProcess
from emulator import BotApiEmulator, RateLimits
from storage.outbox import Outbox
from storage.sql import Database
from storage.sqlite import SqliteDatabase

# No send for this long while some are missing: the run stops and counts the rest as lost.
STALL_SECONDS = 30.0
LATE_SECONDS = 1.0  # how long to keep watching after the last send, for a late duplicate


def figures(
    sender: str,
    emu: BotApiEmulator,
    watch: SendWatch,
    limits: RateLimits,
    pace: Pace,
    proc: BotProcess,
    first_request: int,
) -> dict[str, Any]:
    """What one run measured: delivery, pace, limits, CPU and memory of the sender."""
    times, chats = watch.times, recipients(len(watch.recipients))
    rate = achieved_rate(times)
    got = delivery(chats, copies(emu, chats, TEXT))
    busiest = busiest_window(times)
    cpu = watch.cpu()
    intervals = max(len(times) - 1, 1)
    peak = proc.peak_memory_kib()
    log = emu.requests_log[first_request:]
    calls = Counter(r.method for r in log)
    squeezed = sorted(limits.violations_by_chat)[:5]
    return {
        "sender": sender,
        "recipients": got.recipients,
        "sends": len(times),
        "delivered": got.delivered,
        "lost": got.lost,
        "duplicates": got.duplicates,
        "strangers": got.strangers,
        "span_s": round(max(times) - min(times), 2) if times else None,
        "rate_per_s": round(rate, 3) if rate else None,
        "rate_fraction": round(rate / pace.telegram_rate, 4) if rate else None,
        "max_in_1s": busiest,
        "max_in_1s_per_scale": round(busiest / pace.scale, 2),
        "limit_violations": limits.violations,
        "limit_violations_private": sum(n for c, n in limits.violations_by_chat.items() if c > 0),
        # Every message of the bot reaching the emulator, recipients or not, 429s included.
        "max_in_1s_all_messages": busiest_window(
            r.time for r in emu.requests_log if counted(r.method)
        ),
        "violations_seen": crowding(emu, squeezed),
        "cpu_s": round(cpu.total, 2) if cpu else None,
        "cpu_user_s": round(cpu.user, 2) if cpu else None,
        "cpu_system_s": round(cpu.system, 2) if cpu else None,
        "cpu_main_thread_s": round(cpu.main, 2) if cpu else None,
        "cpu_other_threads_s": round(cpu.total - cpu.main, 2) if cpu else None,
        "cpu_ms_per_message": round(cpu.total * 1000 / intervals, 3) if cpu else None,
        "peak_memory_mib": round(peak / 1024, 1) if peak else None,
        "api_calls": dict(sorted((k, v) for k, v in calls.items() if k != "getUpdates")),
        "stderr_tail": proc.stderr_tail(5),
    }


async def measure_bare(count: int, pace: Pace, workdir: Path) -> dict[str, Any]:
    """The baseline: the bare sender copies the admin's message to every recipient."""
    chats = recipients(count)
    async with BotApiEmulator() as emu:
        limits = pace.enforce(emu)
        group, admin = populate(emu, chats)
        source = await group.send_text(admin, TEXT)
        env = {
            "BENCH_SENDER_FROM_CHAT": str(STAFF_CHAT),
            "BENCH_SENDER_MESSAGE_ID": str(source["message_id"]),
            "BENCH_SENDER_FIRST": str(chats.start),
            "BENCH_SENDER_COUNT": str(count),
            "BENCH_SENDER_RATE": f"{pace.outbox_rate:g}",
        }
        first_request = len(emu.requests_log)
        proc = SenderProcess(emu, ("-m", "bench.bare_sender"), workdir, env)
        await proc.start()
        try:
            watch = SendWatch(emu, proc.pid, frozenset(chats), seen=first_request)
            stalls = LoopWatch()
            stalls.start()
            drained = await follow(watch, count, stall=STALL_SECONDS)
            await asyncio.sleep(LATE_SECONDS)
            watch.poll()
            await stalls.stop()
            result = figures("bare", emu, watch, limits, pace, proc, first_request)
        finally:
            proc.stop()
    result["drained"] = drained
    result["emulator_loop_stalls"] = stalls.figures(min(watch.times, default=None))
    result["transport"] = "bot.transport.AiohttpRequest"
    return result


async def measure_outbox(
    count: int, pace: Pace, workdir: Path, *, notice: bool = True
) -> dict[str, Any]:
    """The bot: /broadcast, everyone, the message, Send; then every copy through the outbox."""
    chats = recipients(count)
    database = workdir / "broadcast.sqlite3"
    await seed(database, chats)
    profile = write_profile(workdir)
    async with BotApiEmulator() as emu:
        limits = pace.enforce(emu)
        group, admin = populate(emu, chats)
        emu.user(NOTICE_USER, first_name="Notice", language_code="en")
        proc = BotProcess(emu, ("-m", "bot", "run"), workdir, pace.bot_env(database, profile))
        await proc.start()
        db = SqliteDatabase(database)  # this process's own connection, as a second writer
        await db.open()
        try:
            preview = await compose(group, admin)
            send = button(preview, "📣")
            broadcast_id = int(send.rsplit(":", 1)[1])
            first_request = len(emu.requests_log)
            watch = SendWatch(emu, proc.pid, frozenset(chats), seen=first_request)
            pressed_cpu, pressed_at = cpu_of(proc.pid), time.perf_counter()
            driver_before = time.process_time()
            stalls = LoopWatch()
            stalls.start()
            await group.press(admin, preview, send)
            progress = await group.wait_for_message(
                timeout=STEP_TIMEOUT, predicate=lambda m: "Broadcast to" in m.text
            )
            probe = NoticeProbe(emu, NOTICE_USER)

            async def halfway() -> None:
                if notice and probe.queued_at is None and len(watch.times) >= count // 2:
                    await probe.queue(db, broadcast_id)
                probe.poll()

            drained = await follow(watch, count, stall=STALL_SECONDS, each=halfway)
            left = await _settle(db, broadcast_id)
            await asyncio.sleep(LATE_SECONDS)
            watch.poll()
            probe.poll()
            await stalls.stop()
            driver_cpu = time.process_time() - driver_before
            with contextlib.suppress(RuntimeError):  # the figure says whether it showed
                await until(
                    lambda: "Finished" in progress.text,
                    "the progress message",
                    timeout=2 * pace.progress_seconds + 5,
                )
            async with db.reading() as conn:
                outbox = Outbox(conn)
                rows, everything = await outbox.tally(broadcast_id), await outbox.tally()
            result = figures("outbox", emu, watch, limits, pace, proc, first_request)
        finally:
            await db.close()
            proc.stop()
    queue_cpu = watch.first_cpu - pressed_cpu if watch.first_cpu and pressed_cpu else None
    result.update(
        drained=drained and left == 0,
        emulator_loop_stalls=stalls.figures(min(watch.times, default=None)),
        transport="bot.transport.AiohttpRequest",
        broadcast_rows=tally_dict(rows),
        outbox_rows=tally_dict(everything),
        notice=probe.figures(watch.times),
        press_to_first_send_ms=round((min(watch.times) - pressed_at) * 1000, 1)
        if watch.times
        else None,
        queue_cpu_s=round(queue_cpu.total, 3) if queue_cpu else None,
        progress_text=progress.text,
        progress_edits=result["api_calls"].get("editMessageText", 0),
        driver_cpu_s=round(driver_cpu, 2),
    )
    return result


async def _settle(db: Database, broadcast_id: int, timeout: float = 30.0) -> int:  # noqa: ASYNC109
    """Wait until the outbox has no row of the broadcast left; return how many are left."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with db.reading() as conn:
            left = (await Outbox(conn).tally(broadcast_id)).left
        if left == 0 or loop.time() > deadline:
            return left
        await asyncio.sleep(0.2)
