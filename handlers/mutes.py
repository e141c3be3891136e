"""Unwanted senders: staff mute a beneficiary from their topic (/mute REASON, /unmute), and
what a muted beneficiary is told (once when muted, then at most once a day)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.mutes import MUTED, UNMUTED
from bot.services.policy import Duty
from handlers.buttons import MENU_CONTACT
from handlers.common import esc, reply
from handlers.staff_commands import permitted
from storage.models import StaffThread

MAX_REASON = 500
MUTE_NOTICES = (MUTED, UNMUTED)


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


# The beneficiary's side ----------------------------------------------------------------


def muted_text(tr: Translator, services: Services) -> str:
    """What a muted beneficiary is told: politely, without the staff's reason."""
    _ = tr.gettext
    lines = [
        "🔇 "
        + _(
            "For now, the association's team does not receive the messages you write here. Your questions are still answered from the association's guides, and you will still be told about your requests."
        ),
        "",
        _("To reach the association:"),
    ]
    contact = services.profile.association.contact
    if contact.phone:
        lines.append("☎️ " + _("Phone: %(phone)s") % {"phone": ltr(contact.phone)})
    if contact.whatsapp:
        lines.append("💬 " + _("WhatsApp: %(phone)s") % {"phone": ltr(contact.whatsapp)})
    if contact.email:
        lines.append("✉️ " + _("Email: %(email)s") % {"email": ltr(html.escape(contact.email))})
    if contact.website:
        lines.append("🌐 " + _("Website: %(url)s") % {"url": ltr(html.escape(contact.website))})
    return "\n".join(lines)


def contact_button(tr: Translator) -> InlineKeyboardMarkup:
    label = "☎️ " + tr.gettext("Contact us")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=MENU_CONTACT.data)]])


def mute_notice(
    tr: Translator, services: Services, notice: object
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The notice of a mute, or of its end (queued by bot.services.mutes)."""
    if notice == MUTED:
        return muted_text(tr, services), contact_button(tr)
    return "🔊 " + tr.gettext(
        "The association's team receives the messages you write here again. To talk to a person, use the menu."
    ), None


async def is_muted(ctx: BotContext, user_id: int) -> bool:
    return await ctx.services.mutes.active(user_id) is not None


async def explain_mute(update: Update, ctx: BotContext, tr: Translator) -> bool:
    """Answer "Talk to a person" from a muted beneficiary (True) with how else to reach us."""
    user = update.effective_user
    if user is None or not await is_muted(ctx, user.id):
        return False
    await reply(update, muted_text(tr, ctx.services), contact_button(tr))
    return True


async def silenced(update: Update, ctx: BotContext, tr: Translator) -> bool:
    """Whether the beneficiary is muted (their message is then not relayed); they are
    reminded of it at most once a day."""
    user = update.effective_user
    services = ctx.services
    if user is None or not await is_muted(ctx, user.id):
        return False
    if await services.mutes.remind(user.id):
        await reply(update, muted_text(tr, services), contact_button(tr))
    return True
