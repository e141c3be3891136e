"""Logs never carry national ids, phone numbers or the bot token."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from bot.logs import RedactingFilter, redact
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
