"""Unit and property tests for bot.services.validators (and the textnorm helpers)."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Literal

import pytest
from hijridate import Gregorian, Hijri
from hypothesis import given
from hypothesis import strategies as st

from bot.services.textnorm import BIDI_CONTROLS, INVISIBLES, TATWEEL
from bot.services.validators import (
    ParsedDate,
    ValidationError,
    clean_text,
    mask_mobile,
    mask_national_id,
    national_id_check_digit,
    national_id_kind,
    normalize_digits,
    parse_date,
    parse_integer,
    parse_mobile,
    parse_national_id,
    parse_text,
    strip_diacritics,
)

ROOT = Path(__file__).resolve().parents[2]
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"
VALID_CITIZEN = "1000000008"  # 1 + eight zeros: total 2 -> check digit 8


def to_indic(text: str, digits: str = ARABIC_INDIC) -> str:
    """Write ASCII digits with another script's digits."""
    return text.translate(str.maketrans("0123456789", digits))


def with_id(first9: str) -> str:
    """Complete nine digits into a valid ID."""
    return first9 + str(national_id_check_digit(first9))


def code_of(func: object, *args: object, **kwargs: object) -> tuple[str, dict[str, int | str]]:
    """Call and return the ValidationError's code and params."""
    assert callable(func)
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value.code, info.value.params


# --- ValidationError ---------------------------------------------------------------------


def test_validation_error_carries_code_and_params() -> None:
    err = ValidationError("text.too_long", max=5)
    assert isinstance(err, ValueError)
    assert err.code == "text.too_long"
    assert err.params == {"max": 5}
    assert str(err) == "text.too_long"
    assert "max" in repr(err)


# --- normalisation ------------------------------------------------------------------------


def test_normalize_digits_examples() -> None:
    assert normalize_digits("٠٥٥١٢٣٤٥٦٧") == "0551234567"
    assert normalize_digits("۱۴۴۷") == "1447"
    assert normalize_digits("٣٫٥") == "3.5"
    assert normalize_digits("١٬٠٠٠") == "1,000"
    assert normalize_digits("abc ١٢ def") == "abc 12 def"
    assert normalize_digits("१२") == "१२"  # other scripts' digits are deliberately untouched


@given(st.text(alphabet="0123456789", max_size=30), st.sampled_from([ARABIC_INDIC, PERSIAN]))
def test_normalize_digits_round_trip(ascii_digits: str, script: str) -> None:
    assert normalize_digits(to_indic(ascii_digits, script)) == ascii_digits


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 2)), max_size=30))
def test_normalize_digits_mixed_scripts(digits: list[tuple[int, int]]) -> None:
    scripts = ("0123456789", ARABIC_INDIC, PERSIAN)
    mixed = "".join(scripts[which][d] for d, which in digits)
    assert normalize_digits(mixed) == "".join(str(d) for d, _ in digits)


def _kept_one_by_one(ch: str) -> str:
    """The rule clean_text applies, character by character (as it was first written)."""
    if ch in INVISIBLES:
        return ""
    if ch in "\t\n" or unicodedata.category(ch) != "Cc":
        return ch
    return " "


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_clean_text_drops_invisibles_and_spaces_controls_as_the_rule_says(text: str) -> None:
    from bot.services import textnorm

    one_by_one = "".join(_kept_one_by_one(ch) for ch in textnorm._LINE_BREAKS.sub("\n", text))
    expected = textnorm._HSPACE.sub(" ", unicodedata.normalize("NFC", one_by_one))
    assert clean_text(text) == textnorm._NEWLINES.sub("\n", expected).strip()


