"""What an answer shows around the passage found (bot/services/faq/excerpt.py)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from bot.services.faq.evaluate import EvalPassage, answers, shown_in
from bot.services.faq.excerpt import excerpt


@dataclass(frozen=True)
class P:
    n: int
    text: str
    lead: str = ""


def _size(p: P) -> int:
    return len(p.text) + len(p.lead)


@given(
    sizes=st.lists(st.integers(1, 400), min_size=1, max_size=12),
    pick=st.integers(0, 11),
    limit=st.integers(1, 1200),
)
def test_an_excerpt_is_the_widest_run_around_the_passage_within_the_limit(
    sizes: list[int], pick: int, limit: int
) -> None:
    section = [P(i, "x" * size) for i, size in enumerate(sizes)]
    found = section[pick % len(section)]
    shown = excerpt(section, found, limit)
    assert found in shown
    numbers = [p.n for p in shown]
    assert numbers == list(range(numbers[0], numbers[-1] + 1))  # contiguous, in order
    total = sum(_size(p) for p in shown)
    assert total <= limit or shown == [found]  # a long passage is still shown, alone
    # Neither neighbour left out would have fitted.
    for outside in (numbers[0] - 1, numbers[-1] + 1):
        if 0 <= outside < len(section):
            assert total + _size(section[outside]) > limit


def test_a_short_section_is_shown_whole_and_a_stranger_alone() -> None:
    section = [P(0, "a" * 100, "lead"), P(1, "b" * 100, "lead"), P(2, "c" * 100)]
    assert excerpt(section, section[2]) == section
    stranger = P(9, "z")
    assert excerpt(section, stranger) == [stranger]


def test_faq_eval_judges_what_the_answer_shows() -> None:
    first = EvalPassage(1, "الصرف", "تصرف الإعانة في اليوم الخامس.", section=1)
    second = EvalPassage(2, "الصرف", "وفي العطلة يكون الصرف في أول يوم عمل بعده.", section=1)
    other = EvalPassage(3, "التحديث", "يحدث المستفيد بياناته كل سنة.", section=2)
    shown = shown_in([first, second, other])
    assert answers(shown[1], ["أول يوم عمل"])  # the neighbour is shown with the answer
    assert not answers(shown[3], ["أول يوم عمل"])  # another section is not
