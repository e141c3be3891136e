"""Staff answers become answers: a reply to a question the guides missed, saved as a card.

A staff member who answered such a question in the beneficiary's topic presses "Save as
FAQ answer"; the card (the beneficiary's wording, the staff's answer) waits until an admin
approves it, and is then published with the other approved cards as the guide
``staff-answers``, searched like any guide and cited as answered by the association.
``python -m bot faq-answers export PATH`` writes the approved cards as a card file, which
``import-guides`` reads back.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import yaml

from bot.services.faq.service import mask_digits
from bot.services.guides.importer import embed_sections
from bot.services.requests import Clock
from bot.services.textnorm import clean_text
from storage.answers import StaffAnswer, StaffAnswers
from storage.guides import Guides, NewPassage, NewSection
from storage.questions import Questions
from storage.sql import Database

__all__ = ["ANSWERS_SLUG", "FaqAnswers"]

ANSWERS_SLUG = "staff-answers"
ANSWERS_TITLE = "Answered by the association"
OPEN_DAYS = 14  # a handed-off question can be answered and saved for this long
OFFERS = 3  # staff replies that carry the button, per question
MAX_ANSWER = 3000


class FaqAnswers:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def offer(self, user_id: int) -> int | None:
        """Return the user's latest question passed to staff that has no saved answer, if
        saving it may be offered once more (at most ``OFFERS`` replies carry the button)."""
        since = self.clock() - timedelta(days=OPEN_DAYS)
        async with self.db.transaction() as conn:
            return await Questions(conn).take_save_offer(user_id, since, OFFERS)

    async def propose(self, question_id: int, answer: str, staff_id: int) -> StaffAnswer | None:
        """Save a staff reply as a pending answer to the question (None: saved already)."""
        text = clean_text(answer).strip()[:MAX_ANSWER]
        if not text:
            return None
        async with self.db.transaction() as conn:
            asked = await Questions(conn).get(question_id)
            if asked is None:
                return None
            return await StaffAnswers(conn).propose(
                question_id, mask_digits(asked.text), text, staff_id, self.clock()
            )

    async def decide(self, answer_id: int, approve: bool, staff_id: int) -> StaffAnswer | None:
        """Approve (and publish) or discard a pending answer; None if already decided."""
        status = "approved" if approve else "discarded"
        async with self.db.reading() as conn:
            pending = await StaffAnswers(conn).get(answer_id)
        if pending is None or pending.status != "pending":
            return None
        sections = await self._sections(extra=pending if approve else None)
        vectors = (
            await asyncio.to_thread(embed_sections, ANSWERS_TITLE, sections) if approve else None
        )
        async with self.db.transaction() as conn:
            answers = StaffAnswers(conn)
            if not await answers.decide(answer_id, status, staff_id, self.clock()):
                return None
            if approve:
                await _publish(Guides(conn), sections, vectors, self.clock)
            return await answers.get(answer_id)

    async def _sections(self, extra: StaffAnswer | None = None) -> list[NewSection]:
        async with self.db.reading() as conn:
            approved = await StaffAnswers(conn).approved()
        if extra is not None:
            approved.append(extra)
        return [
            NewSection(a.question[:120], (NewPassage("card", a.answer, None, (a.question,)),))
            for a in approved
        ]

    async def export(self) -> str:
        """Return the approved answers as a card file (YAML) that import-guides reads."""
        async with self.db.reading() as conn:
            approved = await StaffAnswers(conn).approved()
        cards = [
            {"heading": a.question[:120], "questions": [a.question], "answer": a.answer}
            for a in approved
        ]
        return yaml.safe_dump(
            {"title": ANSWERS_TITLE, "cards": cards}, allow_unicode=True, sort_keys=False
        )


async def _publish(
    guides: Guides,
    sections: list[NewSection],
    vectors: tuple[str, list[bytes]] | None,
    clock: Clock,
) -> None:
    digest = hashlib.sha256(repr(sections).encode("utf-8")).hexdigest()
    await guides.replace(
        ANSWERS_SLUG, "cards", ANSWERS_TITLE, "staff", digest, sections, clock(), vectors
    )