def test_clean_text_examples() -> None:
    assert clean_text("  مـحـمـد  \u200f ") == "محمد"
    assert clean_text("a\u200bb\ufeffc\u00add") == "abcd"
    assert clean_text("a \t\u00a0 b") == "a b"
    assert clean_text("line1 \r\n\r\n  line2\u2029line3 ") == "line1\nline2\nline3"
    assert clean_text("\u202bنص\u202c") == "نص"
    assert clean_text("\u3164") == ""  # Hangul filler "blank name"
    # A control character separates words as a space would (issue 14: «Glucosemeter»).
    assert clean_text("a\x00b\x07c") == "a b c"
    assert clean_text("Glucose\x00meter") == "Glucose meter"
    # ZWJ emoji sequences and ZWNJ are kept.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(family) == family
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"
    # NFC: alef + combining hamza above -> أ; e + combining acute -> é
    assert clean_text("\u0627\u0654") == "\u0623"
    assert clean_text("e\u0301") == "é"


@given(st.text())
def test_clean_text_idempotent_and_removes_invisibles(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not any(ch in BIDI_CONTROLS or ch == TATWEEL for ch in cleaned)
    assert not set(cleaned) & INVISIBLES
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\n\n" not in cleaned
    assert unicodedata.is_normalized("NFC", cleaned)


@given(st.text(alphabet=st.sampled_from([*sorted(BIDI_CONTROLS), TATWEEL, "a", "ب", " "])))
def test_clean_text_removes_every_bidi_control_and_tatweel(text: str) -> None:
    cleaned = clean_text(text)
    assert set(cleaned) <= {"a", "ب", " "}
    assert cleaned.replace(" ", "") == "".join(ch for ch in text if ch in "aب")


def test_strip_diacritics() -> None:
    assert strip_diacritics("مُحَمَّد") == "محمد"
    assert strip_diacritics("عَبْدُ الرَّحْمٰنِ") == "عبد الرحمن"
    assert strip_diacritics("\u0627\u0654") == "أ"  # hamza is a letter here, not a mark
    assert strip_diacritics("إبراهيم") == "إبراهيم"
    assert strip_diacritics("ذٰلِكَ\u06d6") == "ذلك"


# --- parse_text ----------------------------------------------------------------------------


def test_parse_text_ok_and_cleaned() -> None:
    assert parse_text("  أهلاً   وسهلاً ") == "أهلاً وسهلاً"


@pytest.mark.parametrize(
    ("text", "kwargs", "code", "params"),
    [
        ("", {}, "text.empty", {}),
        (" \u200f\u0640 \n", {}, "text.empty", {}),
        ("ab", {"min_length": 3}, "text.too_short", {"min": 3}),
        ("abcdef", {"max_length": 5}, "text.too_long", {"max": 5}),
        ("محمد 2", {"letters_only": True}, "text.not_letters", {}),
        ("محمد ٢", {"letters_only": True}, "text.not_letters", {}),
        ("سارة \U0001f600", {"letters_only": True}, "text.not_letters", {}),
        ("a_b", {"letters_only": True}, "text.not_letters", {}),
        ("- . '", {"letters_only": True}, "text.not_letters", {}),
        ("سطر\nسطر", {"letters_only": True}, "text.not_letters", {}),
    ],
)
def test_parse_text_errors(
    text: str, kwargs: dict[str, int | bool], code: str, params: dict[str, int]
) -> None:
    assert code_of(parse_text, text, **kwargs) == (code, params)


@pytest.mark.parametrize(
    "name",
    [
        "عبدُالله بن محمد",
        "Jean-Luc O'Neil",
        "أحمد الـعلي",
        "Dr. Ali",
        "محمد ۢ",
        "ماریا\u200cنور",
        "Zoë",
        "राम कुमार",
    ],
)
def test_parse_text_letters_only_accepts_names(name: str) -> None:
    assert parse_text(name, letters_only=True) == clean_text(name)


# --- parse_integer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        (" ٤٢ ", 42),
        ("۴۲", 42),
        ("\u200f-٥", -5),
        ("+7", 7),
        ("- 3", -3),
        ("\u22123", -3),
        ("007", 7),
        ("1,000", 1000),
        ("١٬٢٣٤٬٥٦٧", 1234567),
        ("0", 0),
    ],
)
def test_parse_integer_ok(text: str, value: int) -> None:
    assert parse_integer(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "4.5",
        "٤٫٥",
        "1,00",
        "1,0000",
        ",100",
        "1 000",
        "++1",
        "5-",
        "१२",
        "²",
        "1e3",
        "0x10",
        "1" * 1001,
    ],
)
def test_parse_integer_invalid(text: str) -> None:
    assert code_of(parse_integer, text) == ("number.invalid", {})


