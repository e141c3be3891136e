"""Logs never carry national ids, phone numbers or the bot token."""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from random import Random
from types import SimpleNamespace
from typing import cast

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from telegram import Chat, Message, Update, User

import bot.logs
from bot.config import load_profile
from bot.context import BotContext
from bot.logs import (
    PersonalValues,
    RedactingFilter,
    could_be_personal,
    redact,
    remember_personal_values,
)
from bot.services.validators import national_id_check_digit

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from("12"))
def test_any_national_id_is_redacted(body: str, prefix: str) -> None:
    first9 = prefix + body
    nid = first9 + str(national_id_check_digit(first9))
    for shown in (nid, nid.translate(ARABIC)):
        out = redact(f"user sent {shown}!")
        assert nid not in out and shown not in out and "<national-id>" in out


def test_phone_numbers_in_every_format_are_redacted() -> None:
    for phone in ("0551234567", "+966551234567", "00966551234567", "966 55 123 4567", "٠٥٥١٢٣٤٥٦٧"):
        out = redact(f"call {phone} now")
        assert "<phone>" in out, phone
        assert "1234567" not in out and "١٢٣٤٥٦٧" not in out


def test_the_token_is_redacted() -> None:
    out = redact("POST https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe")
    assert "AAHdq" not in out


def test_the_filter_cleans_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "bad id %s", ("1000000008",), None)
    try:
        raise ValueError("phone 0551234567")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert RedactingFilter().filter(record)
    text = record.getMessage()
    assert "1000000008" not in text and "0551234567" not in text
    assert "<national-id>" in text and "<phone>" in text and "ValueError" in text


def test_configure_logging_installs_the_filter(capsys: object) -> None:
    import pytest  # noqa: F401 - capsys comes from pytest

    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        logging.getLogger("tawasul.test").error("sent by 0551234567 with id 1000000008")
        assert logging.getLogger("telegram.ext.ExtBot").getEffectiveLevel() >= logging.INFO
        # The database driver logs statements with their parameters at DEBUG.
        assert logging.getLogger("aiosqlite").getEffectiveLevel() >= logging.INFO
        assert (
            logging.getLogger("telegram.ext._utils.webhookhandler").getEffectiveLevel()
            >= logging.INFO
        )
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "<phone>" in err and "<national-id>" in err
    assert "0551234567" not in err and "1000000008" not in err


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Give configure_logging the root logger, and put it back as it was afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    quiet = logging.getLogger("apscheduler").level
    try:
        yield
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("apscheduler").setLevel(quiet)


