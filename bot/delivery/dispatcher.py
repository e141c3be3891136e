"""The dispatcher: sends what the outbox holds, in order per chat and lane, within limits.

Rows are claimed in batches (marked `sending` before any call), each sent by its own task:
one task per chat at a time, every send paced by one Pacer (about 28 a second in all,
lane by lane) and one a second per private chat. What Telegram answers decides the row:

  sent                  done
  429                   retried after retry_after; broadcasts hold as long
  5xx, network error    retried with backoff (with jitter); the outbox holds briefly,
                        longer while failures go on (an outage)
  timeout               the same, and counted as ambiguous: it may have arrived
  bot blocked           failed, with the chat's other unsent rows; the beneficiary is
                        marked unreachable (no notice is queued for them), staff are told
  chat migrated         moved to the new chat id (and later rows follow it)
  other 400             failed, with the reason

On PostgreSQL several processes may send from one outbox (`python -m bot outbox-worker`
beside the bot): each claim names its process and holds for a lease; a claim of a process
that died expires and the rows go to whoever claims next (counted as of unknown outcome).
A process that starts takes over at once the claims of a process of its own machine that
is gone (died_here): a restart after a crash does not wait out the lease.
Claims are taken in one order across processes, so a chat's rows still go one after the
other, and the pace (the bot's overall rate, one a second per private chat) is kept in the
database (storage.outbox.SendSlots), so it holds for all the processes together; the slots
are taken as each call goes on the wire (_on_the_wire). The staff
group's rows are left to the process that serves the group, whose rate limiter counts
every call into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.context import Services
from bot.delivery.kinds import Deliverer
from bot.ratelimit import (
    SPACING_HEADROOM,
    Pacer,
    background,
    each_call_inside,
    retry_after_seconds,
)
from bot.services import notices as kinds
from domain.models import BULK, NOTICES, OutboxMessage
from storage.outbox import Outbox, SendSlots

log = logging.getLogger(__name__)

# The JobQueue pokes the dispatcher this often, so rows due later (a retry, a reminder
# timed for the morning) are picked up without a commit waking it; a long wait here is
# only a fallback should the job queue stop.
POLL_SECONDS = 1.0
FALLBACK_POLL_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 300.0
MAX_HOLD_SECONDS = 30.0  # the longest the whole outbox pauses after failures in a row
MAX_IN_FLIGHT = 64
# At a stop, sends already made to Telegram get this long to be answered: a supervisor
# waits about 5 s in all (the handlers and the database close come after), then kills.
STOP_GRACE_SECONDS = 3.0
GIVE_UP_AFTER = 8  # attempts, for errors that are not Telegram's (a bug, a missing row)
# Shared outbox: how often a process takes over the rows of claims that expired, and
# forgets the pace of chats that have been quiet for a minute.
TAKEOVER_SECONDS = 5.0
LATE_SECONDS = 0.015  # a send later than this after its slot takes another slot
LATE_RETRIES = 4


def wall_clock() -> datetime:
    """Leases are about processes being alive, so they are in real time, whatever clock
    the bot's business runs on (a test's simulated one)."""
    return datetime.now(UTC)


BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def machine() -> str:
    """This machine as a claim names it: its host name and, where Linux tells it, the id of
    this boot, so that two machines given the same host name are not taken for one (one
    would think the other's live processes dead), nor a machine after a reboot for itself
    before it."""
    try:
        boot = BOOT_ID.read_text(encoding="ascii").strip()[:8]
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}" if boot else socket.gethostname()


def died_here(worker: str, me: str) -> bool:
    """Whether a claim's worker (machine:pid:token) was a process of this machine that is
    gone: its pid is no process now, or is this process's own (a container's restarted bot
    has pid 1 again). A worker of another machine is left to its lease."""
    try:
        host, pid, _token = worker.rsplit(":", 2)
        my_host, my_pid, _ = me.rsplit(":", 2)
        number = int(pid)
    except ValueError:
        return False
    if worker == me or host != my_host:
        return False
    if pid == my_pid:
        return True
    try:
        os.kill(number, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False  # alive, another user's
    return False


class Dispatcher:
    """Claims due rows and sends them; see the module docstring for what errors do."""

    def __init__(self, bot: ExtBot[None], services: Services, *, serves_group: bool = True) -> None:
        settings = services.settings
        self.services = services
        self.deliverer = Deliverer(bot, services, settings.outbox_timeout)
        self.group = self.deliverer.group
        self.pacer = Pacer(settings.outbox_rate)
        self.chat_interval = settings.outbox_chat_interval
        # About one second of a broadcast is claimed at a time: a cancel stops it quickly,
        # and a notice never finds every slot taken by the bulk lane.
        self.bulk_cap = max(2, round(settings.outbox_rate))
        self.tz = ZoneInfo(settings.timezone)
        self.quiet_hours = services.profile.followups.quiet_hours
        self.in_flight: dict[int, asyncio.Task[None]] = {}  # chat id -> its send
        self.calling: set[int] = set()  # chats whose send has gone to Telegram
        self.bulk_in_flight = 0
        self.last_sent: dict[int, float] = {}  # private chat -> loop time of the last send
        self.hold_until: datetime | None = None  # nothing is claimed until then
        self.bulk_hold_until: datetime | None = None  # no broadcast row is claimed until then
        self.failures = 0  # network failures in a row
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.stopping = False
        # Several processes may send from a PostgreSQL outbox (see the module docstring).
        self.shared = services.db.dialect == "postgresql"
        self.worker = f"{machine()}:{os.getpid()}:{secrets.token_hex(3)}"
        # Longer than any send may take (a claimed row waits its turn, up to a few seconds
        # of the overall rate, then may take the timeout): a live claim never expires.
        self.lease = timedelta(seconds=3 * settings.outbox_timeout + 10)
        self.skip_chat = None if serves_group else services.staff_chat_id
        self.slot_interval = 1.0 / (settings.outbox_rate * SPACING_HEADROOM)
        self.next_takeover = 0.0
        self.late_answers = 0
        self.overall_turn = asyncio.Lock()

    def clock(self) -> datetime:
        return self.services.requests.clock()

    def start(self) -> None:
        self.services.wakeup.callback = self.wake.set
        self.task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming; let the sends already made to Telegram finish (so none is left
        of unknown outcome) and put back the rows still waiting for their turn."""
        self.stopping = True
        self.services.wakeup.callback = lambda: None
        self.wake.set()
        if self.task is not None:
            # A claim under way is let finish: cancelled between its commit and the start
            # of its sends, it would leave rows `sending` that no send took.
            done, _ = await asyncio.wait([self.task], timeout=grace)
            if not done:
                self.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.task
        for chat_id, task in self.in_flight.items():
            if chat_id not in self.calling:
                task.cancel()  # still pacing: released as not tried
        sends = list(self.in_flight.values())
        if sends:
            _, late = await asyncio.wait(sends, timeout=grace)
            for task in late:
                task.cancel()  # put back as of unknown outcome (see _send)
            await asyncio.gather(*late, return_exceptions=True)

    def poke(self) -> None:
        """Look for due rows now (the JobQueue calls it every POLL_SECONDS)."""
        self.wake.set()

    def quiet(self, now: datetime) -> bool:
        """Quiet hours where the association is: notices and broadcasts wait for morning."""
        return self.quiet_hours.holds(now.astimezone(self.tz).time())

    async def idle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until nothing due is left to send (tests and the benchmark use it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            now = self.clock()
            async with self.services.db.reading() as conn:
                due = await Outbox(conn).eligible(now, self.quiet(now), 1)
            if not due and not self.in_flight:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("the outbox did not drain")

    # Claiming -------------------------------------------------------------------------

    async def _run(self) -> None:
        if not self.shared:
            async with self.services.db.transaction() as conn:
                again = await Outbox(conn).recover()
            if again:
                log.warning("%d outbox message(s) were being sent at a crash: sending again", again)
        else:
            # A process of this machine that died (the one this one replaces, after a crash)
            # holds claims no one else would take over before their lease ends.
            async with self.services.db.transaction() as conn:
                outbox = Outbox(conn)
                dead = [w for w in await outbox.claimers() if died_here(w, self.worker)]
                again = await outbox.recover_claims_of(dead)
            if again:
                log.warning(
                    "%d outbox message(s) were being sent by a process of this machine that"
                    " died: sending again",
                    again,
                )
        while not self.stopping:
            self.wake.clear()
            try:
                if self.shared:
                    await self._take_over()
                await self._claim()
            except Exception:
                log.exception("the outbox could not be read")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), FALLBACK_POLL_SECONDS)

    async def _take_over(self) -> None:
        """Rows whose claim expired (their process died) are pending again, of unknown
        outcome; the pace of chats quiet for a minute is forgotten."""
        moment = time.monotonic()
        if moment < self.next_takeover:
            return
        self.next_takeover = moment + TAKEOVER_SECONDS
        async with self.services.db.transaction() as conn:
            again = await Outbox(conn).recover(wall_clock())
            await SendSlots(conn).forget(time.time() - 60)
        if again:
            log.warning("%d outbox message(s) of a stopped process: sending again", again)

    async def _claim(self) -> None:
        free = MAX_IN_FLIGHT - len(self.in_flight)
        now = self.clock()
        if self.stopping or free <= 0 or (self.hold_until is not None and now < self.hold_until):
            return
        room = self.bulk_cap - self.bulk_in_flight
        if self.bulk_hold_until is not None and now < self.bulk_hold_until:
            room = 0
        quiet = self.quiet(now)
        chats = set(self.in_flight)
        taken: list[OutboxMessage] = []

        def take(rows: list[OutboxMessage], most: int) -> None:
            for row in rows:
                if len(taken) >= most:
                    return
                if row.chat_id not in chats:
                    chats.add(row.chat_id)
                    taken.append(row)

        skip = self.skip_chat
        async with self.services.db.transaction() as conn:
            outbox = Outbox(conn)
            await outbox.lock_claims()
            # Rows of chats already in flight may come back (from another lane): ask for
            # that many more. Bulk rows are read only as far as there is room for them.
            take(
                await outbox.eligible(
                    now, quiet, free + len(chats), (0, NOTICES), claiming=True, skip_chat=skip
                ),
                free,
            )
            if room > 0 and len(taken) < free:
                most = len(taken) + min(room, free - len(taken))
                others = len(self.in_flight) - self.bulk_in_flight  # chats that may come back
                bulk = await outbox.eligible(
                    now, quiet, room + others, (BULK, BULK), claiming=True, skip_chat=skip
                )
                take(bulk, most)
            await outbox.claim([r.id for r in taken], self.worker, wall_clock() + self.lease)
        for row in taken:
            self.bulk_in_flight += row.lane == BULK
            self.in_flight[row.chat_id] = asyncio.create_task(self._send(row))

    # Sending --------------------------------------------------------------------------

    async def _send(self, row: OutboxMessage) -> None:
        tried = False
        try:
            if not self.shared:
                await self._chat_turn(row.chat_id)
                await self.pacer.acquire(row.lane)
            if self.stopping:
                return
            if row.chat_id > 0:
                self.last_sent[row.chat_id] = asyncio.get_running_loop().time()
            tried = True
            self.calling.add(row.chat_id)
            # Shared, the slots are taken by each call as it goes on the wire: the reading
            # and rendering before it (the database is one connection for all the sends
            # under way) would otherwise sit between a slot and its send.
            wire = partial(self._on_the_wire, row.chat_id) if self.shared else None
            with background(), each_call_inside(wire) if wire else contextlib.nullcontext():
                await self._attempt(row)
            if self.shared and row.chat_id > 0:
                # The chat's next message counts its second from Telegram's answer to this
                # one, which came after this one arrived, whatever the delays on the way;
                # a message to a person whose data was erased leaves no slot naming them.
                key = f"chat:{row.chat_id}"
                async with self.services.db.transaction() as conn:
                    if row.payload.get("forget"):
                        await SendSlots(conn).drop(key)
                    else:
                        await SendSlots(conn).hold(key, time.time() + self.chat_interval * 1.05)
        except asyncio.CancelledError:
            if tried:  # cut short by a stop: it may have arrived
                await self._retry(row, 0, "stopped while sending", ambiguous=True)
            raise
        finally:
            if not tried:  # it never reached Telegram: not ambiguous, only not sent yet
                async with self.services.db.transaction() as conn:
                    await Outbox(conn).release([row.id])
            self.bulk_in_flight -= row.lane == BULK
            self.calling.discard(row.chat_id)
            self.in_flight.pop(row.chat_id, None)
            self.wake.set()

    async def _chat_turn(self, chat_id: int) -> None:
        """One message a second per private chat (groups are paced by the rate limiter).

        The 5% margin absorbs the jitter between this moment and the request's arrival.
        """
        if chat_id < 0:
            return
        loop = asyncio.get_running_loop()
        last = self.last_sent.get(chat_id)
        if last is not None and (wait := last + self.chat_interval * 1.05 - loop.time()) > 0:
            await asyncio.sleep(wait)
        if len(self.last_sent) > 20_000:
            horizon = loop.time() - self.chat_interval
            self.last_sent = {c: t for c, t in self.last_sent.items() if t > horizon}

    @contextlib.asynccontextmanager
    async def _on_the_wire(self, chat_id: int, endpoint: str) -> AsyncIterator[None]:
        """The same pace as _chat_turn and the Pacer, kept in the database for every
        process of the bot, around each call as it goes out (each_call_inside): the
        chat's turn, then a slot of the overall rate, then the request.

        Telegram counts a message when it arrives, which the bot cannot see; an answer
        that came late (a stall on the way or at the server) may mean a late arrival,
        next to the messages sent after it. Such a message is counted again from its
        answer (if it came more than a slot after the send): the overall pace moves on
        by one slot from then."""
        if chat_id > 0:
            await self._slot(f"chat:{chat_id}", self.chat_interval * 1.05)
        # One send of this process at a time waits for an overall slot: the schedule then
        # runs at most a slot or two ahead of the clock, so a message counted again moves
        # the very next sends, not ones a second away.
        async with self.overall_turn:
            await self._slot("bot", self.slot_interval)
        sent = time.time()
        try:
            yield
        finally:
            if time.time() - sent > self.slot_interval:
                self.late_answers += 1
                async with self.services.db.transaction() as conn:
                    await SendSlots(conn).take("bot", self.slot_interval, time.time())

    async def _slot(self, key: str, interval: float) -> None:
        """Take the next slot of `key` and wait for it.

        A process woken late (its loop was busy) would send next to the slot after its
        own, two in the time of one: it takes a new slot instead (at most a few times)."""
        for _ in range(LATE_RETRIES):
            async with self.services.db.transaction() as conn:
                starts = await SendSlots(conn).take(key, interval, time.time())
            if (wait := starts - time.time()) > 0:
                await asyncio.sleep(wait)
            if time.time() - starts <= LATE_SECONDS:
                break

    async def _attempt(self, row: OutboxMessage) -> None:
        """Send one row and record what happened to it."""
        try:
            await self.deliverer.deliver(row)
        except RetryAfter as err:
            seconds = retry_after_seconds(err)
            self._count(row, "rate_limited")
            # The row's chat waits (its later rows queue behind it), and so does the bulk
            # lane: Telegram does not say whether the chat or the bot went too fast, and
            # only a broadcast sends fast enough for the latter. Notices go on.
            self.bulk_hold_until = max(
                self.bulk_hold_until or self.clock(), self.clock() + timedelta(seconds=seconds)
            )
            await self._retry(row, seconds, "429")
        except Forbidden as err:
            self._count(row, "blocked")
            await self._unreachable(row, err)
        except ChatMigrated as err:
            self._count(row, "moved")
            await self._moved(row, err.new_chat_id)
        except BadRequest as err:
            self._count(row, "failed")
            log.warning("outbox %s #%d refused: %s", row.kind, row.id, err.message)
            async with self.services.db.transaction() as conn:
                await Outbox(conn).failed(row.id, err.message)
                request_id = row.payload.get("request_id")
                if isinstance(request_id, int) and row.kind != kinds.STAFF_NOTE:
                    # Never silently: staff hear which request's message was refused (a
                    # note about a refusal is not itself reported, so no loop).
                    await kinds.report_refused(
                        conn,
                        self.services.staff_chat_id,
                        request_id,
                        err.message,
                        self.clock(),
                        dedupe_key=f"refused:{row.id}",
                    )
        except NetworkError as err:  # 5xx, a dropped connection, a timeout
            if self.hold_until is None or self.clock() >= self.hold_until:
                # The first failure since the last hold: sends already under way that
                # fail the same way do not lengthen it.
                self.failures += 1
                self._hold(min(2.0 ** (self.failures - 1), MAX_HOLD_SECONDS))
            ambiguous = isinstance(err, TimedOut)
            self._count(row, "ambiguous" if ambiguous else "retried")
            await self._retry(row, self._backoff(row), str(err), ambiguous=ambiguous)
        except Exception as err:
            log.exception("outbox %s #%d failed", row.kind, row.id)
            gives_up = row.attempts + 1 >= GIVE_UP_AFTER
            self._count(row, "failed" if gives_up else "retried")
            if gives_up:
                async with self.services.db.transaction() as conn:
                    await Outbox(conn).failed(row.id, type(err).__name__)
            else:
                await self._retry(row, self._backoff(row), type(err).__name__)
        else:
            self._count(row, "sent")
            self.failures = 0
            async with self.services.db.transaction() as conn:
                await Outbox(conn).sent(row.id, self.clock())
            self.delivered += 1
            if row.ambiguous:
                log.info(
                    "outbox %s #%d sent after an unknown outcome: maybe twice", row.kind, row.id
                )

    def _count(self, row: OutboxMessage, result: str) -> None:
        self.services.metrics.sent(row.lane, result)

    def _backoff(self, row: OutboxMessage) -> float:
        # Jitter spreads the retries of a whole broadcast that met the same outage.
        return min(2.0**row.attempts, MAX_BACKOFF_SECONDS) * random.uniform(0.5, 1.0)

    def _hold(self, seconds: float) -> None:
        until = self.clock() + timedelta(seconds=seconds)
        if self.hold_until is None or until > self.hold_until:
            self.hold_until = until

    async def _retry(
        self, row: OutboxMessage, seconds: float, error: str, *, ambiguous: bool = False
    ) -> None:
        due = self.clock() + timedelta(seconds=seconds)
        async with self.services.db.transaction() as conn:
            await Outbox(conn).retry_at(row.id, due, error, ambiguous=ambiguous)

    async def _moved(self, row: OutboxMessage, new_chat_id: int) -> None:
        if row.chat_id == new_chat_id:
            # Already moved, yet the call still went to the old id: the staff group's id
            # is configured; only the operator can change it. Keep the row until then.
            log.error(
                "the staff group became %s: set TAWASUL_STAFF_CHAT_ID=%s and restart",
                new_chat_id,
                new_chat_id,
            )
            await self._retry(row, MAX_BACKOFF_SECONDS, "chat migrated")
            return
        async with self.services.db.transaction() as conn:
            outbox = Outbox(conn)
            await outbox.move_chat(row.chat_id, new_chat_id, self.clock())
            await outbox.release([row.id])
        log.warning("chat %s moved to %s; its messages follow", row.chat_id, new_chat_id)

    async def _unreachable(self, row: OutboxMessage, err: Forbidden) -> None:
        async with self.services.db.transaction() as conn:
            await Outbox(conn).failed(row.id, err.message)
        user_id = row.payload.get("user_id")
        if row.chat_id > 0 and isinstance(user_id, int):
            # Staff see it in the beneficiary's thread; a relayed reply says so every time.
            await self.services.relay.mark_blocked(
                user_id, True, tell=row.kind == kinds.RELAY_TO_USER
            )
