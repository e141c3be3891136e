"""The form's shared pieces: its states, derived from the draft, and showing a screen."""

from __future__ import annotations

import contextlib
from enum import IntEnum

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.inbox import answer_unread
from conversations import form_screens as screens
from domain.models import Draft, DraftStage
from handlers.common import reply

END = ConversationHandler.END


class FormState(IntEnum):
    WAITING_ANSWER = 1
    REVIEWING = 2
    SIGNING = 3


_STAGE_STATES = {
    DraftStage.ANSWERING: FormState.WAITING_ANSWER,
    DraftStage.REVIEWING: FormState.REVIEWING,
    DraftStage.SIGNING: FormState.SIGNING,
}


def state_of(draft: Draft | None) -> FormState | None:
    """Map a draft to the conversation state it stands for (None: no open form)."""
    return _STAGE_STATES.get(draft.stage) if draft is not None else None


def end_or(draft: Draft | None) -> int:
    state = state_of(draft)
    return END if state is None else int(state)


async def show_screen(
    update: Update, ctx: BotContext, draft: Draft, error: str | None = None, intro: str = ""
) -> int:
    """Send the screen the draft stands at and return the matching state."""
    services = ctx.services
    tr = await ctx.translator(update)
    form = services.requests.form
    if draft.stage is DraftStage.ANSWERING:
        text, markup = screens.question(tr, services.profile, form, draft, error)
    elif draft.stage is DraftStage.REVIEWING:
        text, markup = screens.review(tr, services.profile, form, draft)
        if error:
            text = f"⚠️ {error}\n\n{text}"
    elif draft.stage is DraftStage.SIGNING:
        text, markup = screens.declaration(tr, services.profile, draft)
        if error:
            text = f"⚠️ {error}\n\n{text}"
    else:
        text, markup = screens.resume_prompt(tr, draft)
    if intro:
        text = f"{intro}\n\n{text}"
    await reply(update, text, markup)
    return end_or(draft)


async def show_current(update: Update, ctx: BotContext) -> int:
    assert update.effective_user is not None
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is None or draft.stage is DraftStage.PAUSED:
        return END
    return await show_screen(update, ctx, draft)


async def drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of a message that has been acted on (best effort)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    # Too old to edit, or already without buttons: nothing to fix.
    with contextlib.suppress(BadRequest), answer_unread():
        await message.edit_reply_markup(reply_markup=None)
