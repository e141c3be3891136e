"""Staff answers become answers: "Save as FAQ answer" under a reply, approved by an admin."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.services.policy import Duty
from handlers.common import answer_expired, answer_query, callback_ids, esc
from handlers.staff_commands import permitted


async def offer_saving(ctx: BotContext, message: Message, user_id: int) -> None:
    """Offers to keep a staff reply to a question the guides missed as an FAQ answer."""
    if not (message.text or "").strip():
        return
    question_id = await ctx.services.answers.offer(user_id)
    if question_id is None:
        return
    tr = ctx.services.staff_translator()
    button = InlineKeyboardButton(
        "💾 " + tr.gettext("Save as FAQ answer"), callback_data=f"faq:save:{question_id}"
    )
    await message.reply_text(
        tr.gettext("This answers a question the guides did not."),
        reply_markup=InlineKeyboardMarkup([[button]]),
        do_quote=True,
    )


async def save_answer(update: Update, ctx: BotContext) -> None:
    """Saves the staff reply the button sits under as a card waiting for an admin."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    if not await permitted(update, ctx, "faq_save"):
        return
    tr = ctx.services.staff_translator()
    ids = callback_ids(query.data, 1)
    message = query.message if isinstance(query.message, Message) else None
    reply = message.reply_to_message if message is not None else None
    text = (reply.text or "") if reply is not None else ""
    saved = await ctx.services.answers.propose(ids[0], text, user.id) if ids and text else None
    if saved is None or message is None:
        await answer_expired(query, tr, alert=True)
        return
    await answer_query(query)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + tr.gettext("Approve"), callback_data=f"faq:approve:{saved.id}"
                ),
                InlineKeyboardButton(
                    "🗑 " + tr.gettext("Discard"), callback_data=f"faq:discard:{saved.id}"
                ),
            ]
        ]
    )
    lines = [
        "<b>" + tr.gettext("New FAQ answer, waiting for an admin") + "</b>",
        "❓ " + esc(saved.question[:500]),
        "💬 " + esc(saved.answer[:2500]),
    ]
    await message.edit_text("\n".join(lines), reply_markup=markup)


async def decide_answer(update: Update, ctx: BotContext) -> None:
    """An admin approves (publishes) or discards a saved answer."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and query.data is not None and user is not None
    if not await permitted(update, ctx, Duty.APPROVE_ANSWERS):
        return
    tr = ctx.services.staff_translator()
    ids = callback_ids(query.data, 1)
    approve = query.data.startswith("faq:approve:")
    decided = await ctx.services.answers.decide(ids[0], approve, user.id) if ids else None
    if decided is None:
        await answer_expired(query, tr, alert=True)
        return
    await answer_query(query)
    verdict = (
        tr.gettext("Approved: the bot answers questions like this one from now on.")
        if approve
        else tr.gettext("Discarded.")
    )
    lines = ["❓ " + esc(decided.question[:500]), "💬 " + esc(decided.answer[:2500]), "", verdict]
    message = query.message if isinstance(query.message, Message) else None
    if message is not None:
        await message.edit_text("\n".join(lines))
