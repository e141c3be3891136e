"""From a question to an answer, a short list to choose from, or an honest "not in the guides".

Decisions (the thresholds were set on the dev questions and checked for slack on both sides;
``python -m bot faq-eval`` prints the figures):

* **Answered** when the best passage covers at least ``CONFIDENT`` of the question's
  weighted words and no *different* passage comes close (``MARGIN``).
* **Unsure** ("Did you mean…") when the best covers at least ``POSSIBLE``: the best three
  distinct passages are offered, with a person.
* **Unanswered** below that: the guides do not say, and a person is offered.
* Passages that say the same thing (two guides of one association, a bullet repeated) are
  one answer: the ranking keeps the first and drops its near-copies, so "Did you mean…"
  never offers the same sentence twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.services.faq import arabizi
from bot.services.faq.arabic import arabic_share, tokens
from bot.services.faq.arabizi import looks_arabizi
from bot.services.faq.lexicon import Lexicon, load_lexicon
from bot.services.faq.ranker import Entry, Hit, Index, Ranking

__all__ = ["Answer", "Answerer", "Outcome", "Source"]

CONFIDENT = 0.6
POSSIBLE = 0.46
MARGIN = 0.85
SAME_TEXT = 0.8
CHOICES = 3


class Outcome(StrEnum):
    ANSWERED = "answered"
    UNSURE = "unsure"
    UNANSWERED = "unanswered"
    EMPTY = "empty"  # no word that could be a question: a greeting, emoji, punctuation


class Source(Protocol):
    """A passage as the answerer needs it (storage.guides.StoredPassage is one)."""

    @property
    def id(self) -> int: ...
    @property
    def heading(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def questions(self) -> tuple[str, ...]: ...
    @property
    def guide_title(self) -> str: ...


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    hits: list[Hit]  # distinct passages, best first (at most CHOICES)
    ranking: Ranking
    arabizi: bool = False

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def _views(source: Source) -> tuple[str, ...]:
    # The letterhead's section is headed by the guide's title: the title matches any
    # question about the policy, so it stays out of that passage's words.
    heading = "" if source.heading == source.guide_title else source.heading
    if source.questions:
        return (*source.questions, f"{heading}\n{source.text}")
    # The heading names what the passage is about: its words count twice.
    return (f"{heading}\n{heading}\n{source.text}",)


class Answerer:
    """An index of passages and the rules that turn a ranking into an outcome."""

    def __init__(self, sources: Sequence[Source], lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.index = Index([Entry(s.id, _views(s)) for s in sources], self.lexicon)
        self.words = {s.id: frozenset(tokens(s.text)) for s in sources}

    def answer(self, question: str) -> Answer:
        """Return what to tell the beneficiary who asked question."""
        arabizi = arabic_share(question) == 0 and looks_arabizi(question)
        if arabizi:
            question = self._read_arabizi(question)
        elif arabic_share(question) < 1:
            question = self._with_names(question)
        ranking = self.index.search(question, 12)
        if not ranking.concepts:
            return Answer(Outcome.EMPTY, [], ranking, arabizi)
        hits = self._distinct(ranking.hits)
        best = hits[0] if hits else None
        if best is None or best.coverage < POSSIBLE:
            return Answer(Outcome.UNANSWERED, hits, ranking, arabizi)
        rival = hits[1] if len(hits) > 1 else None
        clear = rival is None or rival.score < MARGIN * best.score
        if best.coverage >= CONFIDENT and clear:
            return Answer(Outcome.ANSWERED, hits, ranking, arabizi)
        return Answer(Outcome.UNSURE, hits, ranking, arabizi)

    def _read_arabizi(self, question: str) -> str:
        """Spell each Latin word as the Arabic word the guides or the lexicon know."""
        out = []
        for article, word in arabizi.words(question):
            spelt = next(
                (a for a in arabizi.spellings(word) if self.index.knows(a)),
                arabizi.to_arabic(word),
            )
            out.append(("ال" if article else "") + spelt)
        return " ".join(out)

    def _with_names(self, question: str) -> str:
        """Spell Latin words no list knows (names: «Tiryaq», «Safa») as the guides do."""
        for _, word in arabizi.words(question):
            if len(word) < 4 or word.isdigit() or self.index.knows(word):
                continue
            spelt = next((a for a in arabizi.spellings(word) if self.index.uses(a)), None)
            if spelt is not None:
                question = re.sub(rf"\b{re.escape(word)}\b", spelt, question, flags=re.I)
        return question

    def _distinct(self, hits: list[Hit]) -> list[Hit]:
        kept: list[Hit] = []
        for hit in hits:
            words = self.words[hit.key]
            if any(_similar(words, self.words[k.key]) for k in kept):
                continue
            kept.append(hit)
            if len(kept) == CHOICES:
                break
        return kept


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= SAME_TEXT
