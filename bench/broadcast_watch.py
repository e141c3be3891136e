"""Following a broadcast as it happens: each send's arrival from the emulator's log, the
sender's CPU time at the first and the last, and a notice dropped into the outbox."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.runner import CLOCK_TICKS
from bot.services.notices import NOTICE
from domain.models import NOTICES
from emulator import BotApiEmulator, RequestRecord
from storage.db import Database
from storage.outbox import Outbox, Tally

SEND_METHODS = frozenset({"copymessage", "sendmessage"})
# What Telegram's (and the emulator's) message limits count: anything that posts a message.
COUNTED_METHODS = frozenset(
    {"copymessage", "copymessages", "forwardmessage", "forwardmessages", "createforumtopic"}
)


def counted(method: str) -> bool:
    name = method.lower()
    return name in COUNTED_METHODS or (name.startswith("send") and name != "sendchataction")


@dataclass(frozen=True, slots=True)
class Cpu:
    user: float
    system: float
    main: float  # user + system of the main thread (the event loop); the rest is threads'

    @property
    def total(self) -> float:
        return self.user + self.system

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.user - other.user, self.system - other.system, self.main - other.main)


def _times(stat: Path) -> tuple[float, float]:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def cpu_of(pid: int) -> Cpu | None:
    """utime and stime of a process so far, and of its main thread, in seconds.

    The bot's other threads are aiosqlite's (one per connection: SQLite itself runs
    there), so the split tells the database's share from the event loop's.
    """
    try:
        user, system = _times(Path(f"/proc/{pid}/stat"))
        main = sum(_times(Path(f"/proc/{pid}/task/{pid}/stat")))
    except OSError:
        return None
    return Cpu(user, system, main)


def chat_of(record: RequestRecord) -> int | None:
    value = record.params.get("chat_id")
    try:
        return int(str(value))
    except ValueError:
        return None


@dataclass
class SendWatch:
    """Copies to the recipients as they reach the emulator, and the sender's CPU meanwhile.

    The CPU is read when the watch sees a new send (it looks every `poll` seconds), so the
    first and last readings fall within one poll of the first and last arrival.
    """

    emu: BotApiEmulator
    pid: int
    recipients: frozenset[int]
    seen: int = 0
    times: list[float] = field(default_factory=list)
    first_cpu: Cpu | None = None
    last_cpu: Cpu | None = None

    def poll(self) -> int:
        """Take the log's new entries; return how many were sends to recipients."""
        log = self.emu.requests_log
        new, self.seen = log[self.seen :], len(log)
        count = 0
        for record in new:
            if record.method.lower() == "copymessage" and chat_of(record) in self.recipients:
                self.times.append(record.time)
                count += 1
        if count:
            cpu = cpu_of(self.pid)
            if self.first_cpu is None:
                self.first_cpu = cpu
            self.last_cpu = cpu
        return count

    def cpu(self) -> Cpu | None:
        if self.first_cpu is None or self.last_cpu is None:
            return None
        return self.last_cpu - self.first_cpu


@dataclass
class NoticeProbe:
    """A notice queued straight into the outbox half-way through the broadcast.

    It goes in the notices lane as a draft reminder for a chat outside the broadcast (a
    notice without a request to render), committed by this process with the outbox's
    own repository. No wake-up reaches the bot from here: it finds the row at its next
    claim, which comes after every send (or at its one-second poll).
    """

    emu: BotApiEmulator
    chat_id: int
    queued_at: float | None = None  # time.perf_counter() after the commit
    log_index: int = 0
    arrived_at: float | None = None
    left_then: int | None = None  # broadcast rows not yet sent when it was queued

    async def queue(self, db: Database, broadcast_id: int) -> None:
        async with db.transaction() as conn:
            outbox = Outbox(conn)
            self.left_then = (await outbox.tally(broadcast_id)).left
            await outbox.add(
                self.chat_id,
                NOTICE,
                {"user_id": self.chat_id, "notice": "draft_reminder"},
                datetime.now(UTC),
                lane=NOTICES,
                locale="en",
                dedupe_key="bench:notice",
            )
        self.queued_at = time.perf_counter()
        self.log_index = len(self.emu.requests_log)

    def poll(self) -> None:
        if self.queued_at is None or self.arrived_at is not None:
            return
        log = self.emu.requests_log
        for record in log[self.log_index :]:
            if record.method.lower() in SEND_METHODS and chat_of(record) == self.chat_id:
                self.arrived_at = record.time
                return
        self.log_index = len(log)

    def figures(self, send_times: list[float]) -> dict[str, Any]:
        if self.queued_at is None:
            return {"queued": False}
        queued, arrived = self.queued_at, self.arrived_at
        return {
            "queued": True,
            "broadcast_rows_left_when_queued": self.left_then,
            "arrived": arrived is not None,
            "latency_ms": round((arrived - queued) * 1000, 1) if arrived else None,
            "broadcast_sends_in_between": (
                sum(1 for t in send_times if queued <= t < arrived) if arrived else None
            ),
        }


def tally_dict(tally: Tally) -> dict[str, int]:
    return {
        "pending": tally.pending,
        "sending": tally.sending,
        "sent": tally.sent,
        "failed": tally.failed,
        "cancelled": tally.cancelled,
        "maybe_duplicates": tally.maybe_duplicates,
    }


def copies(emu: BotApiEmulator, chats: range, text: str) -> Counter[int]:
    """How many messages with exactly `text` each chat holds from the bot."""
    return Counter(
        {chat: n for chat in chats if (n := sum(m.text == text for m in emu.bot_messages(chat)))}
    )


async def follow(
    watch: SendWatch,
    expected: int,
    *,
    stall: float,
    poll: float = 0.02,
    each: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Follow the sends until `expected` arrived (True) or none came for `stall` s (False).

    `each` runs after every look at the log (the notice probe's turn).
    """
    loop = asyncio.get_running_loop()
    last_new = loop.time()
    while len(watch.times) < expected:
        await asyncio.sleep(poll)
        if watch.poll():
            last_new = loop.time()
        elif loop.time() - last_new > stall:
            return False
        if each is not None:
            await each()
    return True
