"""How a stored answer is shown: on the beneficiary's review screen and on the staff card."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from bot.i18n import Translator, ltr
from bot.profile import FieldKind, FormField, Profile
from handlers.common import esc


def answer_text(
    tr: Translator, profile: Profile, form_field: FormField, value: Any, limit: int = 300
) -> str:
    """Render a stored answer (escaped HTML), shortened to `limit` characters."""
    _ = tr.gettext
    if value is None:
        return _("(not provided)")
    kind = form_field.kind
    if kind is FieldKind.NUMBER:
        return tr.number(int(value))
    if kind is FieldKind.CHOICE:
        for option in profile.options_for(form_field):
            if option.key == value:
                return html.escape(option.label.get(tr.locale))
        return esc(value)
    if kind in (FieldKind.MOBILE, FieldKind.NATIONAL_ID):
        return ltr(html.escape(str(value)))
    if kind is FieldKind.DATE:
        return tr.both_dates(date.fromisoformat(value["gregorian"]))
    if kind in (FieldKind.PHOTO, FieldKind.DOCUMENT):
        if value.get("kind") == "photo":
            return "📷 " + _("a photo")
        return "📎 " + esc(value.get("file_name") or _("a file"))
    return esc(_shorten(str(value), limit))


def _shorten(text: str, limit: int) -> str:
    """Keep a long answer from pushing a screen past Telegram's 4,096 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
