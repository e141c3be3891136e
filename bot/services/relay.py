"""Conversations between a beneficiary and staff, relayed through the bot."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.services import notices
from bot.services.hours import BusinessHours, closed_period_key
from bot.services.notices import Wakeup
from bot.services.requests import Clock
from domain.models import Conversation, RelayLink, StaffThread
from storage.outbox import Outbox
from storage.repositories import Beneficiaries
from storage.sql import Connection, Database
from storage.staff import Conversations, RelayLinks, StaffThreads


async def open_conversation(
    conn: Connection,
    staff_chat_id: int | None,
    user_id: int,
    opened_by: str,
    now: datetime,
    thread: StaffThread | None = None,
) -> tuple[Conversation, bool]:
    """Return the beneficiary's open conversation, opening one (True) if there is none."""
    conversations = Conversations(conn)
    current = await conversations.open_for_user(user_id)
    if current is not None:
        return current, False
    if thread is None:
        thread = await thread_for_user(conn, staff_chat_id, user_id, now)
    await conversations.insert(user_id, thread.id, opened_by, now)
    opened = await conversations.open_for_user(user_id)
    assert opened is not None
    if opened_by == "beneficiary":
        # A referral and a staff message say it themselves.
        await notices.to_staff(
            conn,
            staff_chat_id,
            notices.STAFF_NOTE,
            now,
            thread_id=thread.id,
            note="conversation_opened",
            user_id=user_id,
        )
    return opened, True


async def thread_for_user(
    conn: Connection, staff_chat_id: int | None, user_id: int, now: datetime
) -> StaffThread:
    """The thread of the beneficiary's newest request, or one of their own (created here)."""
    threads = StaffThreads(conn)
    thread = await threads.latest_for_user(user_id)
    if thread is None:
        beneficiary = await Beneficiaries(conn).get(user_id)
        first = beneficiary.first_name if beneficiary else ""
        name = ("💬 " + first).strip()[:128]
        new_id = await threads.insert(user_id, None, staff_chat_id or 0, name, now)
        thread = await threads.get(new_id)
    assert thread is not None
    return thread


