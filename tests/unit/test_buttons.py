"""The callback-data codec: every button has one spelling, and nothing else parses."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import buttons
from handlers.buttons import (
    ID,
    LIMIT,
    STAFF_KINDS,
    Button,
    CardButton,
    FormButton,
    Rate,
    SkipComment,
    _parts,
    is_staff_button,
)

KINDS = sorted(Button.__subclasses__(), key=lambda k: k.__name__)


def _value(part: buttons.Part) -> st.SearchStrategy[Any]:
    if part is ID:
        return st.integers(0, 10**9)  # ids as large as a real deployment's
    text = st.from_regex(part.pattern, fullmatch=True)
    return text.map(part.read) if part.number else text


def _button(kind: type[Button]) -> st.SearchStrategy[Button]:
    values = {
        name: (st.none() | _value(part)) if optional else _value(part)
        for name, part, optional in _parts(kind)
    }
    return st.fixed_dictionaries(values).map(lambda v: kind(**v))


ANY_BUTTON = st.one_of([_button(k) for k in KINDS])


@given(ANY_BUTTON)
def test_every_button_reads_back_as_written_and_as_no_other_kind(button: Button) -> None:
    data = button.encode()
    assert len(data.encode()) <= LIMIT
    assert type(button).parse(data) == button
    others = [k for k in KINDS if k is not type(button) and k.parse(data) is not None]
    assert others == []
    assert is_staff_button(data) == isinstance(button, STAFF_KINDS)


def _mutated(data: str) -> st.SearchStrategy[str]:
    """Near misses of a real button: a character changed, added or dropped."""
    return st.integers(0, len(data)).flatmap(
        lambda i: st.sampled_from(list("0١²:x -+٩𝟙\u200b\u2066")).flatmap(
            lambda c: st.sampled_from(
                [data[:i] + c + data[i:], data[:i] + c + data[i + 1 :], data[:i] + data[i + 1 :]]
            )
        )
    )


@given(st.text(max_size=70) | ANY_BUTTON.map(lambda b: b.encode()).flatmap(_mutated))
def test_whatever_parses_is_spelled_exactly_as_its_button_writes_it(data: str) -> None:
    for kind in KINDS:
        button = kind.parse(data)
        if button is not None:
            assert button.encode() == data


@pytest.mark.parametrize(
    "data",
    [
        "staff:accept:١:١:yes",  # Arabic-Indic digits
        "staff:accept:5:3²:yes",  # a superscript
        f"staff:accept:{2**64}:1:yes",  # past a 64-bit integer
        "staff:accept:5:3:yes:extra",  # one field too many
        "staff:accept:5",  # too few
        "staff:launch:5:3",  # no such action
        "staff:accept:05:3",  # a second spelling of 5
        "staff:accept:5:3:<b>",  # not a word
        "rate:5:6",
        "rate:skip:x",
        "",
        "staff",
    ],
)
def test_forged_data_parses_to_nothing(data: str) -> None:
    assert all(kind.parse(data) is None for kind in KINDS)


def test_optional_fields_are_trailing_and_each_field_declares_its_part() -> None:
    for kind in KINDS:
        flags = [optional for _, _, optional in _parts(kind)]
        assert flags == sorted(flags), kind  # no required field after an optional one
        assert len(flags) == len(fields(kind))


def test_the_wire_format_of_buttons_already_in_chats_is_kept() -> None:
    assert Rate.parse("rate:12:4") == Rate(12, 4)
    assert SkipComment.parse("rate:skip:12") == SkipComment(12)
    assert CardButton.parse("staff:reject:7:2:*") == CardButton("reject", 7, 2, "*")
    assert FormButton.parse("form:choose:3:9:medical_devices") == FormButton(
        "choose", 3, 9, "medical_devices"
    )
    assert buttons.BroadcastSegment.parse("bc:seg:4:delivered:2026-05") is not None
