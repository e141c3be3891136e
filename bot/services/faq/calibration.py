"""The confidence model's weights and the two thresholds, fitted on the dev halves.

``python -m bench.faq_calibrate`` fits a logistic regression of "the guides answer this
question and the answer built on the best passage (its excerpt, ``excerpt.py``) shows
it" on the signals of the best passage (``Signals`` below) over the dev halves of the
blind sets and the seed tuning sets, prints the table of thresholds against top-1,
wrongly refused and unanswerable handed to a person, and the fitted values, which are
copied here.  Nothing here names a word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BIAS = -2.473
WEIGHTS = {
    "coverage": 1.553,
    "cosine": 1.181,
    "cosine_margin": 0.810,
    "lexical_margin": 1.398,
    "agree": 0.673,
    "known": 1.788,
}
# At or above CONFIDENT the passage is the answer; from POSSIBLE "Did you mean…" offers the
# best three; below it the guides do not answer and a person is offered.  POSSIBLE is set
# low on purpose: a wrong refusal costs the beneficiary more than three choices do (the
# table in the README shows what each threshold trades).
CONFIDENT = 0.6
POSSIBLE = 0.35


@dataclass(frozen=True)
class Signals:
    """What the rankers said about the best passage: the confidence is computed from these."""

    coverage: float = 0.0  # share of the question's guide words the passage holds (lexical)
    cosine: float = 0.0  # the question's and the passage's sentence vectors
    cosine_margin: float = 0.0  # over the next passage's cosine
    lexical_margin: float = 0.0  # 1 - second score / best score (lexical)
    agree: float = 0.0  # 1 when both rankers put the passage first, 0.5 in both top 3
    known: float = 0.0  # share of the question's words the guides use at all

    def confidence(self) -> float:
        """Return how sure the bot is that the guides answer the question (0 to 1)."""
        z = BIAS + sum(weight * getattr(self, name) for name, weight in WEIGHTS.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
