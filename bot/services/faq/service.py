"""Beneficiaries' questions answered from the stored guides, and what staff learn from them.

The index lives in memory and is rebuilt when the guides in the database change (an
import from the command line while the bot runs is picked up at the next question).
Every question is kept, with long digit runs masked: someone who types their national ID
or phone number into a question does not leave it in the gaps list.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from bot.services.faq import semantic
from bot.services.faq.answerer import Answer, Answerer, Outcome
from bot.services.faq.excerpt import excerpt
from bot.services.faq.gaps import GapGroup, group_gaps
from bot.services.guides.importer import GuideImporter, ImportResult
from bot.services.requests import Clock
from bot.services.textnorm import clean_text, normalize_digits
from storage.guides import Guides, StoredPassage
from storage.questions import AskedQuestion, Questions
from storage.sql import Database

__all__ = ["Asked", "FaqService", "mask_digits"]

MAX_STORED = 500
GAP_DAYS = 30
GAP_ROWS = 300  # distinct wordings read for grouping
_DIGIT_RUN = re.compile(r"\d[\d\s\-]{5,}\d")


def mask_digits(text: str) -> str:
    """Return text with every run of seven or more digits (IDs, phones) masked."""
    return _DIGIT_RUN.sub(lambda m: "•" * len(m.group()), normalize_digits(text))


async def _own(questions: Questions, user_id: int, question_id: int) -> AskedQuestion | None:
    """Return the question if this user asked it: a button works only for its asker."""
    asked = await questions.get(question_id)
    return asked if asked is not None and asked.user_id == user_id else None


@dataclass(frozen=True)
class Asked:
    """What the bot concluded about a question, with the passages to show."""

    outcome: Outcome
    question_id: int | None
    passages: list[StoredPassage]
    arabizi: bool
    also: StoredPassage | None = None  # the answer to a second question in the message


class FaqService:
    def __init__(self, db: Database, clock: Clock, defaults: list[Path] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.defaults = defaults or []
        self.importer = GuideImporter(db, clock)
        self._answerer: Answerer | None = None
        self._passages: dict[int, StoredPassage] = {}
        self._sections: dict[int, list[StoredPassage]] = {}  # in the guide's order
        self._version: tuple[int, str] | None = None
        self._lock = asyncio.Lock()

    async def answerer(self) -> Answerer:
        """Return the index of the stored guides, rebuilt if they changed."""
        async with self._lock:
            # Loaded before the read: the database's one connection is not held while the
            # encoder's weights load (a second or more, at the first question after start).
            embedder = await asyncio.to_thread(semantic.load)
            async with self.db.reading() as conn:
                guides = Guides(conn)
                version = await guides.version()
                if self._answerer is not None and version == self._version:
                    return self._answerer
                passages = await guides.passages()
                stored = await guides.vectors(embedder.name) if embedder else {}
            self._passages = {p.id: p for p in passages}
            self._sections = {}
            for p in passages:  # read in the guides' order
                self._sections.setdefault(p.section_id, []).append(p)
            vectors = {k: semantic.from_blob(v) for k, v in stored.items()}
            # Building takes 50-80 ms per hundred passages (make bench-faq), and embedding
            # the passages imported before vectors were kept more: off the event loop, so
            # the rest of the bot keeps serving (questions wait for it).
            answerer = await asyncio.to_thread(
                partial(Answerer, passages, embedder=embedder, vectors=vectors)
            )
            if answerer.made and embedder is not None:
                async with self.db.transaction() as conn:
                    made = [(k, semantic.to_blob(v)) for k, v in answerer.made.items()]
                    await Guides(conn).store_vectors(embedder.name, made)
            self._answerer, self._version = answerer, version
            return answerer

    async def import_defaults(self) -> list[ImportResult]:
        """Import the profile's guides and cards if the database has none yet."""
        async with self.db.reading() as conn:
            count, _ = await Guides(conn).version()
        if count or not self.defaults:
            return []
        return await self.importer.import_paths(self.defaults)

    async def ask(self, user_id: int, text: str, message_id: int | None = None) -> Asked:
        """Answer a beneficiary's question and keep it for staff."""
        answerer = await self.answerer()
        answer: Answer = answerer.answer(text)
        passages = [self._passages[h.key] for h in answer.hits if h.key in self._passages]
        if answer.outcome is Outcome.EMPTY:
            return Asked(answer.outcome, None, [], answer.arabizi)
        best = answer.best
        async with self.db.transaction() as conn:
            question_id = await Questions(conn).add(
                user_id,
                message_id,
                mask_digits(clean_text(text))[:MAX_STORED],
                answer.outcome.value,
                best.key if best and answer.outcome is Outcome.ANSWERED else None,
                best.score if best else 0.0,
                self.clock(),
            )
        if answer.outcome is Outcome.UNANSWERED:
            passages = []
        also = self._passages.get(answer.also.key) if answer.also is not None else None
        return Asked(answer.outcome, question_id, passages, answer.arabizi, also)

    def section_size(self, passage: StoredPassage) -> int:
        """Return how many passages the passage's section has (as last indexed)."""
        return len(self._sections.get(passage.section_id, ()))

    def excerpt(self, passage: StoredPassage) -> list[StoredPassage]:
        """Return what an answer with this passage shows: it and its neighbours in the
        section (``excerpt.py``); a card is shown alone."""
        if passage.guide_kind == "cards":
            return [passage]
        section = self._sections.get(passage.section_id, [])
        found = next((p for p in section if p.id == passage.id), passage)
        return excerpt(section, found)

    async def hand_off(self, user_id: int, question_id: int) -> int | None:
        """Mark the user's question as passed to a person; return its message id."""
        async with self.db.transaction() as conn:
            questions = Questions(conn)
            asked = await _own(questions, user_id, question_id)
            if asked is None:
                return None
            await questions.hand_off(question_id, user_id)
            return asked.message_id

    async def section(self, passage_id: int) -> list[StoredPassage]:
        """Return every passage of the section the given passage belongs to."""
        async with self.db.reading() as conn:
            guides = Guides(conn)
            passage = await guides.passage(passage_id)
            return await guides.section(passage.section_id) if passage else []

    async def choose(self, user_id: int, question_id: int, passage_id: int) -> StoredPassage | None:
        """The beneficiary picked a suggestion: return it and count the question answered."""
        async with self.db.transaction() as conn:
            questions = Questions(conn)
            asked = await _own(questions, user_id, question_id)
            passage = await Guides(conn).passage(passage_id)
            if asked is None or passage is None:
                return None
            await questions.answered_with(question_id, passage_id)
            return passage

    async def rate(self, user_id: int, question_id: int, helpful: bool) -> bool:
        """Record whether an answer helped; False if the question is not this user's."""
        async with self.db.transaction() as conn:
            questions = Questions(conn)
            if await _own(questions, user_id, question_id) is None:
                return False
            await questions.set_helpful(question_id, helpful)
            return True

    async def gaps(self, limit: int = 20) -> list[GapGroup]:
        """Return what the guides did not answer well in the last 30 days, grouped."""
        since = self.clock() - timedelta(days=GAP_DAYS)
        async with self.db.reading() as conn:
            gaps = await Questions(conn).gaps(since, GAP_ROWS)
        answerer = await self.answerer()
        groups = await asyncio.to_thread(group_gaps, gaps, answerer.lexicon, answerer.embedder)
        return groups[:limit]
