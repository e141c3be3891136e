"""What the ranker knows about words: fillers to ignore and groups of words that mean the same.

The word lists live in ``lexicon.yaml`` beside this module (Gulf colloquial and English
to the guides' Modern Standard Arabic).  They are compared after ``fold`` and stemming,
so one entry covers the spellings and inflections the stemmer already unites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml

from bot.services.faq.arabic import fold, is_arabic_word, surface, tokens, variants

__all__ = ["Lexicon", "Reading", "english_stem", "load_lexicon", "load_reading"]

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
READING_FILE = Path(__file__).with_name("reading.yaml")
MAX_PHRASE = 3


def english_stem(word: str) -> str:
    """Return a crude English stem: enough to unite 'requests', 'requested' and 'request'."""
    if len(word) <= 3 or is_arabic_word(word) or word.isdigit():
        return word
    for ending, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            word = word[: -len(ending)] + replacement
            break
    # «settle» and «settled», «service» and «services» meet without the final e.
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def key_of(token: str) -> str:
    """Return the form a single word is looked up by."""
    return variants(token)[0] if is_arabic_word(token) else english_stem(token)


@dataclass
class Lexicon:
    """Fillers and synonym groups, indexed by the keys of their words."""

    fillers: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()
    groups: list[tuple[str, ...]] = field(default_factory=list)
    words: dict[str, list[int]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], list[int]] = field(default_factory=dict)

    def is_filler(self, token: str) -> bool:
        """Tell whether a folded word is a filler, also behind و ف ب («وبين», «بيجي»)."""
        if token in self.fillers or surface(token) in self.fillers:
            return True
        # A final ى typed as ا («متا» for «متى»), as phones often do.
        if len(token) > 2 and token.endswith("ا") and token[:-1] + "ي" in self.fillers:
            return True
        if len(token) > 3 and token[0] in "وفب" and is_arabic_word(token):
            if self.words.get(key_of(token)):
                return False  # a word of its own («ولدي», my son), not و + «لدي»
            rest = token[1:]
            return rest in self.fillers or surface(rest) in self.fillers
        return False

    def groups_of(self, keys: tuple[str, ...]) -> list[int]:
        """Return the groups a word (one key) or phrase (several) belongs to."""
        if len(keys) == 1:
            return self.words.get(keys[0], [])
        return self.phrases.get(keys, [])


def build_lexicon(
    fillers: list[str], groups: list[list[str]], question_words: Sequence[str] = ()
) -> Lexicon:
    asking = frozenset(fold(q).strip() for q in question_words if q)
    lexicon = Lexicon(
        fillers=frozenset(fold(f).strip() for f in fillers if f) | asking, question_words=asking
    )
    for members in groups:
        index = len(lexicon.groups)
        lexicon.groups.append(tuple(str(m) for m in members))
        for member in members:
            keys = tuple(key_of(t) for t in tokens(str(member)))
            if not keys or len(keys) > MAX_PHRASE:
                continue
            if len(keys) == 1:
                bucket = lexicon.words.setdefault(keys[0], [])
            else:
                bucket = lexicon.phrases.setdefault(keys, [])
            if index not in bucket:
                bucket.append(index)
    return lexicon


@cache
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Load the packaged word lists (once per process)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fillers = data.get("fillers") or {}
    asking = data.get("question_words") or {}
    words = [str(w) for lang in ("ar", "en") for w in (fillers.get(lang) or [])]
    questions = [str(w) for lang in ("ar", "en") for w in (asking.get(lang) or [])]
    groups = [[str(m) for m in group] for group in (data.get("synonyms") or []) if group]
    return build_lexicon(words, groups, questions)


@dataclass(frozen=True)
class Reading:
    """The words that show how a message is put together (reading.yaml), folded."""

    turns: frozenset[str]
    asking: frozenset[str]
    opening_auxiliaries: frozenset[str]
    story_openers: frozenset[str]
    social: frozenset[str]
    confirming: frozenset[str]
    wants: dict[str, frozenset[str]]  # "number" | "time" | "place" -> question words
    holds: dict[str, frozenset[str]]  # the same kinds -> words a passage holds them by

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Return every word the reading knows (an Arabizi word is spelt as one of them)."""
        return frozenset().union(
            self.turns,
            self.asking,
            self.opening_auxiliaries,
            self.story_openers,
            self.social,
            self.confirming,
            *self.wants.values(),
        )


def _folded(words: list[object] | None) -> frozenset[str]:
    return frozenset(fold(str(w)).strip() for w in words or [] if str(w).strip())


@cache
def load_reading(path: Path = READING_FILE) -> Reading:
    """Load the packaged reading words (once per process)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Reading(
        turns=_folded(data.get("turns")),
        asking=_folded(data.get("asking")),
        opening_auxiliaries=_folded(data.get("opening_auxiliaries")),
        story_openers=_folded(data.get("story_openers")),
        social=_folded(data.get("social")),
        confirming=_folded(data.get("confirming")),
        wants={k: _folded(v) for k, v in (data.get("wants") or {}).items()},
        holds={k: _folded(v) for k, v in (data.get("holds") or {}).items()},
    )
