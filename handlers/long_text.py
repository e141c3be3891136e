"""The one way to send long HTML: whole lines, never a cut inside a tag or an entity.

Telegram refuses a message whose HTML is cut inside ``<b>…</b>`` or ``&amp;`` ("can't find
end tag"), and its 4,096-character limit counts the text *after* the markup is parsed, in
UTF-16 code units (an emoji counts twice).  So messages are built from lines that are each
well-formed HTML, and measured as Telegram measures them:

* ``fit_html`` keeps as many whole lines as fit in one message and ends with "…" (a card,
  which carries buttons, stays one message);
* ``split_html`` spreads the lines over as many messages as they need (lists, reports);
* a single line too long on its own loses its markup and is cut as plain text, escaped
  again, so even that stays valid.
"""

from __future__ import annotations

import html
import re

__all__ = ["LIMIT", "fit_html", "split_html", "visible_length"]

LIMIT = 4096
_TAG = re.compile(r"<[^>]*>")
MORE = "…"


def visible_length(markup: str) -> int:
    """Return the length Telegram counts: text without tags, entities decoded, in UTF-16."""
    text = html.unescape(_TAG.sub("", markup))
    return len(text.encode("utf-16-le")) // 2


def _plain_cut(line: str, room: int) -> str:
    """Return a line too long for a message as escaped plain text that fits in room."""
    text = html.unescape(_TAG.sub("", line))
    out: list[str] = []
    used = 0
    for ch in text:
        width = len(ch.encode("utf-16-le")) // 2
        if used + width > room - 1:
            break
        out.append(ch)
        used += width
    return html.escape("".join(out), quote=False) + MORE


def split_html(lines: list[str], limit: int = LIMIT) -> list[str]:
    """Return the lines joined into messages of at most limit visible characters each."""
    messages: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        width = visible_length(line)
        if width > limit:
            line, width = _plain_cut(line, limit), limit
        # The line break joining it to the line before counts as one character.
        needed = width + (1 if current else 0)
        if current and used + needed > limit:
            messages.append("\n".join(current))
            current, used, needed = [], 0, width
        current.append(line)
        used += needed
    if current:
        messages.append("\n".join(current))
    return messages


def fit_html(lines: list[str], limit: int = LIMIT, *, tail: str = "") -> str:
    """Return as many whole lines as fit in one message, with "…" when some are left out,
    and tail (a closing line that must stay: the source, what to do next) after a blank line."""
    if tail:
        return f"{fit_html(lines, limit - visible_length(tail) - 2)}\n\n{tail}"
    messages = split_html(lines, limit - 2)  # room for a last line "…"
    if len(messages) <= 1:
        return messages[0] if messages else ""
    return f"{messages[0]}\n{MORE}"
