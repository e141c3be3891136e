"""What a muted beneficiary is told: once when muted, then at most once a day (staff mute
from the beneficiary's topic: handlers.staff.mutes)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.mutes import MUTED, UNMUTED
from handlers.buttons import MENU_CONTACT
from handlers.common import reply

MUTE_NOTICES = (MUTED, UNMUTED)


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
