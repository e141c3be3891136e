"""The guide commands: python -m bot import-guides PATH... and python -m bot faq-eval FILE."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.config import Config

BAR_WIDTH = 30


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    guides = sub.add_parser(
        "import-guides",
        help="import guides (.txt .md .docx .pdf) and question cards (.yaml) into the database",
    )
    guides.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    guides.add_argument("--list", action="store_true", help="list the guides in the database")
    guides.add_argument("--remove", metavar="NAME", help="remove a guide (its file name stem)")
    evaluate = sub.add_parser("faq-eval", help="measure the answers on a file of questions")
    evaluate.add_argument("file", type=Path, metavar="FILE", help="JSON lines: q, must_contain…")
    evaluate.add_argument(
        "--guides", nargs="+", type=Path, help="guides to answer from (default: the profile's)"
    )
    evaluate.add_argument(
        "--sections", type=int, default=1000, help="sections to add for the latency at scale"
    )
    evaluate.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="answer each question this many times more for the latency (0: time the one answer)",
    )
    evaluate.add_argument(
        "--part",
        choices=("all", "dev", "held-out"),
        default="all",
        help="the questions' half (fixed by each question's hash) to measure on",
    )
    evaluate.add_argument(
        "--lexical", action="store_true", help="the lexical ranker alone (no sentence vectors)"
    )
    evaluate.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    answers = sub.add_parser(
        "faq-answers", help="export the approved staff answers as a card file (YAML)"
    )
    answers.add_argument("action", choices=("export",))
    answers.add_argument(
        "path", type=Path, nargs="?", default=Path("faq-answers.yaml"), metavar="PATH"
    )


class ProgressBar:
    """A one-line bar on a terminal; a line per file when the output is not one."""

    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out
        self.tty = out.isatty()
        self.started = time.monotonic()

    def __call__(self, done: float, total: int, name: str) -> None:
        if not self.tty:
            if name and done == int(done):  # a line per file, not per page
                print(f"[{int(done) + 1}/{total}] {name}", file=self.out)
            return
        filled = int(BAR_WIDTH * done / max(total, 1))
        bar = "█" * filled + "·" * (BAR_WIDTH - filled)
        elapsed = time.monotonic() - self.started
        end = "\n" if done == total else ""
        print(
            f"\r{bar} {int(done)}/{total} {elapsed:5.1f}s {name[:40]:<40}", end=end, file=self.out
        )
        self.out.flush()


async def import_guides(config: Config, args: argparse.Namespace) -> int:
    from bot.services.guides.importer import GuideImporter
    from bot.services.requests import utc_now
    from storage.db import database_at

    db = database_at(config.settings.database_target, config.settings.database_schema)
    await db.open()
    try:
        importer = GuideImporter(db, utc_now)
        if args.remove:
            removed = await importer.remove(args.remove)
            print(f"Removed: {args.remove}" if removed else f"No guide named {args.remove!r}")
            return 0 if removed else 1
        results = await importer.import_paths(args.paths, ProgressBar()) if args.paths else []
        failed = 0
        for result in results:
            if result.error:
                failed += 1
                print(f"✗ {result.path}: {result.error}", file=sys.stderr)
                continue
            verb = "replaced" if result.replaced else "imported"
            debris = ", ".join(f"{n} {what}" for what, n in sorted(result.removed.items()))
            print(
                f"✓ {result.path.name} {verb}: «{result.title}», {result.sections} sections,"
                f" {result.passages} passages" + (f" (removed: {debris})" if debris else "")
            )
        if args.list or not args.paths:
            for guide in await importer.listing():
                print(
                    f"{guide.slug}\t{guide.kind}\t{guide.sections} sections\t"
                    f"{guide.passages} passages\t{guide.imported_at:%Y-%m-%d %H:%M}\t{guide.title}"
                )
        return 1 if failed else 0
    finally:
        await db.close()


async def export_answers(config: Config, args: argparse.Namespace) -> int:
    from bot.services.faq.answers import FaqAnswers
    from bot.services.requests import utc_now
    from storage.db import database_at

    db = database_at(config.settings.database_target, config.settings.database_schema)
    await db.open()
    try:
        text = await FaqAnswers(db, utc_now).export()
    finally:
        await db.close()
    args.path.write_text(text, encoding="utf-8")
    print(f"Exported to {args.path}; import it with: python -m bot import-guides {args.path}")
    return 0


def faq_eval(config: Config, args: argparse.Namespace) -> int:
    from bot.services.faq import semantic
    from bot.services.faq.answerer import Answerer
    from bot.services.faq.evaluate import evaluate, load_cases, padding, passages_from
    from bot.services.faq.figures import by, figures
    from bot.services.guides.extract import DocumentError

    paths = args.guides or [p for p in config.default_guides() if p.suffix not in (".yaml", ".yml")]
    try:
        cases = load_cases(args.file)
        passages = passages_from(paths)
    except (OSError, ValueError, DocumentError) as exc:
        print(f"faq-eval: {exc}", file=sys.stderr)
        return 2
    if args.part != "all":
        cases = [c for c in cases if c.half == args.part]
    embedder = None if args.lexical else semantic.load()
    repeats = max(0, args.repeats)
    report = evaluate(Answerer(passages, embedder=embedder), passages, cases, repeats)
    extra = padding(passages, args.sections)
    padded = [*passages, *extra]
    # No sections added: the same passages, so the same answers; not measured twice.
    large = evaluate(Answerer(padded, embedder=embedder), padded, cases, repeats) if extra else None
    whole = figures(report.results)
    a, u = whole.answerable, whole.unanswerable
    ranker = "lexical" if embedder is None else f"lexical + {embedder.name}"
    # These lines keep the shape other sets are judged by ("name: share"); the
    # intervals follow on a line of their own.
    print(f"questions: {len(cases)} ({a} answerable, {u} not); guides: {len(paths)}")
    print(f"passages: {report.passages}")
    print(f"ranker: {ranker}; part: {args.part}")
    print(f"top-1 accuracy:               {whole.top1.value:.3f}")
    print(f"top-3 accuracy:               {whole.top3.value:.3f}")
    print(f"unanswerable handed to person: {whole.handed.value:.3f}")
    print(f"answerable wrongly refused:    {whole.refused.value:.3f}")
    print(
        f"95% intervals: top-1 {whole.top1.interval}, top-3 {whole.top3.interval},"
        f" handed {whole.handed.interval}, refused {whole.refused.interval}"
    )
    print(f"median latency:               {report.median_ms:.2f} ms ({report.passages} passages)")
    if large is not None:
        print(
            f"median latency:               {large.median_ms:.2f} ms (with {len(extra)} generated"
            f" sections added: {large.passages} passages; top-1 {large.share(large.top1, a):.3f},"
            f" handed {large.share(large.handed, u):.3f})"
        )
    for title, key in (("style", lambda r: r.case.style), ("language", lambda r: r.case.lang)):
        groups = by(report.results, key)
        if len(groups) < 2:
            continue
        print(f"by {title}:")
        for name, f in groups:
            print(
                f"  {name:<16} {f.answerable:>3}+{f.unanswerable:<3} top-1 {f.top1}  top-3"
                f" {f.top3}  handed {f.handed}  refused {f.refused}"
            )
    if args.verbose:
        for miss in report.misses:
            print(f"  miss: {miss}")
    return 0
