"""Small pieces every private-chat handler uses: HTML escaping, the main menu, replying."""

from __future__ import annotations

import contextlib
import html

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.i18n import Translator, isolate


def esc(value: object) -> str:
    """Escape a value for HTML parse mode and isolate its direction."""
    return isolate(html.escape(str(value), quote=False))


def main_menu(tr: Translator) -> InlineKeyboardMarkup:
    _ = tr.gettext
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("📝 " + _("New support request"), callback_data="menu:new")],
            [InlineKeyboardButton("📂 " + _("My requests"), callback_data="menu:mine")],
            [InlineKeyboardButton("🙋 " + _("Talk to a person"), callback_data="menu:talk")],
            [InlineKeyboardButton("💡 " + _("Suggestions"), callback_data="menu:suggest")],
            [
                InlineKeyboardButton("🌐 " + _("Language"), callback_data="menu:language"),
                InlineKeyboardButton("☎️ " + _("Contact us"), callback_data="menu:contact"),
            ],
        ]
    )


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Answer in the chat of the update (a message or a button press)."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(text, reply_markup=markup)


async def answer_query(
    query: CallbackQuery | None, text: str | None = None, *, alert: bool = False
) -> None:
    """Acknowledge a button press; a press too old to answer is still acted on.

    Telegram refuses an answer after about 15 s or a second one: that happens to presses
    replayed after a crash or held during an outage, whose action must not be lost.
    """
    if query is None:
        return
    with contextlib.suppress(BadRequest):
        await query.answer(text, show_alert=alert)


async def answer_expired(
    query: CallbackQuery | None, tr: Translator, *, alert: bool = False
) -> None:
    """Answer a press that is old, forged or not the presser's: the button has expired."""
    await answer_query(query, tr.gettext("This button has expired."), alert=alert)


def parse_id(text: str) -> int | None:
    """Return an id written in callback data: 1 to 18 ASCII digits, else None.

    ``str.isdigit`` and ``int`` also take «١» and superscripts, and 20 digits overflow the
    database's integers: a forged press must parse to nothing, not to request 1.
    """
    if 0 < len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


def callback_ids(data: str | None, count: int) -> list[int] | None:
    """Return the ids after "<feature>:<action>:" in callback data, or None if malformed."""
    parts = (data or "").split(":")[2:]
    ids = [parse_id(p) for p in parts]
    if len(parts) != count or any(i is None for i in ids):
        return None
    return [i for i in ids if i is not None]