def test_parse_integer_bounds() -> None:
    assert parse_integer("5", minimum=5, maximum=5) == 5
    assert code_of(parse_integer, "4", minimum=5) == ("number.too_small", {"min": 5})
    assert code_of(parse_integer, "٦", maximum=5) == ("number.too_large", {"max": 5})
    assert code_of(parse_integer, "9" * 50, maximum=10) == ("number.too_large", {"max": 10})


@given(st.integers(-(10**12), 10**12))
def test_parse_integer_round_trip(value: int) -> None:
    assert parse_integer(str(value)) == value
    assert parse_integer(to_indic(f"{value:,}")) == value


# --- national ID ----------------------------------------------------------------------------

first9s = st.tuples(st.sampled_from("12"), st.text(alphabet="0123456789", min_size=8, max_size=8))


def test_national_id_examples() -> None:
    assert national_id_check_digit("100000000") == 8
    assert parse_national_id(VALID_CITIZEN) == VALID_CITIZEN
    assert parse_national_id("١٠٠٠ ٠٠٠ ٠٠٨") == VALID_CITIZEN
    assert parse_national_id("\u200e1000-000-008\u200e") == VALID_CITIZEN
    resident = with_id("212345678")
    assert national_id_kind(resident) == "resident"
    assert national_id_kind(VALID_CITIZEN) == "citizen"
    assert mask_national_id(VALID_CITIZEN) == "1*******08"
    assert mask_national_id("12") == "**"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "national_id.length"),
        ("abc", "national_id.not_digits"),
        ("10000000O8", "national_id.not_digits"),
        ("1000000008x", "national_id.not_digits"),
        ("100000008", "national_id.length"),
        ("10000000080", "national_id.length"),
        ("3000000006", "national_id.prefix"),
        ("0000000000", "national_id.prefix"),
        ("1000000009", "national_id.checksum"),
        ("١٠٠٠٠٠٠٠٠٧", "national_id.checksum"),
    ],
)
def test_national_id_errors(text: str, code: str) -> None:
    assert code_of(parse_national_id, text) == (code, {})


def test_national_id_check_digit_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="nine ASCII digits"):
        national_id_check_digit("12345678")
    with pytest.raises(ValueError, match="nine ASCII digits"):
        national_id_check_digit("١٢٣٤٥٦٧٨٩")


noise = st.sampled_from([" ", "-", LRM, RLM, ALM, "\u2066", "\u2069", " - ", "\u00a0"])


@given(first9s, st.booleans(), st.data())
def test_generated_ids_parse(first: tuple[str, str], indic: bool, data: st.DataObject) -> None:
    nid = with_id(first[0] + first[1])
    written = to_indic(nid) if indic else nid
    pieces = [ch + data.draw(st.one_of(st.just(""), noise)) for ch in written]
    text = data.draw(noise) + "".join(pieces)
    assert parse_national_id(text) == nid
    assert national_id_kind(text) == ("citizen" if nid[0] == "1" else "resident")
    masked = mask_national_id(nid)
    assert masked[0] == nid[0] and masked[-2:] == nid[-2:] and masked[1:-2] == "*" * 7


def test_luhn_doubling_is_a_permutation() -> None:
    """The reason single-digit errors are always caught: d -> digitsum(2d) is a bijection."""
    doubled = [(2 * d) - 9 if 2 * d > 9 else 2 * d for d in range(10)]
    assert sorted(doubled) == list(range(10))


