"""The main menu, help, contact details, and what to do with a message outside the form."""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BotContext
from bot.i18n import N_, ltr
from handlers.buttons import answer_query, refuse_press
from handlers.common import main_menu, reply


async def show_menu(update: Update, ctx: BotContext) -> None:
    """Shows the main menu."""
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    await reply(update, tr.gettext("How can we help you?"), main_menu(tr))


# The commands a beneficiary has: the help screen and Telegram's command menu both list them.
COMMANDS = (
    ("new", N_("apply for support")),
    ("myrequests", N_("see your requests and their status")),
    ("status", N_("the steps of your latest request")),
    ("talk", N_("talk to a member of the association's team")),
    ("suggest", N_("send the association a suggestion")),
    ("mydata", N_("see, correct or delete the data we hold about you")),
    ("language", N_("change the language")),
    ("cancel", N_("stop the form you are filling in")),
    ("start", N_("the main menu")),
    ("help", N_("how to use this bot")),
)


async def show_help(update: Update, ctx: BotContext) -> None:
    """Explains the commands."""
    tr = await ctx.translator(update)
    lines = ["<b>" + tr.gettext("How to use this bot") + "</b>"]
    # The text comes first so that an Arabic line starts right-to-left.
    lines += [f"{tr.gettext(text)}: /{name}" for name, text in COMMANDS if name != "help"]
    lines += [
        "",
        tr.gettext("You can also type a question: I answer from the association's guides."),
    ]
    await reply(update, "\n".join(lines), main_menu(tr))


async def show_contact(update: Update, ctx: BotContext) -> None:
    """Lists the association's contact channels from its profile."""
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    _ = tr.gettext
    association = ctx.services.profile.association
    contact = association.contact
    lines = [
        f"<b>{html.escape(association.name.get(tr.locale))}</b>",
        _("License number: %(number)s") % {"number": ltr(html.escape(association.license_number))},
        _("Service area: %(area)s")
        % {"area": html.escape(association.service_area.get(tr.locale))},
        "",
    ]
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


async def answer_stale_press(update: Update, ctx: BotContext) -> None:
    """Answers a press no handler takes (an old or forged button), so the spinner stops,
    and audits who made it."""
    await refuse_press(update, ctx, "unknown")
