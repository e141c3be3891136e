"""Broadcasts from the staff group: /broadcast, a segment, the message, a preview, confirm.

Buttons: BroadcastSegment (bc:seg:<id>:<segment>) and BroadcastStep (bc:send|cancel|stop:<id>).
Only admins may broadcast (the policy's Duty.BROADCAST); every press is checked.
"""

from __future__ import annotations

import contextlib
import math

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext, Services
from bot.i18n import Translator
from bot.ratelimit import background
from bot.services.broadcasts import Progress, month_of
from bot.services.policy import Duty
from handlers.buttons import BroadcastSegment, BroadcastStep, answer_query
from handlers.staff.actions import topic_key
from handlers.staff.commands import permitted


def _button(label: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(label, callback_data=data)]


def segment_label(tr: Translator, segment: str) -> str:
    month = month_of(segment)
    if month is not None:
        return tr.gettext("beneficiaries whose service was delivered in %(month)s") % {
            "month": tr.month(month)
        }
    if segment == "open":
        return tr.gettext("beneficiaries with an open request")
    return tr.gettext("all beneficiaries")


async def start_broadcast(update: Update, ctx: BotContext) -> None:
    """Asks an admin who should receive the broadcast."""
    message = update.effective_message
    if (
        message is None
        or update.effective_user is None
        or not await permitted(update, ctx, Duty.BROADCAST)
    ):
        return
    services = ctx.services
    tr = services.staff_translator()
    bid = await services.broadcasts.begin(
        update.effective_user.id, message.chat.id, topic_key(message)
    )
    segments = ["everyone", "open"] + [f"delivered:{m:%Y-%m}" for m in services.broadcasts.months()]
    rows = []
    for segment in segments:
        count = len(await services.broadcasts.recipients(segment))
        label = f"{segment_label(tr, segment)} ({tr.number(count)})"
        rows.append(_button(label, BroadcastSegment(bid, segment).encode()))
    rows.append(_button(tr.gettext("Cancel"), BroadcastStep("cancel", bid).encode()))
    await message.reply_text(
        "📣 " + tr.gettext("Broadcast: who should receive it?"),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def on_button(
    update: Update, ctx: BotContext, button: BroadcastSegment | BroadcastStep
) -> None:
    """Acts on a broadcast button after checking that an admin pressed it."""
    if not await permitted(update, ctx, Duty.BROADCAST):
        return
    bid = button.broadcast_id
    if isinstance(button, BroadcastSegment):
        await _choose_segment(update, ctx, bid, button.segment)
    elif button.step == "send":
        await _send(update, ctx, bid)
    else:
        await _cancel(update, ctx, bid)


async def _choose_segment(update: Update, ctx: BotContext, bid: int, segment: str) -> None:
    query = update.callback_query
    assert query is not None
    tr = ctx.services.staff_translator()
    if not await ctx.services.broadcasts.choose_segment(bid, segment):
        await answer_query(query, tr.gettext("This broadcast was already sent or cancelled."))
        return
    await answer_query(query)
    text = "📣 " + tr.gettext(
        "Now send here the message for %(segment)s: a text, a photo or a document. Each beneficiary receives a copy of it as it is."
    ) % {"segment": segment_label(tr, segment)}
    markup = InlineKeyboardMarkup(
        [_button(tr.gettext("Cancel"), BroadcastStep("cancel", bid).encode())]
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


async def take_message(update: Update, ctx: BotContext) -> bool:
    """The admin's message after choosing a segment: answer with the preview to confirm."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return False
    services = ctx.services
    taken = await services.broadcasts.take_message(
        user.id, message.chat.id, topic_key(message), message.message_id
    )
    if taken is None:
        return False
    broadcast, count = taken
    tr = services.staff_translator()
    if count == 0:
        await services.broadcasts.cancel(broadcast.id)
        await message.reply_text(tr.gettext("Nobody is in this segment: nothing was sent."))
        return True
    send = tr.ngettext(
        "📣 Send to %(count)s beneficiary", "📣 Send to %(count)s beneficiaries", count
    ) % {"count": tr.number(count)}
    markup = InlineKeyboardMarkup(
        [
            _button(send, BroadcastStep("send", broadcast.id).encode()),
            _button(tr.gettext("Cancel"), BroadcastStep("cancel", broadcast.id).encode()),
        ]
    )
    await message.reply_text(tr.gettext("Preview: each beneficiary receives this message."))
    # The preview is a copy made the way each beneficiary's will be, buttons attached.
    await ctx.bot.copy_message(
        message.chat.id,
        message.chat.id,
        message.message_id,
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_markup=markup,
    )
    return True


async def _send(update: Update, ctx: BotContext, bid: int) -> None:
    query = update.callback_query
    assert query is not None
    services = ctx.services
    tr = services.staff_translator()
    progress = await services.broadcasts.progress(bid)
    if progress is None or progress.broadcast.state != "previewed":
        await answer_query(query, tr.gettext("This broadcast was already sent or cancelled."))
        return
    await answer_query(query)
    if isinstance(query.message, Message):
        with contextlib.suppress(BadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
        shown = await query.message.reply_text(progress_text(tr, services, progress))
        queued = await services.broadcasts.start(bid, shown.message_id)
        if queued is None:  # another admin's press got there first
            await shown.edit_text(tr.gettext("This broadcast was already sent or cancelled."))
            return
        await show_progress(ctx.bot, services, bid)


async def _cancel(update: Update, ctx: BotContext, bid: int) -> None:
    query = update.callback_query
    assert query is not None
    services = ctx.services
    tr = services.staff_translator()
    cancelled = await services.broadcasts.cancel(bid)
    if cancelled is None:
        await answer_query(query, tr.gettext("This broadcast was already sent or cancelled."))
        return
    await answer_query(query, tr.gettext("Stopped."))
    if (
        isinstance(query.message, Message)
        and query.message.message_id != cancelled.progress_message_id
    ):
        with contextlib.suppress(BadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await show_progress(ctx.bot, services, bid)


def progress_text(tr: Translator, services: Services, progress: Progress) -> str:
    broadcast, tally = progress.broadcast, progress.tally
    left = tally.left if broadcast.state == "sending" else 0
    lines = [
        "📣 "
        + tr.gettext("Broadcast to %(segment)s")
        % {"segment": segment_label(tr, broadcast.segment or "everyone")},
        tr.gettext("Sent: %(sent)s · Failed: %(failed)s · Left: %(left)s")
        % {
            "sent": tr.number(tally.sent),
            "failed": tr.number(tally.failed),
            "left": tr.number(left),
        },
    ]
    if broadcast.state == "cancelled":
        lines.append(
            tr.gettext("Stopped: %(count)s not sent.") % {"count": tr.number(tally.cancelled)}
        )
    elif broadcast.state == "done" or (broadcast.state == "sending" and left == 0):
        lines.append(tr.gettext("Finished."))
    elif broadcast.state == "sending":
        minutes = math.ceil(left / services.settings.outbox_rate / 60)
        lines.append(
            tr.ngettext("About %(count)s minute left.", "About %(count)s minutes left.", minutes)
            % {"count": tr.number(minutes)}
        )
    return "\n".join(lines)


async def show_progress(bot: Bot, services: Services, bid: int) -> None:
    """Edit the broadcast's progress message in place (unchanged text is no error)."""
    progress = await services.broadcasts.progress(bid)
    if progress is None or progress.broadcast.progress_message_id is None:
        return
    tr = services.staff_translator()
    running = progress.broadcast.state == "sending" and not progress.finished
    markup = (
        InlineKeyboardMarkup(
            [_button("⏹ " + tr.gettext("Stop"), BroadcastStep("stop", bid).encode())]
        )
        if running
        else None
    )
    with contextlib.suppress(BadRequest):
        await bot.edit_message_text(
            progress_text(tr, services, progress),
            progress.broadcast.chat_id,
            progress.broadcast.progress_message_id,
            reply_markup=markup,
        )


async def refresh_progress(ctx: BotContext) -> None:
    """The job: redraw every broadcast under way (and mark finished ones done)."""
    for progress in await ctx.services.broadcasts.under_way():
        with background():  # nobody waits for it: staff commands go first
            await show_progress(ctx.bot, ctx.services, progress.broadcast.id)