def test_json_lines_are_one_object_each_and_redacted(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.logs import configure_logging

    configure_logging("INFO", "json")
    log = logging.getLogger("tawasul.test")
    log.warning("call back %s", "0551234567")
    try:
        raise ValueError("id 1000000008 refused")
    except ValueError:
        log.exception("a handler failed")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2  # the traceback stays inside its record's line
    entries = [json.loads(line) for line in lines]
    assert [set(e) for e in entries] == [{"time", "level", "logger", "message"}] * 2
    assert [e["level"] for e in entries] == ["WARNING", "ERROR"]
    assert entries[0]["logger"] == "tawasul.test"
    assert entries[0]["message"] == "call back <phone>"
    assert "Traceback" in entries[1]["message"] and "<national-id>" in entries[1]["message"]
    assert datetime.fromisoformat(entries[0]["time"]).tzinfo is not None
    assert "0551234567" not in "".join(lines) and "1000000008" not in "".join(lines)


def test_the_scheduler_says_nothing_at_info_about_each_run(root_logging: None) -> None:
    from bot.logs import configure_logging

    configure_logging("INFO")
    executor = logging.getLogger("apscheduler.executors.default")
    assert not executor.isEnabledFor(logging.INFO)
    assert executor.isEnabledFor(logging.WARNING)  # a missed or failing job is still told
    assert logging.getLogger("bot").isEnabledFor(logging.INFO)
    configure_logging("DEBUG")  # asked for everything: the scheduler's lines too
    assert executor.isEnabledFor(logging.DEBUG)


def test_separators_and_our_own_ids() -> None:
    for text in ("05-1234-5678", "(055) 123-4567", "055.123.4567", "+966 55 123 4567"):
        assert redact(text) == "<phone>", text
    for text in ("1 234 567 897", "1-234-567-897"):
        assert redact(text) == "<national-id>", text
    # What our own log lines carry stays readable.
    for text in ("update 512_345_678 failed", "at 2026-11-22 09:00:00", "port 8443 pid 12345"):
        assert redact(text) == text


@given(
    st.sampled_from(["\u2066", "\u200b", "\u200f", "\ufeff", "\\u2066", "\\u200B", "\u00ad"]),
    st.integers(1, 8),
)
def test_an_invisible_mark_or_its_json_escape_hides_no_number(mark: str, at: int) -> None:
    national_id = "1023456789"
    phone = "0551234567"
    hidden_id = national_id[:at] + mark + national_id[at:]
    hidden_phone = mark + phone[:at] + mark + phone[at:]
    text = redact(f'{{"text": "{hidden_id}", "phone": "{hidden_phone}"}}')
    assert "<national-id>" in text and "<phone>" in text
    assert national_id not in text and phone not in text


# --- names: the values this process has seen ---------------------------------------------

ARABIC_NAME = "سارة محمد العتيبي"
MARKS = ["\u200b", "\u2066", "\u2069", "\u200f", "\ufeff", "\u00ad", "\u0640", "\u064e", "\u0651"]


@pytest.fixture(autouse=True)
def fresh_values(monkeypatch: pytest.MonkeyPatch) -> PersonalValues:
    """Each test starts from an empty registry (the process-wide one is fed by other tests)."""
    values = PersonalValues()
    monkeypatch.setattr(bot.logs, "PERSONAL", values)
    return values


def test_a_remembered_arabic_name_is_cut_with_its_diacritics_and_marks(
    fresh_values: PersonalValues,
) -> None:
    fresh_values.add(ARABIC_NAME)
    dressed = "سَارَة مُحَمَّــد\u200b العُتَيْبِي"
    for text in (f"name={dressed}!", f"ولـ{dressed}", json.dumps({"name": dressed})):
        out = redact(text)
        assert "<personal>" in out and "العتيبي" not in out and "\\u" not in out, out


def test_a_latin_name_is_cut_as_a_whole_word_in_any_case(fresh_values: PersonalValues) -> None:
    fresh_values.add("Ali")
    fresh_values.add("Sarah Alotaibi")
    assert redact("ALI and sarah   alotaibi wrote") == "<personal> and <personal> wrote"
    assert redact("an invalid alias, Alice") == "an invalid alias, Alice"
    assert redact("user_ali_2 (ali)") == "user_<personal>_2 (<personal>)"


def test_the_longest_value_is_cut_first(fresh_values: PersonalValues) -> None:
    for value in ("Sarah", "Sarah Alotaibi", "Sarah Al"):
        fresh_values.add(value)
    assert redact("Sarah Alotaibi, Sarah Al, Sarah") == "<personal>, <personal>, <personal>"


def test_values_of_one_or_two_letters_are_not_remembered(fresh_values: PersonalValues) -> None:
    for value in ("", None, "a", "Al", "نو", " \u200b x \u0640 "):
        fresh_values.add(value)
    assert len(fresh_values) == 0
    assert redact("Al said a word") == "Al said a word"


def test_the_registry_is_bounded_and_keeps_what_it_saw_last() -> None:
    values = PersonalValues(capacity=50, batch=10)
    for i in range(200):
        values.add(f"Name{i:03d}")
        values.add("Sarah Alotaibi")  # seen again and again: never the oldest
    assert len(values) == 50 and len(values._fresh) <= 10  # even with nothing logged
    out = values.redact("name000 name180 name199 sarah alotaibi")
    assert out == "name000 <personal> <personal> <personal>"


def test_the_deepest_trie_compiles() -> None:
    values = PersonalValues()
    long = "ب" * (PersonalValues.LONGEST - 2)
    for end in range(3, len(long) + 1):
        values.add(long[:end] + " م")  # a branch at every letter
    assert values.redact(long + " م") == "<personal>"


_arabic_names = st.lists(
    st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآؤئء", min_size=2, max_size=8),
    min_size=1,
    max_size=4,
).map(" ".join)
_latin_names = st.lists(
    st.text(alphabet=string.ascii_letters, min_size=2, max_size=8), min_size=1, max_size=3
).map(" ".join)


@given(
    st.one_of(_arabic_names, _latin_names).filter(lambda n: len(n) >= 3),
    st.text(),
    st.text(),
    st.lists(st.sampled_from(MARKS), max_size=12),
    st.randoms(use_true_random=False),
)
def test_a_remembered_name_is_cut_from_any_text_around_it(
    name: str, before: str, after: str, marks: list[str], random: Random
) -> None:
    values = PersonalValues()
    values.add(name)
    hidden = list(name)
    for mark in marks:
        hidden.insert(random.randrange(1, len(hidden)), mark)
    if name.isascii():
        # A Latin name is cut as a whole word: whatever is around it, a space parts them.
        before, after = before + " ", " " + after
    out = redact(before + "".join(hidden) + after, values)
    assert bot.logs._spelt(name) not in bot.logs._spelt(out)


def test_the_filter_cuts_names_from_tracebacks(fresh_values: PersonalValues) -> None:
    fresh_values.add("Sarah Alotaibi")
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "for %s", ("sarah alotaibi",), None)
    try:
        raise ValueError(repr("Sarah\u200b Alotaibi"))
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert RedactingFilter().filter(record)
    text = record.getMessage()
    assert "alotaibi" not in text.lower() and "ValueError: '<personal>'" in text


