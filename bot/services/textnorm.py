"""Text normalisation for what beneficiaries type on phones (pure, no I/O).

Decisions:

* ``normalize_digits`` maps Arabic-Indic (U+0660..) and Extended/Persian (U+06F0..) digits
  to ASCII, the Arabic decimal separator ``٫`` to ``"."`` and the Arabic thousands separator
  ``٬`` to ``","``.  It never deletes anything: whether ``","`` is a thousands separator is
  for the parser of a particular field to decide (``parse_integer`` accepts it only in
  well-formed groups of three).  Other scripts' digits are left alone on purpose.
* ``clean_text`` keeps line breaks but collapses every run of them (with any blank lines)
  into a single ``"\\n"``; all other whitespace runs become one space.  It keeps ZWJ
  (emoji sequences) and ZWNJ (Persian/Urdu spelling) and the user's own digits.  A
  control character (NUL and the like) separates words as a space would; invisible marks
  (zero-width space, bidi controls) are removed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "BIDI_CONTROLS",
    "INVISIBLES",
    "TATWEEL",
    "clean_text",
    "normalize_digits",
    "strip_diacritics",
]

TATWEEL = "\u0640"
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)
# Characters that render as nothing (or as a blank) and only hide what a value really is.
INVISIBLES = (
    BIDI_CONTROLS
    | {TATWEEL}
    | frozenset(
        "\u200b\ufeff\u00ad"  # zero-width space, BOM / ZWNBSP, soft hyphen
        "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
        "\u180e"  # Mongolian vowel separator
        "\u115f\u1160\u3164\uffa0"  # Hangul fillers, a classic "blank name" trick
    )
)

_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_DIGIT_TABLE = str.maketrans(_DIGITS | {0x066B: ".", 0x066C: ","})

# Every line boundary str.splitlines() knows; they all become "\n".
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_HSPACE = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r" ?\n[\n ]*")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")


def normalize_digits(text: str) -> str:
    """Map Arabic-Indic/Persian digits and Arabic ٫ ٬ separators to ASCII ``0-9 . ,``."""
    return text.translate(_DIGIT_TABLE)


# What a character becomes: nothing (an invisible), or a space (a control character, the
# Unicode category Cc but tab and line feed: «Glucose<NUL>meter» was two words, not one).
_INVISIBLE_TABLE = str.maketrans(dict.fromkeys(map(ord, INVISIBLES)))
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """NFC, drop invisible/bidi characters and tatweel, controls as spaces, collapse
    whitespace, strip."""
    text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", _CONTROLS.sub(" ", text.translate(_INVISIBLE_TABLE)))
    text = _HSPACE.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def strip_diacritics(text: str) -> str:
    """Remove Arabic harakat, superscript alef and Quranic marks (hamza letters are kept)."""
    # NFC first, so that alef + U+0654 becomes أ rather than losing its hamza below.
    return _DIACRITICS.sub("", unicodedata.normalize("NFC", text))
