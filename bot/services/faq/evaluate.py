"""Measuring the answerer on a file of questions (python -m bot faq-eval FILE).

Each line of the file is JSON: ``{"q": ..., "must_contain": [...], "answerable": bool}``.
An answer is *correct* when what it shows (the passage found with its neighbours in the
section, ``excerpt.py``: their headings, lead-ins and text) contains at least one of the
phrases, compared after ``fold`` (so «الإلكتروني» and «الالكتروني» are one phrase):
several phrases name alternatives, which may sit in different passages.

* top-1 / top-3: answerable questions whose first / any of the first three passages are
  correct, *and* that were not refused (a refusal shows no passage at all).
* handed to a person: unanswerable questions the bot refused (said the guides do not
  answer it and offered a person); a "Did you mean…" does not count.
* wrongly refused: answerable questions the bot refused.
* latency: the median time of one ``Answerer.answer`` call, measured on the guides alone
  and again with ``sections`` generated sections added (``padding``).
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.services.faq.answerer import Answerer, Outcome
from bot.services.faq.arabic import fold, tokens
from bot.services.faq.excerpt import excerpt
from bot.services.guides.importer import parse_file

__all__ = [
    "Case",
    "EvalPassage",
    "Report",
    "Result",
    "answers",
    "evaluate",
    "load_cases",
    "padding",
    "passages_from",
    "shown_in",
    "shows",
]

REFUSED = (Outcome.UNANSWERED, Outcome.EMPTY)


@dataclass(frozen=True)
class EvalPassage:
    id: int
    heading: str
    text: str
    questions: tuple[str, ...] = ()
    guide_title: str = ""
    path: tuple[str, ...] = ()
    lead: str = ""
    kind: str = "paragraph"
    section: int = 0  # passages of one section share it (numbered across the files read)


@dataclass(frozen=True)
class Case:
    question: str
    must_contain: tuple[str, ...]
    answerable: bool
    lang: str = ""
    style: str = ""
    doc: str = ""

    @property
    def half(self) -> str:
        """Return "dev" or "held-out": the split is fixed by the question's own text."""
        digest = hashlib.sha256(self.question.encode("utf-8")).digest()
        return "dev" if digest[0] % 2 == 0 else "held-out"


@dataclass(frozen=True)
class Result:
    case: Case
    outcome: Outcome
    top1: bool
    top3: bool


@dataclass
class Report:
    passages: int
    latencies: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def share(self, count: int, total: int) -> float:
        return count / total if total else 0.0

    # The counts, from the results (figures.py gives them with their intervals).
    @property
    def answerable(self) -> int:
        return sum(r.case.answerable for r in self.results)

    @property
    def unanswerable(self) -> int:
        return len(self.results) - self.answerable

    @property
    def top1(self) -> int:
        return sum(r.top1 for r in self.results if r.case.answerable)

    @property
    def top3(self) -> int:
        return sum(r.top3 for r in self.results if r.case.answerable)

    @property
    def handed(self) -> int:
        return sum(r.outcome in REFUSED for r in self.results if not r.case.answerable)

    @property
    def refused(self) -> int:
        return sum(r.outcome in REFUSED for r in self.results if r.case.answerable)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0


def load_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(
                Case(
                    str(row["q"]),
                    tuple(str(p) for p in row.get("must_contain") or ()),
                    bool(row["answerable"]),
                    str(row.get("lang", "")),
                    str(row.get("style", "")),
                    str(row.get("doc", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question line ({exc})") from None
    return cases


def passages_from(paths: Sequence[Path]) -> list[EvalPassage]:
    """Read, clean and structure guide files into passages, numbered from 1 (no database)."""
    passages: list[EvalPassage] = []
    sections = 0
    for path in paths:
        parsed = parse_file(path)
        for section in parsed.sections:
            sections += 1
            for p in section.passages:
                passages.append(
                    EvalPassage(
                        len(passages) + 1,
                        section.heading,
                        p.text,
                        p.questions,
                        parsed.title,
                        section.path,
                        p.lead,
                        p.kind,
                        sections,
                    )
                )
    return passages


def shows(passage: EvalPassage, phrases: Sequence[str]) -> bool:
    """Tell whether the passage as shown (heading and text) holds one of the phrases."""
    shown = fold(f"{passage.heading}\n{passage.lead}\n{passage.text}")
    return any(fold(p) in shown for p in phrases)


def shown_in(passages: Sequence[EvalPassage]) -> dict[int, list[EvalPassage]]:
    """Return, for each passage's id, what an answer with it shows (its excerpt)."""
    sections: dict[int, list[EvalPassage]] = {}
    for p in passages:
        sections.setdefault(p.section, []).append(p)
    return {p.id: excerpt(sections[p.section], p) for p in passages}


def answers(shown: Sequence[EvalPassage], phrases: Sequence[str]) -> bool:
    """Tell whether an answer showing these passages holds one of the phrases."""
    return any(shows(p, phrases) for p in shown)


def evaluate(
    answerer: Answerer,
    passages: Sequence[EvalPassage],
    cases: Sequence[Case],
    repeats: int = 3,
) -> Report:
    """Answer every case and count the outcomes; the latency is timed on `repeats` more
    answers of each (warm), or on the one answer when `repeats` is 0."""
    shown_for = shown_in(passages)
    by_id = {p.id: p for p in passages}
    report = Report(len(passages))
    for case in cases:
        started = time.perf_counter()
        answer = answerer.answer(case.question)
        if not repeats:
            report.latencies.append(time.perf_counter() - started)
        for _ in range(repeats):
            started = time.perf_counter()
            answerer.answer(case.question)
            report.latencies.append(time.perf_counter() - started)
        shown = [by_id[h.key] for h in answer.hits]
        if answer.also is not None:  # two questions: the second answer is shown too
            shown.insert(1, by_id[answer.also.key])
        refused = answer.outcome in REFUSED
        good = [answers(shown_for[p.id], case.must_contain) for p in shown]
        top1 = not refused and good[:1] == [True]
        top3 = not refused and any(good[:3])
        report.results.append(Result(case, answer.outcome, top1, top3))
        if case.answerable and not top1:
            what = "refused" if refused else f"{answer.outcome}, first: {shown[0].text[:60]!r}"
            report.misses.append(f"answerable, {what}: {case.question}")
        elif not case.answerable and not refused:
            first = shown[0].text[:60] if shown else ""
            report.misses.append(f"unanswerable, {answer.outcome} {first!r}: {case.question}")
    return report


def padding(passages: Sequence[EvalPassage], count: int, seed: int = 5) -> list[EvalPassage]:
    """Return count generated sections of one passage each, for timing at scale.

    A real association's other guides are about other things, in the same language: the
    generated passages draw most words from a vocabulary of 5,000 made-up Arabic words
    (Zipf-distributed, as words are) and one word in seven from the guides themselves, so
    the guides' common words get long posting lists and the made-up ones compete too.
    """
    rng = random.Random(seed)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    invented = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 7))) for _ in range(5000)]
    weights = [1 / (rank + 1) for rank in range(len(invented))]
    known = [w for p in passages for w in tokens(p.text)] or ["نص"]
    first = max((p.id for p in passages), default=0) + 1

    def words(count: int) -> str:
        made_up = rng.choices(invented, weights, k=count)
        return " ".join(rng.choice(known) if rng.random() < 1 / 7 else w for w in made_up)

    return [
        EvalPassage(
            first + n,
            words(rng.randint(2, 6)),
            words(rng.randint(8, 40)),
            (),
            "padding",
            section=-1 - n,  # each its own section
        )
        for n in range(max(0, count))
    ]
