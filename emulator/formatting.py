"""parse_mode handling: turn HTML / MarkdownV2 text into plain text plus entities.

Errors mimic Telegram's "can't parse entities" answers so bot bugs (an unescaped
``<`` in a user's name, a bare ``.`` in MarkdownV2) surface in tests.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from emulator.params import bad_request

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}

_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _error(what: str) -> Exception:
    return bad_request(f"can't parse entities: {what}")


class _HtmlToEntities(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pos16 = 0
        self.stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _error(f'Unsupported start tag "{tag}" at byte offset {self.pos16}')
        extra: dict[str, Any] = {}
        attr = dict(attrs)
        if tag == "a":
            extra["url"] = attr.get("href") or ""
        elif tag == "tg-emoji":
            extra["custom_emoji_id"] = attr.get("emoji-id") or ""
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            cls = attr.get("class") or ""
            if cls.startswith("language-"):
                self.stack[-1][2]["language"] = cls[len("language-") :]
            self.stack.append((tag, self.pos16, {"_nested": True}))
            return
        self.stack.append((tag, self.pos16, extra))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _error(f'Unsupported start tag "{tag}/" at byte offset {self.pos16}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _error(f"Unexpected end tag at byte offset {self.pos16}")
        open_tag, start, extra = self.stack.pop()
        if open_tag != tag:
            raise _error(
                f"Unmatched end tag at byte offset {self.pos16}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        if extra.pop("_nested", False) or self.pos16 == start:
            return
        entity: dict[str, Any] = {
            "type": _HTML_TAGS[tag],
            "offset": start,
            "length": self.pos16 - start,
        }
        entity.update(extra)
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.pos16 += utf16_len(data)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _HtmlToEntities()
    parser.feed(text)
    parser.close()
    if parser.stack:
        tag = parser.stack[-1][0]
        raise _error(f'Can\'t find end tag corresponding to start tag "{tag}"')
    parser.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), parser.entities


_MD_MARKS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
    "`": "code",
    "```": "pre",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """A compact MarkdownV2 reader: escapes, paired marks and [text](url) links."""
    out: list[str] = []
    offset = 0
    stack: list[tuple[str, int]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(text[i + 1])
            offset += utf16_len(text[i + 1])
            i += 2
            continue
        mark = next(
            (m for m in ("```", "__", "||", "*", "_", "~", "`") if text.startswith(m, i)), None
        )
        if mark is not None:
            if stack and stack[-1][0] == mark:
                _, start = stack.pop()
                if offset > start:
                    entities.append(
                        {"type": _MD_MARKS[mark], "offset": start, "length": offset - start}
                    )
            else:
                stack.append((mark, offset))
            i += len(mark)
            continue
        if ch == "[":
            stack.append(("[", offset))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[" and text.startswith("(", i + 1):
            close = text.find(")", i + 2)
            if close < 0:
                raise _error(f"Can't find end of a URL at byte offset {i}")
            _, start = stack.pop()
            entities.append(
                {
                    "type": "text_link",
                    "offset": start,
                    "length": offset - start,
                    "url": text[i + 2 : close],
                }
            )
            i = close + 1
            continue
        if ch in _MD_RESERVED:
            raise _error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(ch)
        offset += utf16_len(ch)
        i += 1
    if stack:
        raise _error(f"Can't find end of the entity starting at byte offset {stack[-1][1]}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def apply_parse_mode(
    text: str, parse_mode: str | None, entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) as Telegram would store them."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        plain = text.replace("*", "").replace("_", "").replace("`", "")
        return plain, []
    if isinstance(entities, list):
        return text, [e for e in entities if isinstance(e, dict)]
    return text, []


def command_entities(text: str) -> list[dict[str, Any]]:
    """A bot_command entity for text starting with '/'."""
    if not text.startswith("/"):
        return []
    word = text.split(maxsplit=1)[0] if text.split() else text
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]
