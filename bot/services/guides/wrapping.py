"""Lines a plain-text or PDF guide wrapped at a width, joined back into their paragraphs.

A .txt saved from an e-mail or an editor that wraps, or a PDF's text, breaks a line every
60 to 130 characters inside sentences: stored a line a passage, a sentence is cut in two,
and a heading above a paragraph is missed (the paragraph's first line looks as short as
a heading).  A guide is *wrapped* when many of its lines end at one width: at least
WRAPPED_SHARE of its body lines within BAND of the 90th percentile of their lengths, that
width being at least MIN_WIDTH characters (a wrap leaves less than a word of slack; a
list of short items does not make a width).  Then a line that reaches NEAR of the width
and does not end a sentence («.», «؟», "?", "!", ":") goes on in the next line, unless
that one is blank, a heading or a list item.  A guide written a paragraph a line has
lines of every length and is left as it is.
"""

from __future__ import annotations

from dataclasses import replace

from bot.services.guides.extract import Line

__all__ = ["join_wrapped"]

NEAR = 0.7  # a line this close to the width (or longer) may have been wrapped
BAND = 0.8  # lines from this share of the width to the width end at it
WRAPPED_SHARE = 0.4  # of the body lines ending at the width: the guide was wrapped
MIN_WIDTH = 50
MIN_LINES = 8  # fewer body lines than this say nothing about a width
_ENDS = (".", "؟", "?", "!", ":", "؛")


def _body(line: Line) -> bool:
    return bool(line.text.strip()) and not line.heading and not line.bullet


def _width(lines: list[Line]) -> int | None:
    """The width the guide was wrapped at, or None when it was not wrapped."""
    lengths = sorted(len(line.text.strip()) for line in lines if _body(line))
    if len(lengths) < MIN_LINES:
        return None
    width = lengths[int(0.9 * (len(lengths) - 1))]
    at_width = sum(1 for n in lengths if BAND * width <= n <= width * 1.05)
    return width if width >= MIN_WIDTH and at_width >= WRAPPED_SHARE * len(lengths) else None


def join_wrapped(lines: list[Line]) -> list[Line]:
    """Return the lines with each wrapped paragraph on one line."""
    width = _width(lines)
    if width is None:
        return lines
    out: list[Line] = []
    going_on = False  # the last line out continues on the next one
    for line in lines:
        text = line.text.strip()
        if going_on and _body(line):
            out[-1] = replace(out[-1], text=f"{out[-1].text.rstrip()} {text}")
        else:
            out.append(line)
        going_on = _body(line) and len(text) >= NEAR * width and not text.endswith(_ENDS)
    return out
