"""Question cards: facts the guides lack (opening hours, location, phone, bank account).

A card file is YAML::

    title: Facts about the association        # optional
    cards:
      - questions: ["وش أوقات الدوام؟", "متى تفتحون", "opening hours"]
        answer:
          ar: "من الأحد إلى الخميس ..."
          en: "Sunday to Thursday ..."       # optional; a plain string answer is fine too
        heading: Opening hours                # optional (default: the first question)
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.services.guides.extract import DocumentError
from storage.guides import NewPassage, NewSection

__all__ = ["CARD_SUFFIXES", "read_cards"]

CARD_SUFFIXES = (".yaml", ".yml")
MAX_CARD_FILE = 2 * 1024 * 1024


def _text(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise DocumentError(f"{where}: {what} must be a non-empty text")
    return str(value).strip()


def _card(raw: Any, where: str) -> NewSection:
    if not isinstance(raw, dict):
        raise DocumentError(f"{where}: a card needs 'questions' and 'answer'")
    unknown = set(raw) - {"questions", "answer", "heading"}
    if unknown:
        raise DocumentError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    questions = raw.get("questions")
    if isinstance(questions, str):
        questions = [questions]
    if not isinstance(questions, list) or not questions:
        raise DocumentError(f"{where}: 'questions' must list at least one phrasing")
    phrasings = tuple(_text(q, where, "each question") for q in questions)
    answer = raw.get("answer")
    if isinstance(answer, dict):
        extra = set(answer) - {"ar", "en"}
        if extra or not answer:
            raise DocumentError(f"{where}: 'answer' takes 'ar' and/or 'en'")
        arabic = answer.get("ar")
        english = answer.get("en")
        text = _text(arabic if arabic is not None else english, where, "the answer")
        text_en = _text(english, where, "the English answer") if english is not None else None
    else:
        text, text_en = _text(answer, where, "the answer"), None
    heading = _text(raw["heading"], where, "the heading") if "heading" in raw else phrasings[0]
    return NewSection(heading, (NewPassage("card", text, text_en, phrasings),))


def read_cards(data: bytes, name: str) -> tuple[str | None, list[NewSection]]:
    """Return the title and one section per card of a card file, or raise DocumentError."""
    if len(data) > MAX_CARD_FILE:
        raise DocumentError("the card file is larger than 2 MB")
    if not data.strip():
        raise DocumentError("the file is empty")
    try:
        parsed = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DocumentError("the card file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DocumentError(f"not valid YAML{where}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("cards"), list):
        raise DocumentError("a card file needs a 'cards:' list")
    title = parsed.get("title")
    sections = [_card(raw, f"{name}: card {i}") for i, raw in enumerate(parsed["cards"], 1)]
    if not sections:
        raise DocumentError("the card file has no cards")
    return (str(title).strip() if title else None), sections
