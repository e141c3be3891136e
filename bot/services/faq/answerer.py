"""From a question to an answer, a short list to choose from, or an honest "not in the guides".

Decisions (the weights and thresholds are fitted on the dev halves by
``python -m bench.faq_calibrate``; ``calibration.py`` holds them):

* The message is read first (``message.py``): the clauses that ask are ranked, the rest of
  the message counts less, a second question gets its own answer.
* Two rankers, the lexical one and sentence vectors, are fused by reciprocal rank; a
  passage holding the kind of thing asked for (a number, a time, a place) ranks higher.
* **Answered** when the confidence (``calibration.Signals``) reaches ``CONFIDENT`` and no
  *different* passage comes close (``MARGIN``); **unsure** ("Did you mean…", the best
  three with a person) from ``POSSIBLE``; **unanswered** below: a person is offered.
* Passages that say the same thing (two guides of one association, a bullet repeated) are
  one answer: the ranking keeps the first and drops its near-copies, so "Did you mean…"
  never offers the same sentence twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from bot.services.faq import answer_type, arabizi, calibration, semantic
from bot.services.faq.arabic import arabic_share, tokens
from bot.services.faq.arabizi import looks_arabizi
from bot.services.faq.calibration import Signals
from bot.services.faq.lexicon import Lexicon, load_lexicon, load_reading
from bot.services.faq.message import read_message
from bot.services.faq.ranker import Entry, Hit, Index, Ranking

__all__ = ["Answer", "Answerer", "Outcome", "Signals", "Source", "context", "embedding_text"]

SAME_TEXT = 0.8
MARGIN = 0.85  # a rival passage scoring within 15% of the best makes the answer unsure
CHOICES = 3
POOL = 20  # candidates each ranker gives the fusion
# Reciprocal-rank fusion, plus each ranker's own score so that a clear winner stays one.
RRF_K = 5
LEXICAL = 1.0
SEMANTIC = 0.5
LEXICAL_SCORE = 0.1
COSINE = 0.1
ANSWER_TYPE = 0.1  # a passage holding what the question asks for (a number, a time, a place)


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
    @property
    def path(self) -> tuple[str, ...]: ...
    @property
    def lead(self) -> str: ...


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    hits: list[Hit]  # distinct passages, best first (at most CHOICES)
    ranking: Ranking
    arabizi: bool = False
    signals: Signals = field(default_factory=Signals)
    confidence: float = 0.0
    also: Hit | None = None  # the best passage for a second question in the same message

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def context(source: Source) -> str:
    """Return the headings above a passage and its lead-in: what it is about, in the guide's words."""
    return _context(source.path, source.heading, source.lead, source.guide_title)


def _context(path: Sequence[str], heading: str, lead: str, title: str) -> str:
    # The letterhead's section is headed by the guide's title: the title matches any
    # question about the policy, so it stays out of that passage's words.
    shown = "" if heading == title else heading
    return "\n".join(h for h in (*path, shown, lead) if h)


def embedding_text(source: Source) -> str:
    """Return the text a passage's sentence vector is made from."""
    return _embedding_text(source.questions, context(source), source.text)


def section_texts(
    title: str,
    path: Sequence[str],
    heading: str,
    passages: Sequence[tuple[str, str, Sequence[str]]],
) -> list[str]:
    """Return the embedding texts of a section's passages, given as (lead, text, questions)."""
    return [
        _embedding_text(questions, _context(path, heading, lead, title), text)
        for lead, text, questions in passages
    ]


def _embedding_text(questions: Sequence[str], about: str, text: str) -> str:
    return "\n".join(t for t in (*questions, about, text) if t)


def _views(source: Source) -> tuple[str, ...]:
    about = context(source)
    if source.questions:
        return (*source.questions, f"{about}\n{source.text}")
    # The headings name what the passage is about: their words count twice.
    return (f"{about}\n{about}\n{source.text}",)


