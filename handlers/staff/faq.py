"""The staff's side of the FAQ: "Save as FAQ answer" under a reply (approved by an admin),
and /faq_gaps, the questions the guides did not answer."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.services.policy import Duty
from handlers.buttons import DecideAnswer, SaveAnswer, answer_query, refuse_press
from handlers.common import esc
from handlers.long_text import fit_html
from handlers.staff.commands import permitted


async def offer_saving(ctx: BotContext, message: Message, user_id: int) -> None:
    """Offers to keep a staff reply to a question the guides missed as an FAQ answer."""
    if not (message.text or "").strip():
        return
    question_id = await ctx.services.answers.offer(user_id)
    if question_id is None:
        return
    tr = ctx.services.staff_translator()
    button = InlineKeyboardButton(
        "💾 " + tr.gettext("Save as FAQ answer"), callback_data=SaveAnswer(question_id).encode()
    )
    await message.reply_text(
        tr.gettext("This answers a question the guides did not."),
        reply_markup=InlineKeyboardMarkup([[button]]),
        do_quote=True,
    )


async def save_answer(update: Update, ctx: BotContext, button: SaveAnswer) -> None:
    """Saves the staff reply the button sits under as a card waiting for an admin."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    if not await permitted(update, ctx, "faq_save"):
        return
    tr = ctx.services.staff_translator()
    message = query.message if isinstance(query.message, Message) else None
    reply = message.reply_to_message if message is not None else None
    text = (reply.text or "") if reply is not None else ""
    saved = await ctx.services.answers.propose(button.question_id, text, user.id) if text else None
    if saved is None or message is None:
        await refuse_press(update, ctx, "stale", tr=tr, alert=True)
        return
    await answer_query(query)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + tr.gettext("Approve"),
                    callback_data=DecideAnswer("approve", saved.id).encode(),
                ),
                InlineKeyboardButton(
                    "🗑 " + tr.gettext("Discard"),
                    callback_data=DecideAnswer("discard", saved.id).encode(),
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


async def decide_answer(update: Update, ctx: BotContext, button: DecideAnswer) -> None:
    """An admin approves (publishes) or discards a saved answer."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    if not await permitted(update, ctx, Duty.APPROVE_ANSWERS):
        return
    tr = ctx.services.staff_translator()
    approve = button.decision == "approve"
    decided = await ctx.services.answers.decide(button.answer_id, approve, user.id)
    if decided is None:
        await refuse_press(update, ctx, "stale", tr=tr, alert=True)
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


GAPS_SHOWN = 20


async def show_gaps(update: Update, ctx: BotContext) -> None:
    """Lists the questions the guides did not answer (or answered unhelpfully) for staff."""
    if not await permitted(update, ctx, "faq_gaps"):
        return
    services = ctx.services
    tr = services.staff_translator()
    _ = tr.gettext
    gaps = await services.faq.gaps(GAPS_SHOWN)
    message = update.effective_message
    assert message is not None
    if not gaps:
        await message.reply_text(_("No unanswered questions in the last 30 days."), do_quote=False)
        return
    reasons = {
        "unanswered": _("not in the guides"),
        "unsure": _("no clear answer"),
        "unhelpful": _("answer not helpful"),
    }
    lines = ["<b>" + _("Questions the guides did not answer (last 30 days)") + "</b>", ""]
    for gap in gaps:
        times = tr.ngettext("%(count)s time", "%(count)s times", gap.times) % {
            "count": tr.number(gap.times)
        }
        if gap.wordings > 1:
            times += ", " + tr.ngettext("%(count)s wording", "%(count)s wordings", gap.wordings) % {
                "count": tr.number(gap.wordings)
            }
        lines.append(f"• {esc(gap.text[:200])} — {times}, {reasons.get(gap.reason, gap.reason)}")
    lines += ["", _("Add question cards for these: python -m bot import-guides cards.yaml")]
    await message.reply_text(fit_html(lines), do_quote=False)
