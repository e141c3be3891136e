"""Arabizi: Arabic typed in Latin letters with digits for the letters Latin lacks.

«wesh aw8at el dawam», «kam ya5ith wa2t», «abi a3ref». Written this way the question is
neither English nor Arabic to the ranker; it is read back into Arabic letters first.
Latin letters are ambiguous (t is ت or ط, s is س or ص, 2 is ء or a Gulf ق, a vowel
inside a word may be a long vowel or nothing), so ``spellings`` lists the Arabic words a
Latin word can be, and the answerer keeps the one its guides or lexicon know
(«talabi» → «طلبي», «wa2t» → «وقت»).  ``to_arabic`` is the plain reading, used when no
spelling is known.  This is a best effort, and the answer says so when it fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["looks_arabizi", "respell", "spellings", "to_arabic", "words"]

MAX_SPELLINGS = 512
# Letters and digraphs with more than one Arabic reading; the first is the usual one.
_CHOICES: dict[str, tuple[str, ...]] = {
    "sh": ("ش",),
    "kh": ("خ",),
    "gh": ("غ",),
    "th": ("ث", "ذ"),
    "dh": ("ذ", "ض", "ظ"),
    "ch": ("تش", "ش"),
    "aa": ("ا",),
    "ee": ("ي",),
    "ii": ("ي",),
    "oo": ("و",),
    "ou": ("و",),
    "2": ("ء", "ق", "ا"),
    "3": ("ع",),
    "5": ("خ",),
    "6": ("ط",),
    "7": ("ح",),
    "8": ("ق",),
    "9": ("ص",),
    "t": ("ت", "ط"),
    "s": ("س", "ص"),
    "d": ("د", "ض"),
    "z": ("ز", "ظ"),
    "h": ("ه", "ح"),
    "g": ("ق", "ج"),
    "k": ("ك", "ق"),
}

_DIGIT_LETTERS = re.compile(r"[a-z]+[2356789]|[2356789][a-z]+", re.IGNORECASE)
# Common Gulf words written in Latin letters that are not English words.
_MARKERS = frozenset(
    [
        "wesh",
        "wsh",
        "esh",
        "shu",
        "shlon",
        "kaif",
        "keif",
        "kef",
        "abi",
        "abgha",
        "aby",
        "abga",
        "ana",
        "enta",
        "inta",
        "entum",
        "wain",
        "wein",
        "mata",
        "leish",
        "lesh",
        "ya3ni",
        "yaani",
        "inshallah",
        "insha",
        "wallah",
        "mashallah",
        "habibi",
        "shukran",
        "3afwan",
        "ahlan",
        "marhaba",
        "salam",
        "alsalam",
        "alaikum",
        "3alaikum",
        "tayeb",
        "zain",
        "zen",
        "momken",
        "mumkin",
        "hal",
        "fee",
        "fi",
        "3indkum",
        "3ndkm",
        "3ndk",
        "7ag",
        "7aq",
        "7agkum",
        "el",
        "al",
    ]
)
_SPECIAL = (
    ("sh", "ش"),
    ("kh", "خ"),
    ("gh", "غ"),
    ("th", "ث"),
    ("dh", "ذ"),
    ("ch", "تش"),
    ("3'", "غ"),
    ("aa", "ا"),
    ("ee", "ي"),
    ("ii", "ي"),
    ("oo", "و"),
    ("ou", "و"),
    ("ei", "ي"),
    ("ai", "ي"),
    ("ay", "ي"),
)
_LETTERS = {
    "2": "ء",
    "3": "ع",
    "5": "خ",
    "6": "ط",
    "7": "ح",
    "8": "ق",
    "9": "ص",
    "b": "ب",
    "t": "ت",
    "j": "ج",
    "g": "ق",
    "d": "د",
    "r": "ر",
    "z": "ز",
    "s": "س",
    "f": "ف",
    "q": "ق",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "h": "ه",
    "w": "و",
    "y": "ي",
    "p": "ب",
    "v": "ف",
    "c": "ك",
    "x": "كس",
}
_VOWELS = "aeiou"


def looks_arabizi(text: str) -> bool:
    """Tell whether Latin-letter text is more likely Arabizi than English."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    if not words:
        return False
    marked = sum(1 for w in words if _DIGIT_LETTERS.fullmatch(w) or _DIGIT_LETTERS.search(w))
    marked += sum(1 for w in words if w in _MARKERS)
    return marked >= max(1, len(words) // 3)


def _word(word: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        special = next((ar for lat, ar in _SPECIAL if lat == pair), None)
        if special is not None:
            out.append(special)
            i += 2
            continue
        ch = word[i]
        if ch in _VOWELS:
            # A vowel that starts the word is written (as alef, or و/ي); inside, it is not.
            if i == 0:
                out.append({"o": "و", "u": "و", "i": "ا", "e": "ا"}.get(ch, "ا"))
            elif i == len(word) - 1 and ch in "ae":
                out.append("ه" if ch == "a" else "ي")
            elif ch in "iu" and i == len(word) - 1:
                out.append("ي" if ch == "i" else "و")
        elif ch in _LETTERS:
            out.append(_LETTERS[ch])
        i += 1
    return "".join(out)


def _pieces(word: str) -> list[tuple[str, ...]]:
    """Return, letter by letter, the Arabic readings of a Latin word."""
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair in _CHOICES and len(pair) == 2:
            out.append(_CHOICES[pair])
            i += 2
            continue
        ch = word[i]
        last = i == len(word) - 1
        if ch in _VOWELS:
            if i == 0:
                out.append(("ا", "و") if ch in "ou" else ("ا", "ي") if ch in "ie" else ("ا",))
            elif last:
                out.append(("ا", "ه", "ي", "ة") if ch in "ae" else ("ي",) if ch == "i" else ("و",))
            else:
                long = "ا" if ch == "a" else "و" if ch in "ou" else "ي"
                out.append(("", long))
        elif ch in _CHOICES:
            out.append(_CHOICES[ch])
        elif ch in _LETTERS:
            out.append((_LETTERS[ch],))
        i += 1
    return out


def spellings(word: str) -> list[str]:
    """Return the Arabic words a Latin-letter word can be (at most MAX_SPELLINGS)."""
    found = [""]
    for readings in _pieces(word.lower()):
        found = [f + r for f in found for r in readings][:MAX_SPELLINGS]
    return [f for f in found if f]


def words(text: str) -> list[tuple[bool, str]]:
    """Return the Latin words of text, each marked with whether an article came before it."""
    out: list[tuple[bool, str]] = []
    article = False
    for word in re.findall(r"[a-z0-9']+", text.lower()):
        if word in ("el", "al", "il"):
            article = True
            continue
        out.append((article, word))
        article = False
    return out


_WORD = re.compile(r"\b(?:(el|al|il)\s+)?([a-z0-9']+)", re.I)


def respell(text: str, spell: Callable[[str], str]) -> str:
    """Return text with each Latin word replaced by spell(word) and its article as «ال».

    Everything else stays where it was: punctuation and line breaks (they cut the message
    into clauses), and numbers («200 riyal» is 200 riyals, not «ء»).
    """

    def one(match: re.Match[str]) -> str:
        article, word = match.group(1), match.group(2)
        if word.isdigit():
            return match.group(0)
        return ("ال" if article else "") + spell(word.lower())

    return _WORD.sub(one, text)


def to_arabic(text: str) -> str:
    """Return Arabizi text in Arabic letters (English words come out garbled: use on Arabizi)."""
    return " ".join(("ال" if article else "") + _word(word) for article, word in words(text))
