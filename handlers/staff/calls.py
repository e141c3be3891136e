"""The staff side of a call-back: its card (in the request's topic, else General), "I'll
call", each try's outcome and its note, and the reminder when nobody claimed it in time."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.callbacks import OUTCOMES, Claim
from handlers.buttons import CallClaim, CallNoNote, CallOutcome, answer_query, refuse_press
from handlers.call_text import call_time_text
from handlers.common import esc
from handlers.staff.actions import topic_key
from handlers.staff.card import mention
from handlers.staff.group import StaffGroup
from storage.callbacks import CallBack, CallTry


def _outcome_label(tr: Translator, outcome: str) -> str:
    return {
        "reached": "✅ " + tr.gettext("Reached"),
        "no_answer": "📵 " + tr.gettext("No answer"),
        "wrong_number": "❌ " + tr.gettext("Wrong number"),
    }[outcome]


def _who(services: Services, staff_id: int | None) -> str:
    member = services.staff.member(staff_id)
    return mention(member.id, member.name) if member else "—"


async def card(services: Services, call: CallBack) -> tuple[str, InlineKeyboardMarkup | None]:
    """The call's card as it stands: who asked, the number, the time, the tries."""
    tr = services.staff_translator()
    _ = tr.gettext
    person = await services.requests.beneficiary(call.user_id)
    lines = [
        "📞 <b>" + _("Call-back request") + "</b>",
        _("Name: %(name)s") % {"name": esc(person.first_name if person else "—")},
        _("Mobile: %(mobile)s") % {"mobile": f"<code>{ltr(call.mobile or '')}</code>"},
        _("When: %(time)s") % {"time": call_time_text(tr, services, call)},
    ]
    if call.request_id is not None:
        request = await services.staff.request(call.request_id)
        if request is not None:
            lines.append(_("About request %(reference)s") % {"reference": ltr(request.reference)})
    if call.status == "open":
        lines.append("⏳ " + _("Nobody has taken it yet."))
    else:
        lines.append("🙋 " + _("%(name)s will call.") % {"name": _who(services, call.claimed_by)})
    tries = await services.callbacks.tries(call.id)
    for number, one in enumerate(tries, start=1):
        line = _("Try %(number)s: %(outcome)s") % {
            "number": tr.number(number),
            "outcome": _outcome_label(tr, one.outcome),
        }
        if one.note:
            line += " — " + esc(one.note)
        lines.append(line)
    if call.status == "retry":
        lines.append("🔁 " + _("Not reached twice: the beneficiary was asked for another time."))
    return "\n".join(lines), _buttons(tr, call, tries)


def _buttons(tr: Translator, call: CallBack, tries: list[CallTry]) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if call.status == "open":
        rows.append(
            [
                InlineKeyboardButton(
                    "📞 " + tr.gettext("I'll call"), callback_data=CallClaim(call.id).encode()
                )
            ]
        )
    if tries and tries[-1].note_state == "waiting":
        label = "🗒 " + tr.gettext("No note")
        rows.append([InlineKeyboardButton(label, callback_data=CallNoNote(tries[-1].id).encode())])
    if call.status == "claimed":
        rows.append(
            [
                InlineKeyboardButton(
                    _outcome_label(tr, o), callback_data=CallOutcome(o, call.id).encode()
                )
                for o in OUTCOMES
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


async def deliver(
    bot: ExtBot[None], services: Services, group: StaffGroup, p: dict[str, Any]
) -> None:
    """Post a call's card, or the reminder that nobody took it in time (an outbox row)."""
    call = await services.callbacks.get(int(p["call_id"]))
    if call is None or services.staff_chat_id is None:
        return
    tr = services.staff_translator()
    markup: InlineKeyboardMarkup | None
    if p.get("what") == "late":
        if call.status != "open":
            return  # taken meanwhile
        text = "⏰ " + tr.gettext(
            "Nobody has taken this call-back request and its time has passed (%(time)s). Who can call?"
        ) % {"time": call_time_text(tr, services, call)}
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        "📞 " + tr.gettext("I'll call"), callback_data=CallClaim(call.id).encode()
                    )
                ]
            ]
        )
    else:
        text, markup = await card(services, call)
    thread_id = await services.callbacks.thread_id(call)
    thread = await group.thread(thread_id) if thread_id is not None else None
    if thread is not None:
        sent = await group.say(thread, text, reply_markup=markup)
    else:
        sent = await bot.send_message(services.staff_chat_id, text, reply_markup=markup)
    if p.get("what") != "late":
        await services.callbacks.set_card(call.id, sent.chat_id, sent.message_id)


