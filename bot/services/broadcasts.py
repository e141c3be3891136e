"""Broadcasts: an admin picks a segment, sends the message, sees a preview and confirms.

Confirming writes one outbox row per recipient in the bulk lane, in the transaction that
starts the broadcast; the dispatcher paces them and sends every notice before them. The
progress comes from the outbox rows, so a restart resumes both the sending and the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services import notices
from bot.services.notices import Wakeup
from bot.services.requests import Clock, utc_now
from storage.broadcasts import Broadcast, Broadcasts, Recipient
from storage.outbox import NewRow, Outbox, Tally
from storage.sql import Database

SEGMENTS = ("everyone", "open", "delivered")


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    tally: Tally

    @property
    def finished(self) -> bool:
        return self.tally.left == 0


def month_of(segment: str) -> date | None:
    """The month of a "delivered:YYYY-MM" segment."""
    if not segment.startswith("delivered:"):
        return None
    year, month = segment.removeprefix("delivered:").split("-")
    return date(int(year), int(month), 1)


class BroadcastService:
    def __init__(
        self,
        db: Database,
        *,
        timezone: str = "Asia/Riyadh",
        clock: Clock = utc_now,
        wakeup: Wakeup | None = None,
    ) -> None:
        self.db = db
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.wakeup = wakeup or Wakeup()

    def months(self, count: int = 3) -> list[date]:
        """This month and the ones before it, newest first (for "delivered in …")."""
        month = self.clock().astimezone(self.tz).date().replace(day=1)
        months = []
        for _ in range(count):
            months.append(month)
            month = (month - timedelta(days=1)).replace(day=1)
        return months

    async def begin(self, admin_id: int, chat_id: int, topic_key: int) -> int:
        async with self.db.transaction() as conn:
            return await Broadcasts(conn).create(admin_id, chat_id, topic_key, self.clock())

    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self.db.reading() as conn:
            return await Broadcasts(conn).get(broadcast_id)

    async def recipients(self, segment: str) -> list[Recipient]:
        async with self.db.reading() as conn:
            return await self._segment(Broadcasts(conn), segment)

    async def _segment(self, repo: Broadcasts, segment: str) -> list[Recipient]:
        month = month_of(segment)
        if month is None:
            return await repo.segment(segment, None, None)
        after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        first = datetime.combine(month, time(), tzinfo=self.tz)
        last = datetime.combine(after, time(), tzinfo=self.tz)
        return await repo.segment("delivered", first, last)

    async def choose_segment(self, broadcast_id: int, segment: str) -> bool:
        if segment.split(":")[0] not in SEGMENTS:
            raise ValueError(f"unknown segment {segment!r}")
        async with self.db.transaction() as conn:
            return await Broadcasts(conn).set_segment(broadcast_id, segment)

    async def take_message(
        self, admin_id: int, chat_id: int, topic_key: int, message_id: int
    ) -> tuple[Broadcast, int] | None:
        """The admin's message is the one to broadcast, if a draft waits for it."""
        async with self.db.transaction() as conn:
            repo = Broadcasts(conn)
            draft = await repo.composing(admin_id, chat_id, topic_key)
            if draft is None or draft.segment is None:
                return None
            count = len(await self._segment(repo, draft.segment))
            await repo.set_message(draft.id, message_id, count)
            found = await repo.get(draft.id)
        assert found is not None
        return found, count

    async def start(self, broadcast_id: int, progress_message_id: int) -> int | None:
        """Queue the message for every recipient now in the segment; None if not startable."""
        now = self.clock()
        async with self.db.transaction() as conn:
            repo = Broadcasts(conn)
            draft = await repo.get(broadcast_id)
            if draft is None or draft.segment is None or draft.from_message_id is None:
                return None
            if not await repo.move(broadcast_id, "previewed", "sending", now):
                return None
            people = await self._segment(repo, draft.segment)
            rows = (
                NewRow(
                    chat_id=p.chat_id,
                    payload={
                        "user_id": p.user_id,
                        "from_chat_id": draft.chat_id,
                        "message_id": draft.from_message_id,
                    },
                    dedupe_key=f"bc:{broadcast_id}:{p.user_id}",
                )
                for p in people
            )
            queued = await Outbox(conn).add_bulk(notices.BROADCAST, rows, now, broadcast_id)
            await repo.set_started(broadcast_id, queued, progress_message_id)
        self.wakeup()
        return queued

    async def cancel(self, broadcast_id: int) -> Broadcast | None:
        """Stop a draft or a broadcast under way; what was sent stays sent."""
        now = self.clock()
        async with self.db.transaction() as conn:
            repo = Broadcasts(conn)
            for state in ("composing", "previewed", "sending"):
                if await repo.move(broadcast_id, state, "cancelled", now):
                    await Outbox(conn).cancel_broadcast(broadcast_id)
                    return await repo.get(broadcast_id)
        return None

    async def progress(self, broadcast_id: int) -> Progress | None:
        async with self.db.reading() as conn:
            found = await Broadcasts(conn).get(broadcast_id)
            if found is None:
                return None
            return Progress(found, await Outbox(conn).tally(broadcast_id))

    async def under_way(self) -> list[Progress]:
        """Broadcasts being sent, with their counts; a finished one is marked done."""
        async with self.db.transaction() as conn:
            repo, outbox = Broadcasts(conn), Outbox(conn)
            found = []
            for broadcast in await repo.sending():
                tally = await outbox.tally(broadcast.id)
                if tally.left == 0:
                    await repo.move(broadcast.id, "sending", "done", self.clock())
                    broadcast = await repo.get(broadcast.id) or broadcast
                found.append(Progress(broadcast, tally))
            return found
