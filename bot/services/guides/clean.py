"""Conversion debris in guides exported from Word or scanned: letterheads, contents, split words.

Decisions:

* **Letterhead.** A short line that comes back three times or more, or twice as part of a
  block of such lines, is page furniture.  A short line sandwiched between two of them is
  too: OCR spells the same letterhead line differently on each page («بغميقه», «بعمقية»).
  The first block is kept once (``Cleaned.letterhead``): it holds the association's name
  and licence number, which beneficiaries ask about.  Empty form labels in it («الرقم:»,
  «التاريخ :») are dropped.
* **Contents.** A line with a page number after a tab or dot leaders («3\\tتمهيد»,
  «تمهيد ..... 3»), Word's «Error! Bookmark not defined.», and the contents heading itself
  are removed; their titles are returned (``Cleaned.contents``) because they name the
  headings of the body.
* **Split words.** A lone Arabic letter other than و glues to the word before it
  («مختل ف» → «مختلف»); two pieces glue when together they make a word the guide uses
  elsewhere and one piece alone is not («طال ب»).  A page number stuck to the next word
  («6.والممارسات») goes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from bot.services.guides.extract import Line
from bot.services.textnorm import clean_text, normalize_digits

__all__ = ["Cleaned", "clean_lines"]

_TOC_NUMBER_FIRST = re.compile(r"^\s*\d{1,4}\s*\t+\s*(?P<title>\S.*?)\s*$")
_TOC_NUMBER_LAST = re.compile(r"^\s*(?P<title>\S.*?)\s*(?:\t+|\.{3,}|…+|_{3,})\s*\d{1,4}\s*$")
_TOC_ERROR = re.compile(r"Error!\s*Bookmark not defined\.?|خطأ!\s*الإشارة المرجعية غير معرّفة\.?")
_TOC_HEADINGS = frozenset(
    {"جدول المحتويات", "المحتويات", "فهرس المحتويات", "الفهرس", "table of contents", "contents"}
)
_FILLER_LINE = re.compile(r"^[\s.\-_–—·•*=~]*$")
_FORM_LABEL = re.compile(r"^[^\W\d_][^:：]{0,20}\s*[:：]\s*$")
_STRAY_PAGE = re.compile(r"(?<![\w.])\d{1,3}\.(?=[\u0621-\u064a])")
_ARABIC_WORD = re.compile(r"^[\u0621-\u064a]+$")
_LONE_LETTER = re.compile(r"^[\u0621-\u064a]$")
SHORT_LINE_WORDS = 10


@dataclass
class Cleaned:
    """The lines of a guide without debris, with what was taken out."""

    lines: list[Line]
    letterhead: list[str] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    removed: Counter[str] = field(default_factory=Counter)


def clean_lines(lines: list[Line]) -> Cleaned:
    """Return the lines with letterheads, contents and split words dealt with."""
    removed: Counter[str] = Counter()
    contents: list[str] = []
    kept: list[Line] = []
    for line in lines:
        title = _contents_title(line.text)
        if title is not None:
            removed["contents"] += 1
            if title:
                contents.append(title)
            continue
        kept.append(line)
    repeated = _letterhead_flags([_key(line.text) for line in kept], kept)
    letterhead: list[str] = []
    first_block = True
    body: list[Line] = []
    for line, is_letterhead in zip(kept, repeated, strict=True):
        if is_letterhead:
            removed["letterhead"] += 1
            text = clean_text(line.text)
            if first_block and not _FORM_LABEL.match(text) and not _FILLER_LINE.match(text):
                letterhead.append(text)
            continue
        if letterhead and line.text.strip():
            first_block = False
        body.append(line)
    vocabulary = _vocabulary(body)
    cleaned: list[Line] = []
    for line in body:
        text, joins = _mend_words(clean_text(line.text.replace("\t", " ")), vocabulary)
        removed["split words"] += joins
        if _FILLER_LINE.match(text) and text:
            removed["filler"] += 1
            continue
        cleaned.append(replace(line, text=text))
    return Cleaned(cleaned, letterhead, contents, removed)


def _contents_title(text: str) -> str | None:
    """Return the title of a contents line ("" for the contents heading), None otherwise."""
    plain = clean_text(normalize_digits(text.replace("\t", " \t ")))
    if plain.casefold().rstrip(":：-").strip() in _TOC_HEADINGS:
        return ""
    if _TOC_ERROR.search(text):
        return clean_text(_TOC_ERROR.sub("", text).replace("\t", " "))
    digits = normalize_digits(text)
    match = _TOC_NUMBER_FIRST.match(digits) or _TOC_NUMBER_LAST.match(digits)
    if match is None:
        return None
    return clean_text(match.group("title").replace("\t", " "))


def _key(text: str) -> str:
    """Return the line as compared for repetition: no spaces or digit differences."""
    return re.sub(r"\s+", " ", re.sub(r"\d", "0", normalize_digits(text))).strip()


def _short(text: str) -> bool:
    return 0 < len(text.split()) <= SHORT_LINE_WORDS


def _letterhead_flags(keys: list[str], lines: list[Line]) -> list[bool]:
    counts = Counter(k for k in keys if k)
    flags = [
        bool(k) and _short(k) and not line.bullet and not line.heading and counts[k] >= 2
        for k, line in zip(keys, lines, strict=True)
    ]
    # Twice is enough only inside a block of repeated lines (a heading may appear twice).
    for i, k in enumerate(keys):
        if (
            flags[i]
            and counts[k] == 2
            and not (_near_flag(flags, keys, i, -1) or _near_flag(flags, keys, i, 1))
        ):
            flags[i] = False
    # A short line right between two letterhead lines is one too (OCR varies it page by
    # page); a line set off by blank lines is the body's.
    for i, k in enumerate(keys[1:-1], 1):
        if flags[i] or not k or not _short(k) or lines[i].bullet:
            continue
        if flags[i - 1] and flags[i + 1]:
            flags[i] = True
    return flags


def _near_flag(flags: list[bool], keys: list[str], i: int, step: int) -> bool:
    """Tell whether the nearest non-blank line in direction step is flagged."""
    j = i + step
    while 0 <= j < len(keys) and not keys[j]:
        j += step
    return 0 <= j < len(keys) and flags[j]


def _vocabulary(lines: list[Line]) -> Counter[str]:
    words: Counter[str] = Counter()
    for line in lines:
        words.update(w for w in line.text.split() if _ARABIC_WORD.match(w))
    return words


def _mend_words(text: str, vocabulary: Counter[str]) -> tuple[str, int]:
    """Glue the pieces of words split by a stray space; drop page numbers stuck to words."""
    text = _STRAY_PAGE.sub("", text)
    words = text.split(" ")
    out: list[str] = []
    joins = 0
    for word in words:
        if out and _glue(out[-1], word, vocabulary):
            out[-1] += word
            joins += 1
            continue
        out.append(word)
    return " ".join(out), joins


def _glue(left: str, right: str, vocabulary: Counter[str]) -> bool:
    if not (_ARABIC_WORD.match(left) and _ARABIC_WORD.match(right)):
        return False
    lone = _LONE_LETTER.match(right) is not None and right != "و"
    return lone or _pieces_of_one_word(left, right, vocabulary)


def _pieces_of_one_word(left: str, right: str, vocabulary: Counter[str]) -> bool:
    if vocabulary[left + right] == 0:
        return False
    # «طال ب»: the whole is a word of the guide, and a piece on its own is not.
    return vocabulary[left] <= 1 or vocabulary[right] <= 1
