"""What kind of answer a question wants, and whether a passage has that kind of thing.

"How much / how many" wants a number, "when" and "how long" a time or a duration,
"where" a place.  A passage that holds such a thing («خلال (10) أيام», «حي الريان»,
«5,000 ريال») is a likelier answer than one that only shares the question's words.  The
word lists are the language's own question words and its common time and place nouns,
not any guide's.
"""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import pairwise

from bot.services.faq.arabic import fold, tokens

__all__ = ["Want", "has", "wanted"]


class Want(StrEnum):
    NUMBER = "number"
    TIME = "time"
    PLACE = "place"


_ASKS = {
    Want.NUMBER: {"كم", "وكم", "شقد", "قديش", "شكثر", "much", "many", "amount", "cost", "price"},
    Want.TIME: {
        "متى",
        "متي",
        "امتى",
        "ايمتى",
        "ومتى",
        "when",
        "long",
        "deadline",
        "often",
        "مدة",
        "مده",
        "كم يوم",
        "how long",
    },
    Want.PLACE: {"وين", "فين", "اين", "ووين", "وينكم", "وينه", "where", "address", "location"},
}
_TIME_WORDS = {
    "يوم",
    "ايام",
    "اليوم",
    "يوما",
    "يومين",
    "اسبوع",
    "اسبوعين",
    "اسبوعان",
    "اسابيع",
    "شهر",
    "اشهر",
    "شهرين",
    "سنة",
    "سنه",
    "سنوات",
    "سنتين",
    "ساعة",
    "ساعه",
    "ساعات",
    "صباحا",
    "مساء",
    "الاحد",
    "الخميس",
    "خلال",
    "قبل",
    "بعد",
    "موعد",
    "تاريخ",
    "سنويا",
    "شهريا",
    "اسبوعيا",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "hour",
    "hours",
    "within",
    "before",
    "after",
    "date",
}
_PLACE_WORDS = {
    "حي",
    "شارع",
    "طريق",
    "مدينة",
    "محافظة",
    "منطقة",
    "مقر",
    "فرع",
    "مبنى",
    "مركز",
    "عنوان",
    "الموقع",
    "بوابة",
    "street",
    "district",
    "city",
    "office",
    "branch",
    "address",
    "building",
}
_NUMBER = re.compile(r"[0-9٠-٩]")
_NUMBER_WORDS = {
    "واحد",
    "اثنين",
    "ثلاث",
    "ثلاثة",
    "اربع",
    "اربعة",
    "خمس",
    "خمسة",
    "ست",
    "ستة",
    "سبع",
    "سبعة",
    "ثمان",
    "ثمانية",
    "تسع",
    "تسعة",
    "عشر",
    "عشرة",
    "عشرين",
    "ثلاثين",
    "مئة",
    "مائة",
    "الف",
    "ريال",
    "ريالا",
    "نصف",
    "ربع",
}


def wanted(question: str) -> set[Want]:
    """Return the kinds of answer the question's own question words ask for."""
    words = tokens(question)
    pairs = {f"{a} {b}" for a, b in pairwise(words)}
    seen = set(words) | pairs | {w[1:] for w in words if w[:1] in "وف" and len(w) > 3}
    return {want for want, asks in _ASKS.items() if seen & asks}


def has(text: str) -> set[Want]:
    """Return the kinds of answer a passage holds."""
    words = set(tokens(text))
    bare = {w[2:] if w.startswith("ال") else w for w in words}
    found: set[Want] = set()
    if _NUMBER.search(fold(text)) or words & _NUMBER_WORDS:
        found.add(Want.NUMBER)
    if (words | bare) & _TIME_WORDS:
        found.add(Want.TIME)
    if (words | bare) & _PLACE_WORDS:
        found.add(Want.PLACE)
    return found
