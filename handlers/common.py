"""Small pieces every private-chat handler uses: HTML escaping, the main menu, replying."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.i18n import Translator, isolate
from handlers.buttons import (
    MENU_CALL,
    MENU_CONTACT,
    MENU_INTERVIEW,
    MENU_LANGUAGE,
    MENU_MINE,
    MENU_NEW,
    MENU_POLICY,
    MENU_SUGGEST,
    MENU_TALK,
    MENU_VOLUNTEER,
)


def esc(value: object) -> str:
    """Escape a value for HTML parse mode and isolate its direction."""
    return isolate(html.escape(str(value), quote=False))


def main_menu(tr: Translator) -> InlineKeyboardMarkup:
    _ = tr.gettext
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("📝 " + _("New support request"), callback_data=MENU_NEW.data)],
            [InlineKeyboardButton("📂 " + _("My requests"), callback_data=MENU_MINE.data)],
            [InlineKeyboardButton("🙋 " + _("Talk to a person"), callback_data=MENU_TALK.data)],
            [InlineKeyboardButton("📞 " + _("Request a call"), callback_data=MENU_CALL.data)],
            [
                InlineKeyboardButton(
                    "🗓 " + _("Book an interview"), callback_data=MENU_INTERVIEW.data
                )
            ],
            [
                InlineKeyboardButton(
                    "🤝 " + _("Volunteer with us"), callback_data=MENU_VOLUNTEER.data
                )
            ],
            [
                InlineKeyboardButton("💡 " + _("Suggestions"), callback_data=MENU_SUGGEST.data),
                InlineKeyboardButton("📜 " + _("Our policy"), callback_data=MENU_POLICY.data),
            ],
            [
                InlineKeyboardButton("🌐 " + _("Language"), callback_data=MENU_LANGUAGE.data),
                InlineKeyboardButton("☎️ " + _("Contact us"), callback_data=MENU_CONTACT.data),
            ],
        ]
    )


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Answer in the chat of the update (a message or a button press)."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(text, reply_markup=markup)
