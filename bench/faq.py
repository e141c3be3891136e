"""python -m bench.faq: how fast and how well questions are answered, against a bare ranker.

Both rankers answer the same questions (tests/fixtures/faq_dev.jsonl, the dev questions) on
the same passages, in the same process and run: the sample association's two guides, then
the guides with 1,000 and 5,000 generated sections added (``evaluate.padding``). The
baseline is a textbook BM25 over whitespace words, with no folding, stemming, lexicon or
phrases: what the Arabic work costs in time, and what it buys in answers. Latency is one
``answer`` call (ours: ranking and the outcome; the baseline: ranking only), timed five
times per question; the figures are the median and the 95th percentile of all calls.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.process import ROOT
from bot.services.faq import semantic
from bot.services.faq.answerer import Answerer
from bot.services.faq.evaluate import (
    Case,
    EvalPassage,
    answers,
    evaluate,
    load_cases,
    padding,
    passages_from,
    shown_in,
)
from bot.services.faq.lexicon import load_lexicon

README_START = "<!-- bench-faq:start -->"
README_END = "<!-- bench-faq:end -->"
DEV = ROOT / "tests" / "fixtures" / "faq_dev.jsonl"
GUIDES = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))
SIZES = (0, 1000, 5000)
REPEATS = 5


class BareBM25:
    """BM25 over the words as typed: the baseline."""

    def __init__(self, passages: Sequence[EvalPassage]) -> None:
        self.docs = [Counter(f"{p.heading} {p.text}".split()) for p in passages]
        self.keys = [p.id for p in passages]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / len(self.lengths)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            for word in doc:
                self.postings[word].append(i)

    def answer(self, question: str) -> list[int]:
        n = len(self.docs)
        scores: dict[int, float] = defaultdict(float)
        for word in set(question.split()):
            docs = self.postings.get(word, [])
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            for i in docs:
                tf = self.docs[i][word]
                norm = 1.2 * (0.25 + 0.75 * self.lengths[i] / self.average)
                scores[i] += idf * tf * 2.2 / (tf + norm)
        best = sorted(scores, key=lambda i: -scores[i])[:3]
        return [self.keys[i] for i in best]


def _timed(call: Callable[[str], object], cases: Sequence[Case]) -> list[float]:
    times = []
    for case in cases:
        for _ in range(REPEATS):
            started = time.perf_counter()
            call(case.question)
            times.append((time.perf_counter() - started) * 1000)
    return times


def measure(extra: int, cases: Sequence[Case], base: list[EvalPassage]) -> dict[str, object]:
    passages = [*base, *padding(base, extra)]
    shown = shown_in(passages)  # the same excerpts as ours are judged on
    load_lexicon()  # read once per process; not part of building an index
    embedder = semantic.load()  # the model too (about 1.5 s, once per process)
    started = time.perf_counter()
    # The build embeds every passage here; the bot embeds at import and reads the vectors.
    ours = Answerer(passages, embedder=embedder)
    build_ms = (time.perf_counter() - started) * 1000
    bare = BareBM25(passages)
    answerable = [c for c in cases if c.answerable]
    ours_top1 = evaluate(ours, passages, answerable).top1
    bare_top1 = sum(
        bool(keys) and answers(shown[keys[0]], case.must_contain)
        for case in answerable
        for keys in [bare.answer(case.question)]
    )
    result: dict[str, object] = {"passages": len(passages), "build_ms": build_ms}
    for name, call, top1 in (("ours", ours.answer, ours_top1), ("bare", bare.answer, bare_top1)):
        times = sorted(_timed(call, cases))
        result[name] = {
            "median_ms": statistics.median(times),
            "p95_ms": times[int(len(times) * 0.95) - 1],
            "top1": top1 / len(answerable),
        }
    return result


def report(rows: list[dict[str, object]], cases: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run of {when} ({platform.python_version()}, {cases} questions × {REPEATS}):",
        "",
        "| passages | ranker | median ms | p95 ms | top-1 (dev) | index build ms |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        for name in ("bare", "ours"):
            figures = row[name]
            assert isinstance(figures, dict)
            label = "bare BM25 (baseline)" if name == "bare" else "Tawasul's ranker (lexical + USE)"
            build = f"{row['build_ms']:.0f}" if name == "ours" else ""
            lines.append(
                f"| {row['passages']:,} | {label} | {figures['median_ms']:.2f} |"
                f" {figures['p95_ms']:.2f} | {figures['top1']:.3f} | {build} |"
            )
    return "\n".join(lines)


def update_readme(readme: Path, text: str) -> None:
    content = readme.read_text(encoding="utf-8")
    start, end = content.index(README_START), content.index(README_END)
    block = f"{README_START}\n{text}\n"
    readme.write_text(content[:start] + block + content[end:], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faq", description=__doc__)
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    args = parser.parse_args(argv)
    cases = load_cases(DEV)
    base = passages_from(GUIDES)
    rows = [measure(extra, cases, base) for extra in SIZES]
    text = report(rows, len(cases))
    print(text)
    if not args.no_readme:
        update_readme(ROOT / "README.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