async def test_the_names_of_every_update_and_personal_answers_are_remembered(
    fresh_values: PersonalValues,
) -> None:
    profile = load_profile("sample")[0]
    ctx = cast(BotContext, SimpleNamespace(services=SimpleNamespace(profile=profile)))
    user = User(1001, "نُورَة", False, last_name="Al", username="noura_99")

    def update(text: str, chat: Chat) -> Update:
        sent = Message(1, datetime(2026, 1, 1, tzinfo=UTC), chat, from_user=user, text=text)
        return Update(1, message=sent)

    private = Chat(1001, Chat.PRIVATE)
    for text in ("Mona Saleh", "055–123–4567", "how do I apply?", "Hi"):
        await remember_personal_values(update(text, private), ctx)
    await remember_personal_values(update("Layla Fahad", Chat(-100, Chat.SUPERGROUP)), ctx)
    out = redact("نورة Al, noura_99 | mona saleh | 055–123–4567 | how do I apply? | Layla Fahad")
    assert out == "<personal>, <personal> | <personal> | <personal> | how do I apply? | Layla Fahad"
    assert redact("Al Fahad") == "Al Fahad"  # a last name of two letters is kept on its own


@given(
    st.one_of(
        st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩ -+()–", max_size=20),
        st.text(alphabet=string.ascii_letters + "نورة محمد-.'", max_size=30),
        st.text(max_size=30),
    )
)
@example("055 123 4567")
@example("١٠٠٠٠٠٠٠٠٨")
@example("Mona Saleh")
@example("my number is 0551234567")
def test_the_personal_check_takes_what_trying_every_field_takes(text: str) -> None:
    # The shortcut (a name has no digit; an id or a mobile nine or more; each field shape
    # once) decides as trying every field of the form would.
    fields = load_profile("sample")[0].form.fields
    every = any(bot.logs._takes_as_personal(f, text) for f in fields)
    assert could_be_personal(fields, text) == every


def test_a_remembered_id_or_phone_is_named_as_the_patterns_name_it(
    fresh_values: PersonalValues,
) -> None:
    for value in ("1000000008", "055 123 4567", "055\u2013123\u20134567"):
        fresh_values.add(value)
    out = redact("id 1000000008, phone 055 123 4567 or 055\u2013123\u20134567")
    assert out == "id <national-id>, phone <phone> or <personal>"