async def redraw(bot: ExtBot[None], services: Services, call_id: int) -> None:
    call = await services.callbacks.get(call_id)
    if call is None or call.card_chat_id is None or call.card_message_id is None:
        return
    text, markup = await card(services, call)
    with contextlib.suppress(BadRequest):  # not modified, or the card is gone
        await bot.edit_message_text(
            text, call.card_chat_id, call.card_message_id, reply_markup=markup
        )


async def _refused(update: Update, ctx: BotContext) -> bool:
    """Refuse (answer and audit) a press outside the staff group or by a non-member."""
    chat, user = update.effective_chat, update.effective_user
    services = ctx.services
    tr = services.staff_translator()
    reason = (
        await services.staff.refusal(user.id, chat.id if chat else None, "call")
        if user is not None
        else "role"
    )
    if reason == "outside":
        await refuse_press(update, ctx, reason, tr=tr)
    elif reason is not None:
        text = tr.gettext("You are not allowed to do this.")
        await refuse_press(update, ctx, reason, tr=tr, text=text, alert=True)
    return reason is not None


async def _after(update: Update, ctx: BotContext, result: Claim, done_text: str) -> None:
    services = ctx.services
    tr = services.staff_translator()
    call = result.call
    request_id = call.request_id if call else None
    if result.outcome == "taken" and call is not None:
        member = services.staff.member(call.claimed_by)  # an answer is plain text
        text = tr.gettext("%(name)s has taken this call.") % {
            "name": member.name if member else "—"
        }
        await refuse_press(
            update, ctx, "not-theirs", tr=tr, request_id=request_id, text=text, alert=True
        )
    elif result.outcome != "done" or call is None:
        await refuse_press(update, ctx, "stale", tr=tr, request_id=request_id)
    else:
        await answer_query(update.callback_query, done_text)
    if call is not None:
        await redraw(ctx.bot, services, call.id)


async def claim_call(update: Update, ctx: BotContext, button: CallClaim) -> None:
    """A staff member takes the call ("I'll call")."""
    if await _refused(update, ctx):
        return
    assert update.effective_user is not None
    services = ctx.services
    result = await services.callbacks.claim(button.call_id, update.effective_user.id)
    tr = services.staff_translator()
    await _after(update, ctx, result, tr.gettext("It is yours: the beneficiary was told."))


async def record_try(update: Update, ctx: BotContext, button: CallOutcome) -> None:
    """The caller records how a try went; a note is their next message here."""
    if await _refused(update, ctx):
        return
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and update.effective_chat is not None
    message = query.message if isinstance(query.message, Message) else None
    place = (update.effective_chat.id, topic_key(message))
    services = ctx.services
    result = await services.callbacks.record(button.call_id, user.id, button.outcome, place)
    tr = services.staff_translator()
    await _after(update, ctx, result, tr.gettext("Noted. Type a note here, or press “No note”."))


async def skip_note(update: Update, ctx: BotContext, button: CallNoNote) -> None:
    """The caller has no note on their try."""
    if await _refused(update, ctx):
        return
    assert update.effective_user is not None
    services = ctx.services
    noted = await services.callbacks.add_note(button.try_id, update.effective_user.id, None)
    if noted is None:
        await refuse_press(update, ctx, "stale", tr=services.staff_translator())
        return
    await answer_query(update.callback_query)
    await redraw(ctx.bot, services, noted.callback_id)


async def take_note(ctx: BotContext, message: Message) -> bool:
    """A caller's typed note on their latest try; True if the message was one."""
    user = message.from_user
    if user is None or not message.text:
        return False
    services = ctx.services
    waiting = await services.callbacks.note_awaited(user.id, (message.chat.id, topic_key(message)))
    if waiting is None:
        return False
    noted = await services.callbacks.add_note(waiting.id, user.id, message.text.strip()[:1000])
    if noted is not None:
        # The card, redrawn, is the confirmation (no extra message in a rate-limited group).
        await redraw(ctx.bot, services, noted.callback_id)
    return True
