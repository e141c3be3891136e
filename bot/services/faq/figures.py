"""The figures faq-eval prints: shares with 95% intervals, overall and by style and language.

The interval is Wilson's score interval: on the few dozen questions of one style a share of
0.8 may be anything from 0.6 to 0.9, and the table should say so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.services.faq.evaluate import REFUSED, Result

__all__ = ["Figures", "by", "figures", "wilson"]

Z95 = 1.959964


def wilson(successes: int, total: int) -> tuple[float, float]:
    """Return the 95% Wilson score interval of successes out of total."""
    if total == 0:
        return (0.0, 1.0)
    if successes in (0, total):  # the exact bound, not one rounded a hair inside it
        half = 1 / (1 + total / Z95**2)
        return (0.0, half) if successes == 0 else (1 - half, 1.0)
    p = successes / total
    denominator = 1 + Z95**2 / total
    centre = (p + Z95**2 / (2 * total)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def value(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def interval(self) -> str:
        low, high = wilson(self.count, self.total)
        return f"[{low:.2f}–{high:.2f}]"

    def __str__(self) -> str:
        return f"{self.value:.3f} {self.interval}" if self.total else "  —"


@dataclass(frozen=True)
class Figures:
    answerable: int
    unanswerable: int
    top1: Share
    top3: Share
    handed: Share
    refused: Share


def figures(results: Iterable[Result]) -> Figures:
    results = list(results)
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    a, u = len(answerable), len(unanswerable)
    return Figures(
        a,
        u,
        Share(sum(r.top1 for r in answerable), a),
        Share(sum(r.top3 for r in answerable), a),
        Share(sum(r.outcome in REFUSED for r in unanswerable), u),
        Share(sum(r.outcome in REFUSED for r in answerable), a),
    )


def by(results: Sequence[Result], key: Callable[[Result], str]) -> list[tuple[str, Figures]]:
    """Return the figures of each group of results, largest group first."""
    groups: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        groups[key(result) or "(none)"].append(result)
    return [
        (name, figures(group))
        for name, group in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))
    ]
