"""Choosing the bot's language (/language)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import LOCALES
from handlers.buttons import SetLanguage, answer_query
from handlers.common import main_menu, reply

LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


async def ask_language(update: Update, ctx: BotContext) -> None:
    """Offers the languages the bot speaks."""
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(LANGUAGE_NAMES[loc], callback_data=SetLanguage(loc).encode())]
            for loc in LOCALES
        ]
    )
    await reply(update, tr.gettext("Choose your language:"), markup)


async def set_language(update: Update, ctx: BotContext, button: SetLanguage) -> None:
    """Stores the chosen language and answers in it."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    locale = button.locale
    services = ctx.services
    await ctx.locale(update)  # enrols a first-time user before the change
    await services.requests.set_locale(update.effective_user.id, locale)
    ctx.remember_locale(locale)
    tr = services.catalogs.get(locale)
    await answer_query(query, tr.gettext("Language changed."))
    lines = [tr.gettext("From now on I will write to you in English.")]
    if await services.requests.draft(update.effective_user.id) is not None:
        lines.append(tr.gettext("You have an unfinished request. Send /start to continue it."))
    await reply(update, "\n".join(lines), main_menu(tr))
