"""What each kind of outbox row does when the dispatcher sends it."""

from __future__ import annotations

from typing import Any

from telegram import MessageEntity, ReplyParameters
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.context import Services
from bot.delivery import notices
from bot.ratelimit import NO_RETRIES
from bot.services import notices as kinds
from bot.services.callbacks import STAFF_CALLBACK
from bot.services.interviews import STAFF_INTERVIEW
from bot.services.privacy import DATA_CARD
from bot.services.volunteers import STAFF_VOLUNTEER
from domain.models import OutboxMessage, RelayLink
from handlers import interview_text
from handlers.beneficiary import feedback
from handlers.staff import calls as callback_desk
from handlers.staff import data_requests, reports
from handlers.staff import interviews as staff_interviews
from handlers.staff.group import StaffGroup
from handlers.staff.volunteers import post_card as post_volunteer_card


class Deliverer:
    """Turns one outbox row into calls to Telegram; errors go back to the dispatcher."""

    def __init__(self, bot: ExtBot[None], services: Services, timeout: float) -> None:
        self.bot = bot
        self.services = services
        self.group = StaffGroup(bot, services)
        # Private chats: fail fast on a 429 (the row is rescheduled) and on a slow answer.
        self.fast: dict[str, Any] = {"rate_limit_args": NO_RETRIES, "read_timeout": timeout}

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
        elif row.kind == STAFF_INTERVIEW:
            await staff_interviews.deliver_staff(self.group, self.services, p)
        elif row.kind == kinds.STAFF_FORGET:
            await self._forget(row.chat_id, p)
        elif row.kind == STAFF_CALLBACK:
            await callback_desk.deliver(self.bot, self.services, self.group, p)
        elif row.kind == STAFF_VOLUNTEER:
            await post_volunteer_card(self.bot, self.services, int(p["volunteer_id"]))
        elif row.kind == kinds.STAFF_REPORT:
            await reports.send_report(self.bot, self.services, row.chat_id)
        elif row.kind == kinds.BROADCAST:
            await self.bot.copy_message(
                row.chat_id, int(p["from_chat_id"]), int(p["message_id"]), **self.fast
            )
        else:
            raise BadRequest(f"unknown outbox kind {row.kind}")

    async def _notice(self, row: OutboxMessage) -> None:
        services = self.services
        p = row.payload
        user_id = p.get("user_id")  # none after an erasure: the row went with the person
        beneficiary = await services.requests.beneficiary(int(user_id)) if user_id else None
        tr = services.catalogs.get(beneficiary.locale if beneficiary else row.locale or "ar")
        if p.get("notice") in interview_text.INTERVIEW_NOTICES:
            await interview_text.send_notice(self.bot, services, tr, row, **self.fast)
            return
        if p.get("request_id") is None:
            text, markup = notices.plain_notice(tr, services, p)
        else:
            request = await services.staff.request(int(p["request_id"]))
            if request is None:
                return
            if p.get("notice") == "rating_prompt":
                anonymous = not services.profile.feedback.show_identity
                text, markup = feedback.rating_prompt(tr, request, anonymous=anonymous)
            else:
                text, markup = notices.request_notice(tr, services, request, p)
        await self.bot.send_message(row.chat_id, text, reply_markup=markup, **self.fast)

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
            **self.fast,
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

    async def _data_card(self, p: dict[str, Any]) -> None:
        """A correction (in the request's thread) or an erasure (in General) to decide."""
        services = self.services
        card = await data_requests.data_card(
            services, services.staff_translator(), int(p["data_request_id"])
        )
        if card is None or services.staff_chat_id is None:
            return  # decided meanwhile
        text, markup, file = card
        thread = await self.group.thread(int(p["thread_id"])) if p.get("thread_id") else None
        if thread is not None:
            await self.group.say(thread, text, reply_markup=markup)
            if file is not None:  # a corrected document or photo: staff see it under the card
                await self.group.send_attachments(thread, (file,))
        else:
            sent = await self.bot.send_message(services.staff_chat_id, text, reply_markup=markup)
            # A correction's card shows the answer: an erasure deletes it. (An erasure's
            # own card stays: once decided it holds no answer, and it is the staff's record.)
            found = await services.privacy.card(int(p["data_request_id"]))
            asked = found[0] if found is not None else None
            if asked is not None and asked.kind == "correction" and asked.user_id is not None:
                await services.privacy.posted(asked.user_id, sent.message_id, "correction")

    async def _forget(self, chat_id: int, p: dict[str, Any]) -> None:
        """Delete an erased person's topic; without topics, their card and the messages
        relayed under it (a hundred a call)."""
        try:
            if p.get("topic_id"):
                await self.bot.delete_forum_topic(chat_id, int(p["topic_id"]))
                return
            ids = [int(i) for i in [p.get("card_message_id"), *p.get("message_ids", [])] if i]
            for start in range(0, len(ids), 100):
                await self.bot.delete_messages(chat_id, ids[start : start + 100])
        except BadRequest as err:
            if "not found" not in err.message.lower():  # already gone is done
                raise

    async def _note(self, p: dict[str, Any]) -> None:
        if p.get("note") == DATA_CARD:
            await self._data_card(p)
            return
        if p.get("thread_id") is None:
            if p.get("note") in ("refused", "error"):  # about the bot itself: in General
                text, markup = notices.staff_note(
                    self.services.staff_translator(), self.services, p
                )
                chat = self.services.staff_chat_id
                if chat is not None:
                    await self.bot.send_message(chat, text, reply_markup=markup, **self.fast)
            return
        thread = await self.group.thread(int(p["thread_id"]))
        if thread is None:
            return
        text, markup = notices.staff_note(self.services.staff_translator(), self.services, p)
        await self.group.say(thread, text, reply_markup=markup)
