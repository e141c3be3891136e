"""Typed answers, /cancel, and turning a Telegram message into a RawAnswer."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import BotContext
from bot.services.forms import FileInfo, RawAnswer
from bot.services.requests import StaleDraft
from bot.services.validators import ValidationError
from conversations import form_screens as screens
from conversations.form_flow import END, end_or, show_current, show_screen
from domain.models import DraftStage
from handlers.common import main_menu, reply


async def receive_answer(update: Update, ctx: BotContext) -> int:
    """Checks the answer to the current question, stores it and asks the next one."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    services = ctx.services
    draft = await services.requests.draft(update.effective_user.id)
    if draft is None or draft.stage is DraftStage.PAUSED:
        tr = await ctx.translator(update)
        await reply(update, tr.gettext("Please choose from the menu."), main_menu(tr))
        return END
    if message.message_id < draft.last_message_id:
        return end_or(draft)  # older than an answer already applied: a replay
    if message.message_id == draft.last_message_id:
        # Replayed after a crash that came between committing this answer and replying.
        return await show_screen(update, ctx, draft)
    if draft.stage is not DraftStage.ANSWERING or draft.field_key is None:
        return await remind_buttons(update, ctx)
    form = services.requests.form
    form_field = form.field(draft.field_key)
    try:
        value = form.validate(form_field, raw_answer(message), services.requests.today())
    except ValidationError as err:
        tr = await ctx.translator(update)
        return await show_screen(update, ctx, draft, screens.error_text(tr, form_field, err))
    try:
        draft = await services.requests.record_answer(
            draft, form_field.key, value, message.message_id
        )
    except StaleDraft:
        return await show_current(update, ctx)
    return await show_screen(update, ctx, draft)


async def remind_buttons(update: Update, ctx: BotContext) -> int:
    """Answers a message sent where the screen expects a button press."""
    assert update.effective_user is not None
    tr = await ctx.translator(update)
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is None:
        await reply(update, tr.gettext("Please choose from the menu."), main_menu(tr))
        return END
    return await show_screen(update, ctx, draft, tr.gettext("Please use the buttons below."))


async def cancel(update: Update, ctx: BotContext) -> int:
    """Asks whether to discard the draft or keep it for later."""
    assert update.effective_user is not None
    tr = await ctx.translator(update)
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is None:
        await reply(update, tr.gettext("There is nothing to cancel."), main_menu(tr))
        return END
    text, markup = screens.cancel_prompt(tr, draft)
    await reply(update, text, markup)
    return end_or(draft)


def raw_answer(message: Message) -> RawAnswer:
    """Strip a Telegram message down to what the form engine reads."""
    if message.photo:
        largest = message.photo[-1]
        return RawAnswer(
            file=FileInfo(
                kind="photo",
                file_id=largest.file_id,
                file_unique_id=largest.file_unique_id,
                file_name=None,
                mime_type="image/jpeg",
                size=largest.file_size,
            )
        )
    if message.document:
        doc = message.document
        return RawAnswer(
            file=FileInfo(
                kind="document",
                file_id=doc.file_id,
                file_unique_id=doc.file_unique_id,
                file_name=doc.file_name,
                mime_type=doc.mime_type,
                size=doc.file_size,
            )
        )
    if message.text is not None:
        return RawAnswer(text=message.text)
    for kind in (
        "sticker",
        "voice",
        "audio",
        "video",
        "video_note",
        "location",
        "contact",
        "animation",
        "poll",
        "venue",
        "dice",
    ):
        if getattr(message, kind, None):
            return RawAnswer(other=kind)
    return RawAnswer(other="unknown")
