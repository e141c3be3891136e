"""The main menu and help."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import N_, ltr
from handlers.buttons import answer_query
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
    ("volunteer", N_("offer your time as a volunteer")),
    ("call", N_("ask the association's team to call you")),
    ("suggest", N_("send the association a suggestion")),
    ("mydata", N_("see, correct or delete the data we hold about you")),
    ("contact", N_("our phone numbers, branches and opening hours")),
    ("interview", N_("book an in-person interview at one of our branches")),
    ("policy", N_("your rights and our commitments, as our board approved them")),
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
    lines += [f"{tr.gettext(text)}: {ltr('/' + name)}" for name, text in COMMANDS if name != "help"]
    lines += [
        "",
        tr.gettext("You can also type a question: I answer from the association's guides."),
    ]
    await reply(update, "\n".join(lines), main_menu(tr))
