"""Headings that plain text marks with numbers and ordinals, given the level they show.

A .txt or .pdf guide has no heading styles, but its numbering says what a heading is and
how deep: «أولاً: التعريفات», «الباب الثاني», «المادة الخامسة: …» open a part, and «7-2
قائمة الانتظار» or «3.1 Eligibility» a subsection of part 7.  A single number («1- …») is
a list item as often as a heading and is left to the list rules.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.services.guides.extract import Line

__all__ = ["mark_numbered_headings"]

_TENS = r"(?:عشرون|عشرين|ثلاثون|ثلاثين|اربعون|اربعين|خمسون|خمسين)"
# «ثالث عشر», «حادي وعشرون», and the tens alone («عشرون:», «الثلاثون»).
_ORDINAL = (
    r"(?:(?:ال)?(?:اول|ثان|ثالث|رابع|خامس|سادس|سابع|ثامن|تاسع|عاشر|حادي|ثاني)[اىيةه]?[اًٌ]?"
    rf"(?:\s+(?:و)?(?:ال)?(?:عشر|عشرة|{_TENS}))?|(?:ال)?{_TENS})"
)
# «أولاً:», «ثاني عشر -», «الباب الأول», «المادة الخامسة:», "Part 2", "Section 3:"
_PART = re.compile(
    rf"^(?:(?:الباب|الفصل|القسم|الجزء|المادة|البند)\s+{_ORDINAL}|{_ORDINAL}|"
    r"(?:part|section|chapter|article)\s+[0-9ivx]+)\s*[:：\-–—)]",
    re.IGNORECASE,
)
_PART_ALONE = re.compile(rf"^(?:الباب|الفصل|القسم|الجزء|المادة)\s+{_ORDINAL}\s*$")
# «7-2 قائمة الانتظار», «3.1.2 …»: two or more numbers, then words.
_SUBSECTION = re.compile(r"^([0-9٠-٩]{1,2}(?:\s*[-.]\s*[0-9٠-٩]{1,2})+)\s*[-.)]?\s+\D")
HEADING_WORDS = 12


def _fold(text: str) -> str:
    return re.sub("[أإآ]", "ا", text)


def mark_numbered_headings(lines: list[Line]) -> list[Line]:
    """Return lines with numbered and ordinal headings marked by their depth."""
    out = []
    for line in lines:
        text = line.text.strip()
        if line.heading or line.bullet or not text or len(text.split()) > HEADING_WORDS:
            out.append(line)
            continue
        folded = _fold(text)
        if text.endswith((".", "،")):
            out.append(line)
        elif _PART.match(folded) or _PART_ALONE.match(folded):
            out.append(replace(line, heading=2))
        elif sub := _SUBSECTION.match(text):
            depth = len(re.findall(r"[0-9٠-٩]+", sub.group(1)))
            out.append(replace(line, heading=1 + depth))
        else:
            out.append(line)
    return out