@given(first9s, st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(
    first: tuple[str, str], position: int, delta: int
) -> None:
    nid = with_id(first[0] + first[1])
    changed = nid[:position] + str((int(nid[position]) + delta) % 10) + nid[position + 1 :]
    code, _ = code_of(parse_national_id, changed)
    if changed[0] in "12":
        assert code == "national_id.checksum"
    else:
        assert code == "national_id.prefix"


def test_every_single_digit_change_of_one_id_exhaustively() -> None:
    nid = with_id("123456789")
    for position in range(10):
        for digit in "0123456789":
            if digit == nid[position]:
                continue
            changed = nid[:position] + digit + nid[position + 1 :]
            with pytest.raises(ValidationError):
                parse_national_id(changed)


# --- mobile ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0551234567",
        "551234567",
        "966551234567",
        "+966551234567",
        "00966551234567",
        "055 123 4567",
        "055-123-4567",
        "055.123.4567",
        "(055) 123 4567",
        "+966 55 123 4567",
        "٠٥٥١٢٣٤٥٦٧",
        "+٩٦٦٥٥١٢٣٤٥٦٧",
        "\u200e+966 55 123 4567\u200e",
        "۰۵۵۱۲۳۴۵۶۷",
        "+966 (0) 55 123 4567",
        "00 966 55-123-4567",
    ],
)
def test_parse_mobile_ok(text: str) -> None:
    assert parse_mobile(text) == "+966551234567"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0112345678",
        "+966112345678",
        "05512345678",
        "055123456",
        "+9664551234567",
        "+971551234567",
        "+0551234567",
        "abc",
        "0551234567 ext 2",
        "+966 5512345678",
        "9665512345678",
        "0 0551234567",
        "055123456٧x",
    ],
)
def test_parse_mobile_invalid(text: str) -> None:
    assert code_of(parse_mobile, text) == ("mobile.invalid", {})


def test_mask_mobile() -> None:
    assert mask_mobile("+966551234567") == "+9665*****567"
    assert mask_mobile("0551234567") == "+9665*****567"
    assert mask_mobile("garbage") == "***"


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.data())
def test_all_mobile_formats_agree(rest: str, data: st.DataObject) -> None:
    local = "5" + rest
    expected = "+966" + local
    formats = [
        "0" + local,
        local,
        "966" + local,
        "+966" + local,
        "00966" + local,
        f"+966 {local[:2]} {local[2:5]} {local[5:]}",
        f"0{local[:2]}-{local[2:5]}-{local[5:]}",
        f"(0{local[:2]}) {local[2:5]}.{local[5:]}",
        to_indic("0" + local),
        to_indic("+966" + local, PERSIAN),
        RLM + "0" + local + LRM,
    ]
    for written in formats:
        assert parse_mobile(written) == expected
    assert parse_mobile(data.draw(st.sampled_from(formats))) == expected


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calendar"),
    [
        ("1447/05/20", "hijri"),
        ("20/05/1447", "hijri"),
        ("1447-5-20", "hijri"),
        ("٢٠/٠٥/١٤٤٧ هـ", "hijri"),
        ("1447.05.20ه", "hijri"),
        ("20 5 1447", "hijri"),
        ("1447/05/20 AH", "hijri"),
        ("1447/5/20 H", "hijri"),
        ("1447/05/20 هجري", "hijri"),
        ("20 / 05 / 1447 A.H.", "hijri"),
        ("١٤٤٧؍٠٥؍٢٠", "hijri"),
        ("2025-11-11", "gregorian"),
        ("11/11/2025", "gregorian"),
        ("11.11.2025 م", "gregorian"),
        ("2025/11/11 AD", "gregorian"),
        ("\u200f2025 11 11 g", "gregorian"),
    ],
)
def test_parse_date_same_day(text: str, calendar: Literal["hijri", "gregorian"]) -> None:
    assert parse_date(text) == ParsedDate(dt.date(2025, 11, 11), (1447, 5, 20), calendar)


def test_parse_date_day_month_order() -> None:
    parsed = parse_date("03/04/2025")
    assert parsed.gregorian == dt.date(2025, 4, 3)  # day/month/year, never US order
    assert parsed.calendar == "gregorian"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "20/05/47",
        "47/05/20",
        "1447/05",
        "1447/05/20/1",
        "05/1447/20",
        "1447/005/20",
        "1447/05/200",
        "1447/05/20 xyz",
        "2025-11-11T10:00",
        "14470/05/20",
        "1447//05//20",
    ],
)
def test_parse_date_invalid(text: str) -> None:
    assert code_of(parse_date, text) == ("date.invalid", {})


