"""What kind of answer a question wants, and whether a passage has that kind of thing.

"How much / how many" wants a number, "when" and "how long" a time or a duration,
"where" a place.  A passage that holds such a thing («خلال (10) أيام», «حي الريان»,
«5,000 ريال») is a likelier answer than one that only shares the question's words.  The
words (reading.yaml) are the language's own question words and its common time and place
nouns, not any guide's.
"""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import pairwise

from bot.services.faq.arabic import fold, tokens
from bot.services.faq.lexicon import load_reading

__all__ = ["Want", "has", "wanted"]

_DIGIT = re.compile(r"[0-9]")


class Want(StrEnum):
    NUMBER = "number"
    TIME = "time"
    PLACE = "place"


def wanted(question: str) -> set[Want]:
    """Return the kinds of answer the question's own question words ask for."""
    words = tokens(question)
    pairs = {f"{a} {b}" for a, b in pairwise(words)}
    seen = set(words) | pairs | {w[1:] for w in words if w[:1] in "وف" and len(w) > 3}
    asks = load_reading().wants
    return {want for want in Want if seen & asks.get(want.value, frozenset())}


def has(text: str) -> set[Want]:
    """Return the kinds of answer a passage holds."""
    words = set(tokens(text))
    words |= {w[2:] for w in words if w.startswith("ال")}
    holds = load_reading().holds
    found = {want for want in Want if words & holds.get(want.value, frozenset())}
    if _DIGIT.search(fold(text)):
        found.add(Want.NUMBER)
    return found
