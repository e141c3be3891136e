"""Posting into the staff group: a topic per beneficiary thread, recreated if deleted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
    MessageId,
    ReplyParameters,
)
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.context import Services
from domain.models import Attachment, Request, StaffThread
from handlers.staff import card as staff_card
from storage.staff import StaffThreads

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[Message | MessageId | tuple[Message, ...]]]


def _thread_gone(err: BadRequest) -> bool:
    text = err.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic deleted" in text


@dataclass(frozen=True, slots=True)
class Card:
    request: Request  # as read for the card: attachments included
    text: str
    markup: InlineKeyboardMarkup | None


class StaffGroup:
    """The staff group as the bot writes to it (every call paced by the rate limiter)."""

    def __init__(self, bot: ExtBot[None], services: Services) -> None:
        self.bot = bot
        self.services = services
        self.topics = services.settings.staff_topics

    @property
    def chat_id(self) -> int:
        chat_id = self.services.staff_chat_id
        assert chat_id is not None
        return chat_id

    async def _store(self, op: Callable[[StaffThreads], Awaitable[None]]) -> None:
        async with self.services.db.transaction() as conn:
            await op(StaffThreads(conn))

    async def thread(self, thread_id: int) -> StaffThread | None:
        return await self.services.relay.thread(thread_id)

    async def ensure_topic(self, thread: StaffThread) -> StaffThread:
        """Open the thread's forum topic if it has none (topics on, and the group allows)."""
        if not self.topics or thread.topic_id is not None:
            return thread
        try:
            topic = await self.bot.create_forum_topic(self.chat_id, thread.name)
        except BadRequest as err:
            if "not a forum" not in err.message.lower():
                raise
            log.warning("the staff group has no topics: cards go to the group as replies")
            self.topics = False
            return thread
        topic_id = topic.message_thread_id
        await self._store(lambda t: t.set_topic(thread.id, topic_id))
        return StaffThread(**{**thread.__dict__, "topic_id": topic_id})

    def _place(self, thread: StaffThread) -> dict[str, Any]:
        """Where a message of this thread goes: its topic, or a reply to its card."""
        if self.topics and thread.topic_id is not None:
            return {"message_thread_id": thread.topic_id}
        if thread.card_message_id is not None:
            return {
                "reply_parameters": ReplyParameters(
                    thread.card_message_id, allow_sending_without_reply=True
                )
            }
        return {}

    async def send(self, thread: StaffThread, send: Send, *, repost_card: bool = True) -> Any:
        """Send into the thread; a deleted topic is recreated (with a fresh card) once."""
        thread = await self.ensure_topic(thread)
        try:
            return await send(self._place(thread))
        except BadRequest as err:
            if not _thread_gone(err):
                raise
        log.info("a staff topic was deleted; opening it again")
        await self._store(lambda t: t.set_topic(thread.id, None))
        thread = await self.ensure_topic(StaffThread(**{**thread.__dict__, "topic_id": None}))
        if repost_card and thread.request_id is not None:
            await self.post_card(thread.request_id, with_files=False)
            refreshed = await self.thread(thread.id)
            thread = refreshed or thread
        return await send(self._place(thread))

    async def post_card(self, request_id: int, *, with_files: bool = True) -> None:
        """Post the request's card in its thread, then its attachments."""
        card = await self.card(request_id)
        thread = await self.services.relay.thread_for_request(request_id)
        if card is None or thread is None:
            return

        async def send_card(place: dict[str, Any]) -> Message:
            # The card opens the thread: it goes into the topic, never as a reply.
            return await self.bot.send_message(
                self.chat_id,
                card.text,
                reply_markup=card.markup,
                message_thread_id=place.get("message_thread_id"),
            )

        message: Message = await self.send(thread, send_card, repost_card=False)
        card_id = message.message_id
        await self._store(lambda t: t.set_card(thread.id, card_id))
        if with_files and card.request.attachments:
            # Read back: the topic may have been opened again while the card was posted.
            posted = await self.thread(thread.id)
            assert posted is not None
            await self.send_attachments(posted, card.request.attachments)

    async def card(self, request_id: int) -> Card | None:
        """The card as the request stands now, from one complete read of it.

        Every card is drawn here: a Request from elsewhere (a transition's result) lacks
        its attachments, and the card would lose its '📎 N attachments below' line.
        """
        services = self.services
        request = await services.staff.request(request_id)
        if request is None:
            return None
        beneficiary = await services.requests.beneficiary(request.user_id)
        info = await services.staff.info_items(request_id)
        tr = services.staff_translator()
        first_name = beneficiary.first_name if beneficiary else ""
        text = staff_card.render(tr, services, request, first_name, info)
        return Card(request, text, staff_card.keyboard(tr, request))

    async def send_attachments(
        self, thread: StaffThread, attachments: tuple[Attachment, ...]
    ) -> None:
        """Photos as one album and documents as another (Telegram does not mix them)."""
        labels = {
            f.key: f.label.get(self.services.staff_translator().locale)
            for f in self.services.profile.form.fields
        }
        photos = [a for a in attachments if a.kind == "photo"]
        documents = [a for a in attachments if a.kind != "photo"]
        for group in (photos, documents):
            for start in range(0, len(group), 10):
                chunk = group[start : start + 10]
                await self.send(thread, self._album(chunk, labels))

    def _album(self, chunk: list[Attachment], labels: dict[str, str]) -> Send:
        async def send(place: dict[str, Any]) -> Message | tuple[Message, ...]:
            if len(chunk) == 1:
                item = chunk[0]
                caption = labels.get(item.field_key, "")
                if item.kind == "photo":
                    return await self.bot.send_photo(
                        self.chat_id, item.file_id, caption=caption, **place
                    )
                return await self.bot.send_document(
                    self.chat_id, item.file_id, caption=caption, **place
                )
            media = [
                InputMediaPhoto(a.file_id, caption=labels.get(a.field_key, ""))
                if a.kind == "photo"
                else InputMediaDocument(a.file_id, caption=labels.get(a.field_key, ""))
                for a in chunk
            ]
            return await self.bot.send_media_group(self.chat_id, media, **place)

        return send

    async def refresh_card(self, request_id: int) -> None:
        """Edit the card to the request's current state (post it again if it is gone)."""
        thread = await self.services.relay.thread_for_request(request_id)
        if thread is None:
            return
        if thread.card_message_id is None:
            await self.post_card(request_id)
            return
        card = await self.card(request_id)
        if card is None:
            return
        try:
            await self.bot.edit_message_text(
                card.text, self.chat_id, thread.card_message_id, reply_markup=card.markup
            )
        except BadRequest as err:
            message = err.message.lower()
            if "not modified" in message:
                return
            if "not found" in message:
                await self.post_card(request_id, with_files=False)
                return
            raise

    async def say(self, thread: StaffThread, text: str, **kwargs: Any) -> Message:
        """A line from the bot in the thread."""

        async def send(place: dict[str, Any]) -> Message:
            return await self.bot.send_message(self.chat_id, text, **kwargs, **place)

        result: Message = await self.send(thread, send)
        await self.services.privacy.posted(thread.user_id, result.message_id, "line")
        return result
