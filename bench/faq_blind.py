"""The blind test beds' held-out questions, each set and pooled, by style and by language.

    python -m bench.faq_blind [--part held-out|dev]

The first test bed's sets and guides are those of ``bench.faq_calibrate``
(tests/fixtures/blind): only their held-out halves are reported unless ``--part dev`` is
asked for. The second (tests/fixtures/blind2) was written after all the tuning and is
held out whole: it is reported with the held-out halves, and never with ``--part dev``.
"""

from __future__ import annotations

import argparse

from bench.faq_calibrate import ROOT, SETS
from bot.services.faq import semantic
from bot.services.faq.answerer import Answerer
from bot.services.faq.evaluate import Result, evaluate, load_cases, passages_from
from bot.services.faq.figures import Figures, by, figures

BLIND2 = ROOT / "tests" / "fixtures" / "blind2"
SECOND = [  # (questions, guides): held out whole
    (BLIND2 / "disability.jsonl", [BLIND2 / "guides" / "disability.txt"]),
    (BLIND2 / "food_bank.jsonl", [BLIND2 / "guides" / "food_bank.md"]),
]


def _row(name: str, f: Figures) -> str:
    return (
        f"| {name} | {f.answerable}+{f.unanswerable} | {f.top1} | {f.top3} | {f.handed} |"
        f" {f.refused} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("held-out", "dev"), default="held-out")
    args = parser.parse_args()
    embedder = semantic.load()
    pooled: list[Result] = []
    header = "| {} | questions | top-1 | top-3 | unanswerable handed | answerable wrongly refused |"
    print(header.format("set"))
    print("|---|---|---|---|---|---|")
    for questions, guides, blind in SETS:
        if not blind:
            continue
        passages = passages_from(guides)
        cases = [c for c in load_cases(questions) if c.half == args.part]
        report = evaluate(Answerer(passages, embedder=embedder), passages, cases)
        pooled.extend(report.results)
        print(_row(questions.stem, figures(report.results)))
    print(_row("**all**", figures(pooled)))
    if args.part == "held-out":
        second: list[Result] = []
        for questions, guides in SECOND:
            passages = passages_from(guides)
            report = evaluate(
                Answerer(passages, embedder=embedder), passages, load_cases(questions)
            )
            second.extend(report.results)
            print(_row(f"{questions.stem} (second bed, whole)", figures(report.results)))
        print(_row("**second bed, all**", figures(second)))
        pooled.extend(second)
        print(_row("**both beds, all held out**", figures(pooled)))
    for title, key in (("style", lambda r: r.case.style), ("language", lambda r: r.case.lang)):
        print(f"\n{header.format(title)}\n|---|---|---|---|---|---|")
        for name, f in by(pooled, key):
            print(_row(name, f))


if __name__ == "__main__":
    main()
