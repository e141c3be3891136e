"""The blind test bed's held-out halves, each set and pooled, by style and by language.

    python -m bench.faq_blind [--part held-out|dev]

The sets and their guides are those of ``bench.faq_calibrate`` (tests/fixtures/blind);
only the held-out halves are reported unless ``--part dev`` is asked for.
"""

from __future__ import annotations

import argparse

from bench.faq_calibrate import SETS
from bot.services.faq import semantic
from bot.services.faq.answerer import Answerer
from bot.services.faq.evaluate import Result, evaluate, load_cases, passages_from
from bot.services.faq.figures import Figures, by, figures


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
    for title, key in (("style", lambda r: r.case.style), ("language", lambda r: r.case.lang)):
        print(f"\n{header.format(title)}\n|---|---|---|---|---|---|")
        for name, f in by(pooled, key):
            print(_row(name, f))


if __name__ == "__main__":
    main()
