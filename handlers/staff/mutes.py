"""/mute REASON and /unmute: staff stop and restart relaying a beneficiary from their topic
(reversible, audited); the beneficiary's side is handlers.beneficiary.mutes."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import BotContext, Services
from bot.services.policy import Duty
from domain.models import StaffThread
from handlers.common import esc
from handlers.staff.commands import permitted

MAX_REASON = 500


async def mute_sender(update: Update, ctx: BotContext) -> None:
    """Stops relaying the topic's beneficiary to staff, for the reason typed after /mute."""
    if not await permitted(update, ctx, Duty.MUTE_SENDERS):
        return
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = ctx.services
    tr = services.staff_translator()
    thread = await _thread_or_refuse(ctx, message, user.id, "mute")
    if thread is None:
        return
    reason = _argument(message)
    if not reason:
        await message.reply_text(
            tr.gettext(
                "Write the reason after the command, e.g. /mute insults the staff. Staff see it; the beneficiary does not."
            ),
            do_quote=False,
        )
        return
    mute, new = await services.mutes.mute(thread, reason[:MAX_REASON], user.id)
    name = _name(services, mute.muted_by)
    if not new:
        text = "🔇 " + tr.gettext("Already muted since %(date)s by %(name)s: %(reason)s") % {
            "date": tr.both_dates(mute.muted_at.astimezone(services.requests.tz).date()),
            "name": name,
            "reason": esc(mute.reason),
        }
        await message.reply_text(text, do_quote=False)
        return
    text = "🔇 " + tr.gettext("Muted by %(name)s: %(reason)s") % {
        "name": name,
        "reason": esc(mute.reason),
    }
    text += "\n" + tr.gettext(
        "Their messages no longer reach this topic. They are told once how else to reach the association, then reminded at most once a day. The guides still answer them, and notices about their requests still go out. /unmute lifts it."
    )
    await message.reply_text(text, do_quote=False)


async def unmute_sender(update: Update, ctx: BotContext) -> None:
    """Lifts the mute of the topic's beneficiary."""
    if not await permitted(update, ctx, Duty.MUTE_SENDERS):
        return
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = ctx.services
    tr = services.staff_translator()
    thread = await _thread_or_refuse(ctx, message, user.id, "unmute")
    if thread is None:
        return
    if await services.mutes.unmute(thread, user.id) is None:
        await message.reply_text(tr.gettext("This beneficiary is not muted."), do_quote=False)
        return
    text = "🔊 " + tr.gettext(
        "Unmuted by %(name)s. Their messages reach this topic again; they were told."
    ) % {"name": _name(services, user.id)}
    await message.reply_text(text, do_quote=False)


async def _thread_or_refuse(
    ctx: BotContext, message: Message, user_id: int, action: str
) -> StaffThread | None:
    """The beneficiary's thread the command was sent in; elsewhere it is refused (audited)."""
    services = ctx.services
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    topic = message.message_thread_id if message.is_topic_message else None
    thread = await services.relay.thread_at(message.chat.id, topic, reply_to)
    if thread is not None:
        return thread
    await services.staff.refuse(user_id, message.chat.id, action, "no_thread")
    await message.reply_text(
        services.staff_translator().gettext(
            "Send this in the beneficiary's topic (or, without topics, as a reply to their card)."
        ),
        do_quote=False,
    )
    return None


def _argument(message: Message) -> str:
    """What follows the command, line breaks kept (ctx.args would join it with spaces)."""
    command, _, rest = (message.text or "").partition(" ")
    if "\n" in command:
        rest = command.split("\n", 1)[1] + " " + rest
    return rest.strip()


def _name(services: Services, staff_id: int) -> str:
    member = services.staff.member(staff_id)
    return esc(member.name) if member is not None else "—"