class Answerer:
    """Two rankers over the passages, fused, and the rules that turn them into an outcome."""

    def __init__(
        self,
        sources: Sequence[Source],
        lexicon: Lexicon | None = None,
        *,
        embedder: semantic.Embedder | None = None,
        vectors: Mapping[int, semantic.Matrix] | None = None,
    ) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.index = Index([Entry(s.id, _views(s)) for s in sources], self.lexicon)
        self.words = {s.id: frozenset(tokens(s.text)) for s in sources}
        self.holds = {s.id: answer_type.has(s.text) for s in sources}
        self.embedder = embedder
        self.vectors: semantic.Vectors | None = None
        self.made: dict[int, semantic.Matrix] = {}  # vectors this build had to make
        if embedder is not None and sources:
            known = dict(vectors or {})
            missing = [s for s in sources if s.id not in known]
            if missing:
                made = embedder.encode([embedding_text(s) for s in missing])
                self.made = {s.id: made[i] for i, s in enumerate(missing)}
                known.update(self.made)
            keys = [s.id for s in sources]
            self.vectors = semantic.Vectors(keys, np.stack([known[k] for k in keys]))

    def answer(self, question: str) -> Answer:
        """Return what to tell the beneficiary who asked question."""
        arabizi = arabic_share(question) == 0 and looks_arabizi(question)
        # Spelt first: «law» is «لو», and the reading looks for such words.
        reading = read_message(self._spelt(question, arabizi), self.lexicon)
        query = reading.query
        ranking = self.index.search(query, POOL, around=reading.around)
        if not ranking.concepts:
            return Answer(Outcome.EMPTY, [], ranking, arabizi)
        if not any(c.share == 1.0 for c in ranking.concepts):
            query = f"{query} {reading.around}"  # the question is all in the story
        hits, signals = self._rank(query, ranking)
        confidence = signals.confidence()
        outcome = Outcome.UNANSWERED
        if hits and confidence >= calibration.POSSIBLE:
            # One answer only when no other passage comes close: «الخدمة» alone matches many.
            clear = signals.lexical_margin >= 1 - MARGIN
            sure = confidence >= calibration.CONFIDENT and clear
            outcome = Outcome.ANSWERED if sure else Outcome.UNSURE
        also = self._second(reading.questions, hits) if hits else None
        if also is not None and outcome is Outcome.UNANSWERED:
            outcome = Outcome.UNSURE
        return Answer(outcome, hits, ranking, arabizi, signals, confidence, also)

    def _spelt(self, text: str, arabizi: bool) -> str:
        if arabizi:
            return self._read_arabizi(text)
        if arabic_share(text) < 1:
            return self._with_names(text)
        return text

    def _rank(self, query: str, ranking: Ranking) -> tuple[list[Hit], Signals]:
        """Fuse the lexical and the semantic ranking; return distinct hits and the signals."""
        lexical = {h.key: (rank, h) for rank, h in enumerate(ranking.hits)}
        cosines: dict[int, float] = {}
        order: list[tuple[int, float]] = []
        vector = None
        if self.vectors is not None and self.embedder is not None:
            vector = self.embedder.encode([query])[0]
            order = self.vectors.search(vector, POOL)
            cosines = dict(order)
        semantic_rank = {key: rank for rank, (key, _) in enumerate(order)}
        best_score = ranking.hits[0].score if ranking.hits else 0.0
        wants = answer_type.wanted(query)
        fused: list[Hit] = []
        for key in {*lexical, *semantic_rank}:
            score = 0.0
            coverage = 0.0
            if key in lexical:
                rank, hit = lexical[key]
                coverage = hit.coverage
                score += LEXICAL / (RRF_K + rank) + LEXICAL_SCORE * hit.score / max(
                    best_score, 1e-9
                )
            if key in semantic_rank:
                score += SEMANTIC / (RRF_K + semantic_rank[key]) + COSINE * cosines[key]
            if wants and wants & self.holds[key]:
                score += ANSWER_TYPE
            fused.append(Hit(key, score, coverage))
        fused.sort(key=lambda h: (-h.score, h.key))
        hits = self._distinct(fused)
        if not hits:
            return hits, Signals()
        best = hits[0]
        if vector is not None and self.vectors is not None and best.key not in cosines:
            cosines[best.key] = self.vectors.cosine(best.key, vector)  # beyond the pool
        lex_hits = ranking.hits
        mine = self.words[best.key]
        second_lex = next(
            (
                h.score
                for h in lex_hits
                if h.key != best.key and not _similar(self.words[h.key], mine)
            ),
            0.0,
        )
        best_lex = lexical[best.key][1].score if best.key in lexical else 0.0
        first_lex = lex_hits[0].key if lex_hits else None
        first_sem = order[0][0] if order else None
        both_first = best.key == first_lex and (first_sem is None or best.key == first_sem)
        in_both = lexical.get(best.key, (99,))[0] < 3 and semantic_rank.get(best.key, 99) < 3
        words = sum(1 for c in ranking.concepts if c.share == 1.0)
        signals = Signals(
            coverage=best.coverage,
            cosine=cosines.get(best.key, 0.0),
            cosine_margin=cosines.get(best.key, 0.0)
            - max((c for k, c in order if k != best.key), default=0.0)
            if order
            else 0.0,
            lexical_margin=max(-1.0, 1 - second_lex / best_lex) if best_lex > 0 else -1.0,
            agree=1.0 if both_first else 0.5 if in_both else 0.0,
            known=1 - len(ranking.unknown) / words if words else 0.0,
        )
        return hits, signals

    def _second(self, questions: list[str], hits: list[Hit]) -> Hit | None:
        """Return the answer to a second question in the message, if it has another one."""
        for query in questions[1:] if len(questions) > 1 else []:
            ranking = self.index.search(query, POOL)
            if not ranking.concepts:
                continue
            found, signals = self._rank(query, ranking)
            if not found or signals.confidence() < calibration.CONFIDENT:
                continue
            first = found[0]
            if first.key != hits[0].key and not _similar(
                self.words[first.key], self.words[hits[0].key]
            ):
                return first
        return None

    def _read_arabizi(self, question: str) -> str:
        """Spell each Latin word as the Arabic word the guides or the lexicon know."""

        reading = load_reading().vocabulary

        def spell(word: str) -> str:
            spelt = arabizi.spellings(word)
            return next(
                (a for a in spelt if self.index.knows(a)),
                next((a for a in spelt if a in reading), arabizi.to_arabic(word)),
            )

        return arabizi.respell(question, spell)

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
