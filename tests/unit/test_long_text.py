"""Long HTML is cut between whole lines, measured as Telegram measures it, and stays valid."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.long_text import LIMIT, fit_html, split_html, visible_length

USER_TEXT = st.lists(
    st.sampled_from([*"ab &<>\"'é", "ع", "ل", "😀", "👨‍👩‍👧", "\u200f", "x" * 50]),
    max_size=300,
).map("".join)


def _line(kind: int, text: str) -> str:
    safe = html.escape(text, quote=False)
    return [
        safe,
        f"<b>{safe}</b>",
        f"• <b>Label:</b> {safe}",
        f'<a href="https://t.me/c/1/2">{safe}</a>',
        f"<code>{safe}</code> — <i>{safe}</i>",
    ][kind % 5]


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def _well_formed(markup: str) -> bool:
    parser = _Balance()
    parser.feed(markup)
    parser.close()
    # A bare "&" or "<" would be a parse error for Telegram: every one must be escaped.
    bare = markup.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    return parser.ok and not parser.stack and "&" not in bare


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), USER_TEXT), max_size=40))
def test_every_message_fits_and_is_well_formed(parts: list[tuple[int, str]]) -> None:
    lines = [_line(kind, text) for kind, text in parts]
    messages = split_html(lines)
    for message in messages:
        assert visible_length(message) <= LIMIT
        assert _well_formed(message)
    fitted = fit_html(lines)
    assert visible_length(fitted) <= LIMIT and _well_formed(fitted)
    closed = fit_html(lines, tail="<i>From the guide.</i>")
    assert visible_length(closed) <= LIMIT and closed.endswith("\n\n<i>From the guide.</i>")
    if all(visible_length(line) <= LIMIT for line in lines):
        # Nothing is lost between messages: the lines come back in order.
        assert "\n".join(messages) == "\n".join(lines)


def test_a_cut_never_falls_inside_a_tag_or_an_entity() -> None:
    line = "<b>" + "&amp;" * 3000 + "</b>"  # 3,000 visible characters, 15,000 of markup
    messages = split_html([line, line])
    assert messages == [line, line]
    fitted = fit_html([line, line])
    assert fitted == f"{line}\n…"
    emoji = "😀" * 2100  # 4,200 UTF-16 units: too long alone, cut as plain text
    (only,) = split_html([f"<i>{emoji}</i>"])
    assert only.startswith("😀") and only.endswith("…") and "<i>" not in only
    assert visible_length(only) <= LIMIT
