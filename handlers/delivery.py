"""The dispatcher: sends what the outbox holds, in order per chat, chats side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from telegram import MessageEntity, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.context import Services
from bot.services import notices as kinds
from handlers import notices
from handlers.staff_group import StaffGroup
from storage.models import OutboxMessage, RelayLink
from storage.outbox import Outbox

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # rows are also picked up without a wake-up (e.g. due later)
MAX_BACKOFF_SECONDS = 300


class Dispatcher:
    """One task per chat with due messages; a chat's messages go out one after another."""

    def __init__(self, bot: ExtBot[None], services: Services) -> None:
        self.bot = bot
        self.services = services
        self.group = StaffGroup(bot, services)
        self.busy: dict[int, asyncio.Task[None]] = {}
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.delivered = 0

    def start(self) -> None:
        self.services.wakeup.callback = self.wake.set
        self.task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        self.services.wakeup.callback = lambda: None
        tasks = [t for t in (self.task, *self.busy.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until nothing due is left to send (tests and the benchmark use it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            async with self.services.db.reading() as conn:
                due = await Outbox(conn).chats_due(self.services.requests.clock())
            if not due and not self.busy:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("the outbox did not drain")

    async def _run(self) -> None:
        while True:
            self.wake.clear()
            try:
                now = self.services.requests.clock()
                async with self.services.db.reading() as conn:
                    chats = await Outbox(conn).chats_due(now)
                for chat_id in chats:
                    if chat_id not in self.busy:
                        self.busy[chat_id] = asyncio.create_task(self._drain(chat_id))
            except Exception:
                log.exception("the outbox could not be read")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)

    async def _drain(self, chat_id: int) -> None:
        try:
            while True:
                async with self.services.db.reading() as conn:
                    row = await Outbox(conn).head(chat_id)
                if row is None or row.due_at > self.services.requests.clock():
                    return
                if not await self._attempt(row):
                    return  # it waits for a retry; later messages of the chat wait with it
        finally:
            self.busy.pop(chat_id, None)
            self.wake.set()

    async def _attempt(self, row: OutboxMessage) -> bool:
        """Send one row; False if it was put off for a retry (it stays the chat's head)."""
        db = self.services.db
        now = self.services.requests.clock()
        try:
            await self.deliver(row)
        except RetryAfter as err:
            wait = err.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await self._retry(row, seconds, "429")
            return False
        except Forbidden as err:
            await self._unreachable(row, err)
            return True
        except ChatMigrated as err:
            async with db.transaction() as conn:
                await Outbox(conn).move_chat(row.chat_id, err.new_chat_id)
            return True
        except BadRequest as err:
            log.warning("outbox %s #%d refused: %s", row.kind, row.id, err.message)
            async with db.transaction() as conn:
                await Outbox(conn).failed(row.id, err.message)
            return True
        except NetworkError as err:
            await self._retry(row, min(2.0**row.attempts, MAX_BACKOFF_SECONDS), str(err))
            return False
        except Exception as err:
            log.exception("outbox %s #%d failed", row.kind, row.id)
            await self._retry(row, min(2.0**row.attempts, MAX_BACKOFF_SECONDS), type(err).__name__)
            return False
        async with db.transaction() as conn:
            await Outbox(conn).sent(row.id, now)
        self.delivered += 1
        return True

    async def _retry(self, row: OutboxMessage, seconds: float, error: str) -> None:
        due = self.services.requests.clock() + timedelta(seconds=seconds)
        async with self.services.db.transaction() as conn:
            await Outbox(conn).retry_at(row.id, due, error)

    async def _unreachable(self, row: OutboxMessage, err: Forbidden) -> None:
        async with self.services.db.transaction() as conn:
            await Outbox(conn).failed(row.id, err.message)
        user_id = row.payload.get("user_id")
        if row.chat_id > 0 and isinstance(user_id, int):
            # Staff see it in the beneficiary's thread; a relayed reply says so every time.
            await self.services.relay.mark_blocked(
                user_id, True, tell=row.kind == kinds.RELAY_TO_USER
            )

    # What each kind does -------------------------------------------------------------

    async def deliver(self, row: OutboxMessage) -> None:
        p = row.payload
        if row.kind == kinds.NOTICE:
            await self._notice(row)
        elif row.kind == kinds.RELAY_TO_USER:
            await self._to_user(row)
        elif row.kind == kinds.RELAY_TO_STAFF:
            await self._to_staff(row)
        elif row.kind == kinds.RELAY_EDIT:
            await self._edit(p)
        elif row.kind == kinds.STAFF_CARD:
            await self.group.post_card(int(p["request_id"]))
        elif row.kind == kinds.STAFF_CARD_REFRESH:
            await self.group.refresh_card(int(p["request_id"]))
        elif row.kind == kinds.STAFF_NOTE:
            await self._note(p)
        else:
            raise BadRequest(f"unknown outbox kind {row.kind}")

    async def _notice(self, row: OutboxMessage) -> None:
        services = self.services
        p = row.payload
        beneficiary = await services.requests.beneficiary(int(p["user_id"]))
        tr = services.catalogs.get(beneficiary.locale if beneficiary else row.locale or "ar")
        if p.get("notice") == "conversation_closed":
            text, markup = notices.conversation_closed(tr, p), None
        else:
            request = await services.staff.request(int(p["request_id"]))
            if request is None:
                return
            text, markup = notices.request_notice(tr, services, request, p)
        await self.bot.send_message(row.chat_id, text, reply_markup=markup)

    async def _to_user(self, row: OutboxMessage) -> None:
        p = row.payload
        reply = p.get("reply_to")
        sent = await self.bot.copy_message(
            row.chat_id,
            int(p["from_chat_id"]),
            int(p["message_id"]),
            reply_parameters=ReplyParameters(reply, allow_sending_without_reply=True)
            if reply
            else None,
        )
        await self.services.relay.link(
            RelayLink(
                user_id=int(p["user_id"]),
                private_chat_id=row.chat_id,
                private_message_id=sent.message_id,
                staff_chat_id=int(p["from_chat_id"]),
                staff_message_id=int(p["message_id"]),
                direction="to_user",
            )
        )

    async def _to_staff(self, row: OutboxMessage) -> None:
        p = row.payload
        thread = await self.group.thread(int(p["thread_id"]))
        if thread is None:
            return
        reply = p.get("reply_to")

        async def copy(place: dict[str, Any]) -> Any:
            if reply:
                place = {
                    **place,
                    "reply_parameters": ReplyParameters(reply, allow_sending_without_reply=True),
                }
            return await self.bot.copy_message(
                row.chat_id, int(p["from_chat_id"]), int(p["message_id"]), **place
            )

        sent = await self.group.send(thread, copy)
        await self.services.relay.link(
            RelayLink(
                user_id=int(p["user_id"]),
                private_chat_id=int(p["from_chat_id"]),
                private_message_id=int(p["message_id"]),
                staff_chat_id=row.chat_id,
                staff_message_id=sent.message_id,
                direction="to_staff",
            )
        )

    async def _edit(self, p: dict[str, Any]) -> None:
        chat_id, message_id = int(p["target_chat_id"]), int(p["target_message_id"])
        entities = [MessageEntity.de_json(e, self.bot) for e in p.get("entities") or []]
        try:
            if "caption" in p:
                await self.bot.edit_message_caption(
                    chat_id,
                    message_id,
                    caption=p["caption"],
                    caption_entities=entities,
                    parse_mode=None,
                )
            else:
                await self.bot.edit_message_text(
                    p.get("text") or "", chat_id, message_id, entities=entities, parse_mode=None
                )
        except BadRequest as err:
            if "not modified" not in err.message.lower():
                raise

    async def _note(self, p: dict[str, Any]) -> None:
        if p.get("thread_id") is None:
            return
        thread = await self.group.thread(int(p["thread_id"]))
        if thread is None:
            return
        text, markup = notices.staff_note(self.services.staff_translator(), self.services, p)
        await self.group.say(thread, text, reply_markup=markup)
