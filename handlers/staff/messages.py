"""Messages staff write in the group: typed answers to prompts, internal notes, and replies
that the bot relays to the beneficiary."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.context import BotContext
from bot.services.policy import Action
from bot.services.staff import Done
from handlers.buttons import CloseConversation, answer_query
from handlers.common import edited_content
from handlers.staff import broadcasts, faq
from handlers.staff import calls as callback_desk
from handlers.staff.actions import outdated_text, topic_key
from handlers.staff.commands import permitted
from handlers.staff.group import StaffGroup

log = logging.getLogger(__name__)


async def relay_to_beneficiary(update: Update, ctx: BotContext) -> None:
    """Relays a staff message to the beneficiary of its thread (notes and chatter stay)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    services = ctx.services
    member = services.staff.member(user.id)
    if member is None:
        return  # only configured staff speak for the association
    text = message.text or message.caption or ""
    if text.lstrip().casefold().startswith(services.profile.staff.note_prefix.casefold()):
        return
    if await broadcasts.take_message(update, ctx) or await callback_desk.take_note(ctx, message):
        return
    prompt = await services.staff.take_prompt(user.id, message.chat.id, topic_key(message))
    if prompt is not None:
        await complete_prompt(
            ctx, message, prompt.request_id, prompt.version, Action(prompt.action)
        )
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    thread = await services.relay.thread_at(
        message.chat.id, message.message_thread_id if message.is_topic_message else None, reply_to
    )
    if thread is None:
        return
    await services.relay.to_user(thread, message.chat.id, message.message_id, reply_to)
    await faq.offer_saving(ctx, message, thread.user_id)


async def complete_prompt(
    ctx: BotContext, message: Message, request_id: int, version: int, action: Action
) -> None:
    """A typed rejection reason or information request: apply it to the request."""
    services = ctx.services
    tr = services.staff_translator()
    text = (message.text or "").strip()
    if not text:
        await message.reply_text(tr.gettext("Please type it as text."), do_quote=True)
        # Ask again: the staff member answers with their next message.
        request = await services.staff.request(request_id)
        if request is not None and message.from_user is not None:
            await services.staff.await_text(
                message.from_user.id, message.chat.id, topic_key(message), request, action
            )
        return
    details = {"reason": text} if action is Action.REJECT else {"info": text}
    assert message.from_user is not None
    outcome = await services.staff.act(
        request_id, version, action, message.from_user.id, details=details
    )
    if isinstance(outcome, Done):
        # The card, redrawn, is the confirmation (no extra message in a rate-limited group).
        await StaffGroup(ctx.bot, services).refresh_card(request_id)
    else:
        await message.reply_text(outdated_text(services, tr, outcome), do_quote=True)


async def relay_staff_edit(update: Update, ctx: BotContext) -> None:
    """Carries a staff member's edit over to the copy the beneficiary received."""
    message = update.edited_message
    if message is None or message.from_user is None:
        return
    if ctx.services.staff.member(message.from_user.id) is None:
        return
    await ctx.services.relay.edit(message.chat.id, message.message_id, edited_content(message))


async def close_conversation(update: Update, ctx: BotContext, button: CloseConversation) -> None:
    """Staff end a beneficiary's conversation from the button in their thread."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    services = ctx.services
    tr = services.staff_translator()
    if not await permitted(update, ctx, "close_conversation"):
        return
    closed = await services.relay.close(button.user_id, "staff")
    await answer_query(
        query,
        tr.gettext("The conversation is closed.")
        if closed
        else tr.gettext("It was already closed."),
    )
    if query.message is not None:
        await query.edit_message_reply_markup(None)
