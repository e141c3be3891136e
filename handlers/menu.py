"""The main menu, help, contact details, and what to do with a message outside the form."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BotContext
from bot.i18n import ltr
from handlers.common import main_menu, reply


async def show_menu(update: Update, ctx: BotContext) -> None:
    """Shows the main menu."""
    if update.callback_query:
        await update.callback_query.answer()
    tr = await ctx.translator(update)
    await reply(update, tr.gettext("How can we help you?"), main_menu(tr))


async def show_help(update: Update, ctx: BotContext) -> None:
    """Explains the commands."""
    tr = await ctx.translator(update)
    _ = tr.gettext
    text = "\n".join(
        [
            "<b>" + _("How to use this bot") + "</b>",
            "/new — " + _("apply for support"),
            "/myrequests — " + _("see your requests and their status"),
            "/language — " + _("change the language"),
            "/cancel — " + _("stop the form you are filling in"),
            "/start — " + _("the main menu"),
        ]
    )
    await reply(update, text, main_menu(tr))


async def show_contact(update: Update, ctx: BotContext) -> None:
    """Lists the association's contact channels from its profile."""
    if update.callback_query:
        await update.callback_query.answer()
    tr = await ctx.translator(update)
    _ = tr.gettext
    association = ctx.services.profile.association
    contact = association.contact
    lines = [f"<b>{html.escape(association.name.get(tr.locale))}</b>"]
    if contact.phone:
        lines.append("☎️ " + _("Phone: %(phone)s") % {"phone": ltr(contact.phone)})
    if contact.whatsapp:
        lines.append("💬 " + _("WhatsApp: %(phone)s") % {"phone": ltr(contact.whatsapp)})
    if contact.email:
        lines.append("✉️ " + _("Email: %(email)s") % {"email": ltr(html.escape(contact.email))})
    if contact.website:
        lines.append("🌐 " + _("Website: %(url)s") % {"url": ltr(html.escape(contact.website))})
    if contact.address:
        lines.append("📍 " + html.escape(contact.address.get(tr.locale)))
    if contact.hours:
        lines.append("🕘 " + html.escape(contact.hours.get(tr.locale)))
    await reply(update, "\n".join(lines), main_menu(tr))


async def answer_outside_form(update: Update, ctx: BotContext) -> None:
    """Answers a message that is not part of a form with the menu."""
    tr = await ctx.translator(update)
    # Questions answered from the guides and the staff relay come in later issues.
    await reply(
        update, tr.gettext("I did not understand that. Please choose from the menu."), main_menu(tr)
    )
