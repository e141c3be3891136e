"""Small pieces both sides use: HTML escaping, the main menu, replying, a request's
reference, the buttons under a conversation with staff, the invitation link's filter."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import filters

from bot.i18n import Translator, isolate, ltr
from bot.inbox import answer_unread
from bot.services.roster import INVITATION_PREFIX
from domain.models import Request
from handlers.buttons import (
    END_CONVERSATION,
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
    InfoDone,
)

# A staff invitation's deep link, "/start join_…" (or "/start@bot join_…"): the staff side
# takes it (handlers.staff.routes), the form's /start does not.
INVITATION_LINK = filters.Regex(rf"^/start(@\w+)?\s+{re.escape(INVITATION_PREFIX)}")


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


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat of the update (a message or a button press). The message sent is
    not read back: PTB would build it, keyboard and all, for no one."""
    chat = update.effective_chat
    assert chat is not None
    with answer_unread():
        await chat.send_message(text, reply_markup=markup)


def edited_content(message: Message) -> dict[str, object]:
    """An edited message's new text or caption, with its entities, as the relay stores it."""
    if message.text is not None:
        return {"text": message.text, "entities": [e.to_dict() for e in message.entities]}
    return {
        "caption": message.caption or "",
        "entities": [e.to_dict() for e in message.caption_entities],
    }


def reference(request: Request) -> str:
    """A request's reference as shown in a message: monospace, isolated in Arabic text."""
    return f"<code>{ltr(request.reference)}</code>"


def done_button(tr: Translator, request: Request) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + tr.gettext("Done, send it to the committee"),
                    callback_data=InfoDone(request.id, request.version).encode(),
                )
            ]
        ]
    )


def end_button(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🔚 " + tr.gettext("End the conversation"), callback_data=END_CONVERSATION.data
                )
            ]
        ]
    )
