"""The questions the guides missed, grouped: one line per thing people asked, not per wording.

Two questions are one group when their content words mostly agree (stems, fillers left
out) or their sentence vectors are close; a group is named by its most asked wording and
counts every time any of its wordings was asked.  Largest groups first: what a new card or
guide section would answer most often.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.services.faq import semantic
from bot.services.faq.arabic import tokens
from bot.services.faq.lexicon import Lexicon, key_of
from storage.questions import Gap

__all__ = ["GapGroup", "group_gaps"]

SAME_WORDS = 0.5  # Jaccard of content stems
SAME_MEANING = 0.8  # cosine of sentence vectors


@dataclass(frozen=True)
class GapGroup:
    text: str  # the most asked wording
    times: int  # asked, all wordings together
    wordings: int
    reason: str


def _words(text: str, lexicon: Lexicon) -> frozenset[str]:
    return frozenset(key_of(w) for w in tokens(text) if not lexicon.is_filler(w))


def group_gaps(
    gaps: Sequence[Gap], lexicon: Lexicon, embedder: semantic.Embedder | None
) -> list[GapGroup]:
    """Return the gaps grouped by what they ask, largest group first."""
    if not gaps:
        return []
    words = [_words(g.text, lexicon) for g in gaps]
    vectors = embedder.encode([g.text for g in gaps]) if embedder is not None else None
    groups: list[list[int]] = []
    for i in range(len(gaps)):
        for group in groups:
            j = group[0]
            union = words[i] | words[j]
            jaccard = len(words[i] & words[j]) / len(union) if union else 1.0
            close = vectors is not None and float(np.dot(vectors[i], vectors[j])) >= SAME_MEANING
            if jaccard >= SAME_WORDS or close:
                group.append(i)
                break
        else:
            groups.append([i])
    out = []
    for group in groups:
        members = [gaps[i] for i in group]
        first = max(members, key=lambda g: (g.times, g.last_asked))
        reasons = {g.reason for g in members}
        reason = next(r for r in ("unhelpful", "unanswered", "unsure") if r in reasons)
        out.append(GapGroup(first.text, sum(g.times for g in members), len(members), reason))
    return sorted(out, key=lambda g: (-g.times, -g.wordings, g.text))
