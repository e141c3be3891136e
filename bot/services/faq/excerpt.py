"""What an answer shows: the passage found, with its neighbours in the section.

A guide answers in its sections, and the ranker's choice inside a section is often one
paragraph or bullet off: "when will the committee reply?" finds the bullet on the
committee, and the deadline is the next one. So an answer shows the passage found and
the passages around it in the same section, as the guide has them, up to ``EXCERPT_CHARS``
characters (about a phone screen); the passage found is the one in bold. A short section
is shown whole; a longer one keeps its "Show the whole section" button.

On the blind dev halves this took top-1, judged on what is shown, from 0.569 (the passage
alone) to 0.638 (``python -m bench.faq_blind --part dev``; README, "How a question is
answered").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["EXCERPT_CHARS", "excerpt"]

EXCERPT_CHARS = 600


class _Shown(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def lead(self) -> str: ...


P = TypeVar("P", bound=_Shown)


def excerpt(section: Sequence[P], found: P, limit: int = EXCERPT_CHARS) -> list[P]:
    """Return the passages of section around found (in the guide's order), within limit.

    The passage found is always shown, however long; the next passage, then the one
    before, and so on outwards, join it while the excerpt stays within limit characters.
    A passage that is not in section is shown alone.
    """
    at = next((i for i, p in enumerate(section) if p is found or p == found), None)
    if at is None:
        return [found]
    low = high = at
    total = _size(found)
    grew = True
    while grew:
        grew = False
        for step in (high + 1, low - 1):
            if 0 <= step < len(section) and total + _size(section[step]) <= limit:
                total += _size(section[step])
                low, high = min(low, step), max(high, step)
                grew = True
    return list(section[low : high + 1])


def _size(passage: _Shown) -> int:
    return len(passage.text) + len(passage.lead)
