"""Arabic (and English) text as a search engine sees it: normalised, tokenised and stemmed.

Decisions:

* ``fold`` unifies the spellings people mix on phones: diacritics and tatweel go, every
  alef form becomes ``ا``, ``ى`` becomes ``ي``, the hamza seats ``ؤ ئ ء`` become one ``ء``
  (so مسؤول and مسئول meet), Arabic-Indic digits become ASCII and Latin letters lower case.
  ``ة`` is *kept*: folding it into ``ه`` first would let the stemmer take a root letter
  for a pronoun.  Instead ``stem`` removes a final ``ة`` and a final ``ه`` alike, so
  «الإعانة» and «الاعانه» reach the same stem, and ``surface`` folds ``ة`` into ``ه`` only
  for whole-word comparison.
* ``stem`` is a light stemmer (prefixes: conjunctions, prepositions and the article;
  suffixes: pronouns, plural and feminine endings), never a root extractor: it keeps
  «تقديم» and «قديم» apart.  ``skeleton`` goes further for matching only: it also drops a
  verb's person prefix and the long vowels inside the word, so «يعاقبون» and «العقاب»,
  «يردون» and «الرد», «التوقيع» and «اوقع» meet.  The ranker trusts it less than a stem.
* Tokens are runs of letters or of digits; «6.والممارسات» is two tokens, «(5389)» one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.services.textnorm import TATWEEL, normalize_digits

__all__ = [
    "arabic_share",
    "fold",
    "is_arabic_word",
    "skeletons",
    "stem",
    "surface",
    "tokens",
    "variants",
]

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh, common from some keyboards
        "ک": "ك",  # Persian kaf
        "ؤ": "ء",
        "ئ": "ء",
        TATWEEL: None,
        "\u200c": None,  # zero-width non-joiner and joiner: inside a word, it is one word
        "\u200d": None,
    }
)
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]+")
_TOKEN = re.compile(r"[a-z]+|[\u0621-\u064a]+|[0-9]+")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[a-z]")

# Longest first: the stemmer takes the first that leaves enough of the word.
_ARTICLES = ("وبال", "وكال", "فبال", "وال", "بال", "كال", "فال", "ولل", "لل", "ال")
# Longest first, as above. Pronouns are the suffixes after which a ة shows as ت.
_PRONOUNS = frozenset(
    [
        "كموها",
        "تموها",
        "توها",
        "وني",
        "ني",
        "هما",
        "كما",
        "كم",
        "هم",
        "هن",
        "نا",
        "ها",
        "ه",
        "ي",
        "ك",
    ]
)
_SUFFIXES = tuple(
    [
        "كموها",
        "تموها",
        "توها",
        "وني",
        "ني",
        "هما",
        "كما",
        "تما",
        "كم",
        "هم",
        "هن",
        "نا",
        "ها",
        "ات",
        "ان",
        "ون",
        "ين",
        "يه",
        "ية",
        "يا",
        "وا",
        "ه",
        "ة",
        "ي",
        "ك",
    ]
)
_VERB_PREFIXES = ("ست", "ي", "ت", "ن", "ا")
# Words whose leading ال is part of the word, not the article.
_RADICAL_ARTICLE = ("الكترون",)
_LONG_VOWELS = str.maketrans("", "", "اوي")


def fold(text: str) -> str:
    """Return text with spelling variants unified (diacritics, alef/hamza forms, ى, digits)."""
    text = _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _DIACRITICS.sub("", unicodedata.normalize("NFC", text))
    return normalize_digits(text).translate(_FOLD).lower()


def tokens(text: str) -> list[str]:
    """Return the folded words and numbers of text, in order."""
    return _TOKEN.findall(fold(text))


def is_arabic_word(token: str) -> bool:
    return bool(_ARABIC_LETTER.match(token))


def arabic_share(text: str) -> float:
    """Return the share of letters in text that are Arabic (0 when there are none)."""
    folded = fold(text)
    arabic = len(_ARABIC_LETTER.findall(folded))
    latin = len(_LATIN_LETTER.findall(folded))
    return arabic / (arabic + latin) if arabic + latin else 0.0


def surface(token: str) -> str:
    """Return a folded token compared as a whole word: ة as ه, without the article."""
    token = token.replace("ة", "ه")
    for article in _ARTICLES:
        if token.startswith(article) and len(token) - len(article) >= 2:
            return token[len(article) :]
    return token


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Return the light stem of a folded token (English and numbers come back as they are)."""
    if not is_arabic_word(token) or len(token) <= 3:
        return token.replace("ة", "ه") if token.endswith("ة") else token
    word = token
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            word = word[len(article) :]
            break
    else:
        if word[0] in "وف" and len(word) >= 5 and not word.startswith(_RADICAL_ARTICLE):
            word = word[1:]
    if word.startswith(_RADICAL_ARTICLE[0][2:]):  # «الالكترونية»: the ال was the article
        word = "ال" + word
    word = _strip_suffixes(word)
    return word[:-1] + "ه" if word.endswith("ة") else word


def _strip_suffixes(word: str) -> str:
    pronoun = False
    for _ in range(2):  # «معاملاتهم»: the pronoun, then the plural
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                pronoun = pronoun or suffix in _PRONOUNS
                break
        else:
            break
    if pronoun and word.endswith("ت") and len(word) >= 4:  # «علاقتها»: ة before a pronoun
        word = word[:-1]
    return word


@lru_cache(maxsize=65536)
def variants(token: str) -> tuple[str, ...]:
    """Return the stem of token, then its stem if its first letter is a particle."""
    first = stem(token)
    if not is_arabic_word(token) or len(token) < 4 or token[0] not in "بلكوفه":
        return (first,)
    if token[0] == "ه" and not token.startswith("هال"):
        return (first,)
    # «للجنة» is ل + اللجنة with a lam dropped; «لدراسة» is ل + دراسة; «بيوصلني» is the
    # colloquial future ب + يوصلني; «هالسياسه» is the colloquial «هذه السياسة».
    rest = "ل" + token[2:] if token.startswith("لل") else token[1:]
    second = stem(rest)
    return (first,) if second == first or len(second) < 2 else (first, second)


@lru_cache(maxsize=65536)
def skeletons(token: str) -> frozenset[str]:
    """Return the token's stems without a verb's person prefixes and inner long vowels."""
    found: set[str] = set()
    for word in variants(token):
        if not is_arabic_word(word):
            found.add(word)
            continue
        for _ in range(3):
            key = word[0] + word[1:].translate(_LONG_VOWELS)
            if len(key) >= 3:  # two letters match too much («عن», «من», «رد»)
                found.add(key)
            prefix = next((p for p in _VERB_PREFIXES if word.startswith(p)), None)
            if prefix is None or len(word) - len(prefix) < 2:
                break
            word = word[len(prefix) :]
            if word.endswith(("ون", "ين")) and len(word) >= 5:
                word = word[:-2]
    return frozenset(found)