class RelayService:
    def __init__(
        self,
        db: Database,
        *,
        staff_chat_id: int | None,
        quiet_close_hours: float,
        clock: Clock,
        wakeup: Wakeup,
        hours: BusinessHours | None = None,
    ) -> None:
        self.db = db
        self.staff_chat_id = staff_chat_id
        self.quiet = timedelta(hours=quiet_close_hours)
        self.clock = clock
        self.wakeup = wakeup
        self.hours = hours  # when staff answer (None: the profile promises nothing)

    async def conversation(self, user_id: int) -> Conversation | None:
        async with self.db.reading() as conn:
            return await Conversations(conn).open_for_user(user_id)

    async def open(self, user_id: int, opened_by: str = "beneficiary") -> tuple[Conversation, bool]:
        async with self.db.transaction() as conn:
            result = await open_conversation(
                conn, self.staff_chat_id, user_id, opened_by, self.clock()
            )
        self.wakeup()
        return result

    async def close(self, user_id: int, closed_by: str) -> bool:
        """Close the beneficiary's conversation and tell the side that did not close it."""
        now = self.clock()
        async with self.db.transaction() as conn:
            current = await Conversations(conn).open_for_user(user_id)
            if current is None:
                return False
            await self._close(conn, current, closed_by, now)
        self.wakeup()
        return True

    async def close_quiet(self) -> int:
        """Close every conversation that has been quiet for the configured time."""
        now = self.clock()
        async with self.db.transaction() as conn:
            quiet = await Conversations(conn).quiet_since(now - self.quiet)
            for conversation in quiet:
                await self._close(conn, conversation, "quiet", now)
        if quiet:
            self.wakeup()
        return len(quiet)

    async def _close(
        self, conn: Connection, conversation: Conversation, closed_by: str, now: datetime
    ) -> None:
        await Conversations(conn).close(conversation.id, closed_by, now)
        await notices.to_staff(
            conn,
            self.staff_chat_id,
            notices.STAFF_NOTE,
            now,
            thread_id=conversation.thread_id,
            note="conversation_closed",
            closed_by=closed_by,
        )
        if closed_by != "beneficiary":
            await notices.to_beneficiary(
                conn, conversation.user_id, "conversation_closed", now, closed_by=closed_by
            )

    async def to_staff(
        self, user_id: int, chat_id: int, message_id: int, reply_to: int | None
    ) -> bool:
        """Queue a beneficiary's message for their thread (False: no conversation is open)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            current = await Conversations(conn).open_for_user(user_id)
            if current is None:
                return False
            await self._queue_to_staff(
                conn, current.thread_id, user_id, chat_id, message_id, reply_to, now
            )
            await Conversations(conn).touch(current.id, now)
            await self._say_when_open(conn, user_id, now)
        self.wakeup()
        return True

    async def _say_when_open(self, conn: Connection, user_id: int, now: datetime) -> None:
        """Outside business hours, tell the beneficiary when the team is back: once per
        closed period (the outbox's dedupe key names the period by its end)."""
        openness = self.hours.at(now) if self.hours is not None else None
        if openness is None or openness.open or openness.opens_at is None:
            return
        period = closed_period_key(openness.opens_at)
        await notices.to_beneficiary(
            conn,
            user_id,
            "after_hours",
            now,
            dedupe_key=f"after_hours:{user_id}:{period}",
            held=False,  # it answers what they just wrote, at night too
            opens_at=openness.opens_at.isoformat(),
        )

    async def copy_to_staff(
        self, user_id: int, chat_id: int, message_id: int, thread_id: int
    ) -> None:
        """Queue a beneficiary's message for a given thread (e.g. requested information)."""
        async with self.db.transaction() as conn:
            await self._queue_to_staff(
                conn, thread_id, user_id, chat_id, message_id, None, self.clock()
            )
        self.wakeup()

    async def _queue_to_staff(
        self,
        conn: Connection,
        thread_id: int,
        user_id: int,
        chat_id: int,
        message_id: int,
        reply_to: int | None,
        now: datetime,
    ) -> None:
        # The reply finds its counterpart through the link table, never through the text.
        link = await RelayLinks(conn).by_private(chat_id, reply_to) if reply_to else None
        await notices.to_staff(
            conn,
            self.staff_chat_id,
            notices.RELAY_TO_STAFF,
            now,
            dedupe_key=f"to_staff:{chat_id}:{message_id}",
            thread_id=thread_id,
            user_id=user_id,
            from_chat_id=chat_id,
            message_id=message_id,
            reply_to=link.staff_message_id if link else None,
        )

    async def to_user(
        self, thread: StaffThread, staff_chat_id: int, message_id: int, reply_to: int | None
    ) -> None:
        """Queue a staff message for the beneficiary, opening a conversation if none is open."""
        now = self.clock()
        async with self.db.transaction() as conn:
            current, _ = await open_conversation(
                conn, self.staff_chat_id, thread.user_id, "staff", now, thread
            )
            await Conversations(conn).touch(current.id, now)
            link = await RelayLinks(conn).by_staff(staff_chat_id, reply_to) if reply_to else None
            beneficiary = await Beneficiaries(conn).get(thread.user_id)
            assert beneficiary is not None
            await notices.to_beneficiary(
                conn,
                thread.user_id,
                "relay",
                now,
                kind=notices.RELAY_TO_USER,
                dedupe_key=f"to_user:{staff_chat_id}:{message_id}",
                thread_id=thread.id,
                from_chat_id=staff_chat_id,
                message_id=message_id,
                reply_to=link.private_message_id if link else None,
            )
        self.wakeup()

    async def edit(self, chat_id: int, message_id: int, content: dict[str, Any]) -> bool:
        """Queue an edit for the counterpart of a relayed message (False: not relayed)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            links = RelayLinks(conn)
            link = await links.by_private(chat_id, message_id)
            if link is not None:
                await notices.to_staff(
                    conn,
                    link.staff_chat_id,
                    notices.RELAY_EDIT,
                    now,
                    target_chat_id=link.staff_chat_id,
                    target_message_id=link.staff_message_id,
                    **content,
                )
            else:
                link = await links.by_staff(chat_id, message_id)
                if link is None:
                    return False
                await notices.to_beneficiary(
                    conn,
                    link.user_id,
                    "edit",
                    now,
                    kind=notices.RELAY_EDIT,
                    target_chat_id=link.private_chat_id,
                    target_message_id=link.private_message_id,
                    **content,
                )
        self.wakeup()
        return True

    async def mark_blocked(self, user_id: int, blocked: bool, tell: bool = False) -> bool:
        """Record that the beneficiary blocked (or unblocked) the bot and tell staff once
        (or every time, with `tell`: a staff reply that did not arrive)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            beneficiaries = Beneficiaries(conn)
            changed = await beneficiaries.set_blocked(user_id, blocked, now)
            beneficiary = await beneficiaries.get(user_id) if blocked else None
            if beneficiary is not None:
                # What waits for them would only fail, one send at a time: it ends now.
                await Outbox(conn).fail_chat(beneficiary.chat_id, "unreachable: bot blocked")
            thread = await StaffThreads(conn).latest_for_user(user_id) if changed or tell else None
            if thread is not None:
                await notices.to_staff(
                    conn,
                    self.staff_chat_id,
                    notices.STAFF_NOTE,
                    now,
                    thread_id=thread.id,
                    note="blocked" if blocked else "unblocked",
                )
        self.wakeup()
        return changed

    async def link(self, link: RelayLink) -> None:
        async with self.db.transaction() as conn:
            await RelayLinks(conn).add(link, self.clock())

    async def thread(self, thread_id: int) -> StaffThread | None:
        async with self.db.reading() as conn:
            return await StaffThreads(conn).get(thread_id)

    async def thread_for_request(self, request_id: int) -> StaffThread | None:
        async with self.db.reading() as conn:
            return await StaffThreads(conn).for_request(request_id)

    async def thread_of_user(self, user_id: int) -> StaffThread | None:
        async with self.db.reading() as conn:
            return await StaffThreads(conn).latest_for_user(user_id)

    async def thread_at(
        self, chat_id: int, topic_id: int | None, reply_to: int | None
    ) -> StaffThread | None:
        """The beneficiary thread a staff message belongs to: its topic, or the card it
        replies to, or a relayed message it replies to (groups without topics)."""
        async with self.db.reading() as conn:
            threads = StaffThreads(conn)
            if topic_id is not None:
                found = await threads.by_topic(chat_id, topic_id)
                if found is not None:
                    return found
            if reply_to is None:
                return None
            found = await threads.by_card(chat_id, reply_to)
            if found is not None:
                return found
            link = await RelayLinks(conn).by_staff(chat_id, reply_to)
            if link is None:
                return None
            return await threads.latest_for_user(link.user_id)