@pytest.mark.parametrize(
    "text",
    [
        "1447/13/01",
        "1447/00/10",
        "1447/05/00",
        "1447/05/31",
        "2025-02-30",
        "2025-13-01",
        "1300/01/01",
        "1342/12/29",
        "1501/01/01",
        "1447/05/20 م",
        "2025/11/11 هـ",
        "1800-01-01",
        "1901-01-01",
        "2100-01-01",
        "0000-01-01",
    ],
)
def test_parse_date_impossible(text: str) -> None:
    assert code_of(parse_date, text) == ("date.impossible", {})


def test_parse_date_hijri_month_length_follows_umm_al_qura() -> None:
    for month in range(1, 13):
        try:
            Hijri(1446, month, 30)
        except ValueError:
            assert code_of(parse_date, f"1446/{month}/30") == ("date.impossible", {})
        else:
            assert parse_date(f"1446/{month}/30").hijri == (1446, month, 30)


def test_parse_date_bounds() -> None:
    low, high = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    assert parse_date("2025-01-01", minimum=low, maximum=high).gregorian == low
    assert code_of(parse_date, "2024-12-31", minimum=low) == (
        "date.too_early",
        {"min": "2025-01-01"},
    )
    assert code_of(parse_date, "1447/07/20", maximum=high) == (
        "date.too_late",
        {"max": "2025-12-31"},
    )


@given(st.dates(dt.date(1940, 1, 1), dt.date(2075, 12, 31)), st.booleans())
def test_hijri_round_trip(day: dt.date, year_last: bool) -> None:
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    text = f"{h.day}/{h.month}/{h.year}" if year_last else f"{h.year}/{h.month}/{h.day}"
    parsed = parse_date(text)
    assert parsed.gregorian == day
    assert parsed.hijri == (h.year, h.month, h.day)
    assert parsed.calendar == "hijri"
    assert parse_date(to_indic(text) + " هـ") == parsed


@given(st.dates(dt.date(1940, 1, 1), dt.date(2075, 12, 31)))
def test_gregorian_round_trip(day: dt.date) -> None:
    for text in (day.isoformat(), f"{day.day}/{day.month}/{day.year}", day.strftime("%d.%m.%Y")):
        parsed = parse_date(text)
        assert parsed.gregorian == day
        assert parsed.calendar == "gregorian"
        h = Hijri(*parsed.hijri)
        assert h.to_gregorian() == day


# --- junk never escapes as anything but ValidationError --------------------------------------

junk = st.one_of(
    st.text(),
    st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩/-. +()هم\u200f\u0640,٫٬"),
)


@given(junk)
def test_junk_only_raises_validation_error(text: str) -> None:
    parsers = (parse_text, parse_integer, parse_national_id, parse_mobile, parse_date)
    for parser in parsers:
        try:
            parser(text)
        except ValidationError as err:
            assert err.code.split(".")[0] in {"text", "number", "national_id", "mobile", "date"}
    with contextlib.suppress(ValidationError):
        parse_text(text, letters_only=True, min_length=2, max_length=10)
    assert isinstance(mask_mobile(text), str)
    assert isinstance(mask_national_id(text), str)


def test_every_supported_day_round_trips_through_hijri_text() -> None:
    """Exhaustive over hijridate's whole Umm al-Qura range (1343-1500 AH)."""
    day, last = dt.date(1924, 8, 1), dt.date(2077, 11, 16)
    count = 0
    while day <= last:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
        assert parse_date(f"{h.year}/{h.month}/{h.day}").gregorian == day
        day += dt.timedelta(days=1)
        count += 1
    assert count == (last - dt.date(1924, 8, 1)).days + 1
    assert code_of(parse_date, "1924-07-31") == ("date.impossible", {})
    assert code_of(parse_date, "2077-11-17") == ("date.impossible", {})


def test_domain_module_imports_neither_telegram_nor_babel() -> None:
    code = (
        "import sys, bot.services.validators; "
        "print(sorted({'telegram', 'babel'} & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
