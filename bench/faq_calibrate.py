"""Fit the FAQ's confidence model on the dev halves and print its threshold table.

    python -m bench.faq_calibrate [--write]

The blind sets' dev halves (``tests/fixtures/blind``, split by each question's hash) and
the seed tuning sets are answered; for each question the best passage's signals
(``answerer.Signals``) and whether the guides answer it are collected; a logistic
regression of the latter on the former gives the weights.  The table shows, for each
refusal threshold, top-1, answerable wrongly refused and unanswerable handed to a person
on those questions.  The held-out halves are never read here.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from bot.services.faq import calibration, semantic
from bot.services.faq.answerer import Answerer, Outcome
from bot.services.faq.calibration import Signals
from bot.services.faq.evaluate import Case, answers, load_cases, passages_from, shown_in

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "tests" / "fixtures" / "blind"
SEEDS = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("00*.txt"))
SETS: list[tuple[Path, list[Path], bool]] = [  # (questions, guides, dev half only)
    (BLIND / "orphan_care.jsonl", [BLIND / "guides" / "orphan_care.md"], True),
    (BLIND / "housing.jsonl", [BLIND / "guides" / "housing.md"], True),
    (BLIND / "women_empowerment.jsonl", [BLIND / "guides" / "women_empowerment.txt"], True),
    (BLIND / "seed_chatty.jsonl", SEEDS, True),
    (ROOT / "tests" / "fixtures" / "faq_dev.jsonl", SEEDS, False),
    (ROOT / "tests" / "fixtures" / "faq_tuning.jsonl", SEEDS, False),
]
NAMES = [f.name for f in fields(Signals)]


def collect() -> list[tuple[Case, Signals, bool]]:
    """Return each dev question with its best passage's signals and whether it is right."""
    embedder = semantic.load()
    rows = []
    for questions, guides, dev_only in SETS:
        passages = passages_from(guides)
        shown = shown_in(passages)
        answerer = Answerer(passages, embedder=embedder)
        for case in load_cases(questions):
            if dev_only and case.half != "dev":
                continue
            answer = answerer.answer(case.question)
            if answer.outcome is Outcome.EMPTY:
                continue
            right = bool(answer.hits) and answers(shown[answer.hits[0].key], case.must_contain)
            rows.append((case, answer.signals, right))
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.002, steps: int = 20000) -> np.ndarray:
    """Return logistic-regression weights (bias last) by gradient descent."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0]
        w -= 0.5 * grad
    return w


def table(rows: list[tuple[Case, Signals, bool]], weights: np.ndarray) -> None:
    x = np.array([[getattr(s, n) for n in NAMES] for _, s, _ in rows])
    conf = 1 / (1 + np.exp(-(x @ weights[:-1] + weights[-1])))
    answerable = np.array([c.answerable for c, _, _ in rows])
    right = np.array([r for _, _, r in rows])
    print("| refuse below | top-1 | answerable wrongly refused | unanswerable handed |")
    print("|---|---|---|---|")
    for threshold in np.arange(0.2, 0.81, 0.05):
        shown = conf >= threshold
        top1 = np.mean(shown[answerable] & right[answerable])
        refused = np.mean(~shown[answerable])
        handed = np.mean(~shown[~answerable])
        print(f"| {threshold:.2f} | {top1:.3f} | {refused:.3f} | {handed:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    rows = collect()
    answerable = sum(c.answerable for c, _, _ in rows)
    print(f"dev questions: {len(rows)} ({answerable} answerable)")
    x = np.array([[getattr(s, n) for n in NAMES] for _, s, _ in rows])
    # The target: the guides answer it AND the best passage is the answer, so a confident
    # wrong passage counts against answering as a refusal would.
    y = np.array([float(c.answerable and r) for c, _, r in rows])
    weights = fit(x, y)
    print("fitted: BIAS =", round(float(weights[-1]), 3))
    print(
        "WEIGHTS = {"
        + ", ".join(f'"{n}": {w:.3f}' for n, w in zip(NAMES, weights, strict=False))
        + "}"
    )
    table(rows, weights)
    current = np.array([calibration.WEIGHTS.get(n, 0.0) for n in NAMES] + [calibration.BIAS])
    print("\nwith the weights in bot/services/faq/calibration.py:")
    table(rows, current)
    print(asdict(rows[0][1]) if rows else "")


if __name__ == "__main__":
    main()
