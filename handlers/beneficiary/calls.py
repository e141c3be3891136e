"""The beneficiary's side of a call-back: pick a time in the team's hours, confirm the
number (or type another), and what they are told afterwards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.validators import ValidationError, parse_mobile
from handlers.buttons import CallNumber, CallTime, answer_query, refuse_press
from handlers.call_text import call_time_text, window_text
from handlers.common import main_menu, reply
from storage.callbacks import CallBack


def time_choices(tr: Translator, services: Services) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                "🕘 " + window_text(tr, services, w.start, w.end),
                callback_data=CallTime(*w.key).encode(),
            )
        ]
        for w in services.callbacks.windows()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                "⚡ " + tr.gettext("As soon as possible"), callback_data=CallTime(0, 0).encode()
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def ask_call_time(update: Update, ctx: BotContext) -> None:
    """Asks when the beneficiary wants to be called."""
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    services = ctx.services
    if services.staff_chat_id is None:
        text = tr.gettext(
            "Call-back requests are not available yet. Please use the contact details in the menu."
        )
        await reply(update, text, main_menu(tr))
        return
    waiting = await services.callbacks.waiting_for(user.id)
    if waiting is not None:
        text = tr.gettext(
            "You have already asked us to call you (%(time)s, on %(mobile)s). A member of the association's team will call you."
        ) % {"time": call_time_text(tr, services, waiting), "mobile": ltr(waiting.mobile or "")}
        await reply(update, "📞 " + text, main_menu(tr))
        return
    text = tr.gettext(
        "When should the association's team call you? These times are within our working hours."
    )
    await reply(update, "📞 " + text, time_choices(tr, services))


async def pick_call_time(update: Update, ctx: BotContext, button: CallTime) -> None:
    """Keeps the chosen time and asks to confirm the number."""
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    services = ctx.services
    window = services.callbacks.offered(button.start, button.end)
    if window is None or services.staff_chat_id is None:
        text = tr.gettext("This time is not available. Please choose another one.")
        await refuse_press(update, ctx, "stale", tr=tr, text=text, alert=True)
        await reply(update, "📞 " + text, time_choices(tr, services))
        return
    if await services.callbacks.waiting_for(user.id) is not None:
        await refuse_press(update, ctx, "stale", tr=tr)
        return
    await answer_query(update.callback_query)
    call = await services.callbacks.choose(user.id, window, asap=button.start == 0)
    await ask_number(update, tr, services, call)


async def ask_number(update: Update, tr: Translator, services: Services, call: CallBack) -> None:
    """Asks to confirm the number on record, or to type one."""
    if call.mobile is None:
        await reply(update, "📱 " + tr.gettext("Which mobile number should we call? Type it here."))
        return
    text = tr.gettext("Should we call you on %(mobile)s?") % {"mobile": ltr(call.mobile)}
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + tr.gettext("Yes, call this number"),
                    callback_data=CallNumber("yes", call.id).encode(),
                )
            ],
            [
                InlineKeyboardButton(
                    "✏️ " + tr.gettext("Another number"),
                    callback_data=CallNumber("other", call.id).encode(),
                )
            ],
        ]
    )
    await reply(update, "📱 " + text, markup)


async def confirm_number(update: Update, ctx: BotContext, button: CallNumber) -> None:
    """Confirms the number shown, or asks for another."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    tr = await ctx.translator(update)
    calls = ctx.services.callbacks
    if button.choice == "other":
        if not await calls.other_number(user.id, button.call_id):
            await refuse_press(update, ctx, "stale", tr=tr)
            return
        await answer_query(query)
        await reply(update, "📱 " + tr.gettext("Which mobile number should we call? Type it here."))
        return
    call = await calls.confirm(user.id, button.call_id)
    if call is None:
        await refuse_press(update, ctx, "stale", tr=tr)
        return
    await answer_query(query)
    await query.edit_message_reply_markup(None)
    await confirmed(update, tr, ctx.services, call)


async def confirmed(update: Update, tr: Translator, services: Services, call: CallBack) -> None:
    text = tr.gettext(
        "Thank you. We passed your request to the association's team: they will call you %(time)s on %(mobile)s. We will tell you when someone takes it."
    ) % {"time": call_time_text(tr, services, call), "mobile": ltr(call.mobile or "")}
    await reply(update, "📞 " + text, main_menu(tr))


async def take_number(update: Update, ctx: BotContext, tr: Translator) -> bool:
    """Takes a typed number for a call-back; True if the message was one."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return False
    services = ctx.services
    call = await services.callbacks.typing(user.id)
    if call is None:
        return False
    try:
        mobile = parse_mobile(message.text)
    except ValidationError:
        # The form's own sentence for the same mistake.
        text = tr.gettext(
            "Please send a Saudi mobile number, for example %(example)s or %(international)s."
        ) % {"example": ltr(tr.digits("0551234567")), "international": ltr("+966551234567")}
        await reply(update, text)
        return True
    done = await services.callbacks.confirm(user.id, call.id, mobile)
    if done is not None:
        await confirmed(update, tr, services, done)
    return True
