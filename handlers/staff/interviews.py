"""Interviews on the staff side: the card and its steps in the request's topic, ticking up
to three of the branch's times and sending them (the beneficiary's side:
handlers.beneficiary.interviews)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import BotContext, Services
from handlers.buttons import InterviewSend, InterviewSlot, answer_query, refuse_press
from handlers.interview_text import sent_card, staff_card, staff_step
from handlers.staff.group import StaffGroup


async def _staff_refusal(update: Update, ctx: BotContext) -> str | None:
    """Why the presser may not propose times ("outside" the staff group, no "role"), or None."""
    chat, user = update.effective_chat, update.effective_user
    if user is None:
        return "role"
    return await ctx.services.staff.refusal(user.id, chat.id if chat else None, "interview")


async def tick_slot(update: Update, ctx: BotContext, button: InterviewSlot) -> None:
    """Ticks or unticks a time on the card (at most three)."""
    services = ctx.services
    tr = services.staff_translator()
    _ = tr.gettext
    refusal = await _staff_refusal(update, ctx)
    if refusal is not None:
        text = _("You are not allowed to do this.")
        await refuse_press(update, ctx, refusal, tr=tr, text=text, alert=True)
        return
    outcome = await services.interviews.tick(button.interview_id, button.version, button.slot)
    texts = {
        "hours": _("That time is outside the branch's opening hours."),
        "taken": _("That time is already booked at this branch."),
    }
    if outcome.result == "full":
        await answer_query(update.callback_query, _("Up to three times can be sent."), alert=True)
        return
    if outcome.result != "ok" or outcome.interview is None:
        said = texts.get(outcome.result)
        await refuse_press(update, ctx, outcome.result, tr=tr, text=said, alert=said is not None)
        return
    await answer_query(update.callback_query)
    _text, markup = await staff_card(tr, services, outcome.interview)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(markup)


async def send_slots(update: Update, ctx: BotContext, button: InterviewSend) -> None:
    """Sends the times ticked to the beneficiary."""
    services = ctx.services
    tr = services.staff_translator()
    _ = tr.gettext
    refusal = await _staff_refusal(update, ctx)
    if refusal is not None:
        text = _("You are not allowed to do this.")
        await refuse_press(update, ctx, refusal, tr=tr, text=text, alert=True)
        return
    user = update.effective_user
    assert user is not None
    outcome = await services.interviews.send(user.id, button.interview_id, button.version)
    if outcome.result == "empty":
        await answer_query(update.callback_query, _("Tick at least one time first."), alert=True)
        return
    if outcome.result != "ok" or outcome.interview is None:
        await refuse_press(update, ctx, outcome.result, tr=tr)
        return
    await answer_query(update.callback_query, _("Sent."))
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(await sent_card(tr, services, outcome.interview))


async def deliver_staff(group: StaffGroup, services: Services, payload: dict[str, Any]) -> None:
    """Post an interview's step in its request's thread, or in General."""
    interview = await services.interviews.get(int(payload["interview_id"]))
    step = str(payload.get("step"))
    if interview is None or services.staff_chat_id is None:
        return
    if step in ("asked", "other") and interview.status != "asked":
        return  # moved on before the card went out
    if step == "reminder" and interview.status != "booked":
        return
    text, markup = await staff_step(services.staff_translator(), services, interview, step)
    thread = None
    if interview.request_id is not None:
        thread = await services.relay.thread_for_request(interview.request_id)
    if thread is not None:
        await group.say(thread, text, reply_markup=markup)
    else:
        sent = await group.bot.send_message(services.staff_chat_id, text, reply_markup=markup)
        await services.privacy.posted(interview.user_id, sent.message_id, "interview")
