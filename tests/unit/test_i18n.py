"""Locale resolution, Arabic-Indic digits, Hijri and Gregorian dates, bidi isolation."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import Catalogs, isolate, ltr, resolve_locale


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ar", "ar"), ("ar-SA", "ar"), ("en", "en"), ("en-GB", "en"), ("fr", "ar"), (None, "ar")],
)
def test_resolve_locale(code: str | None, expected: str) -> None:
    assert resolve_locale(code) == expected


def test_english_default_is_respected() -> None:
    assert resolve_locale("de", default="en") == "en"


def test_dates_in_both_calendars() -> None:
    ar = Catalogs().get("ar")
    en = Catalogs().get("en")
    day = date(2025, 11, 11)  # 20 Jumada al-Ula 1447 (Umm al-Qura)
    assert ar.hijri(day) == "٢٠ جمادى الأولى ١٤٤٧ هـ"
    assert en.hijri(day) == "20 Jumada al-Ula 1447 AH"
    assert ar.gregorian(day) == "١١ نوفمبر ٢٠٢٥"
    assert en.both_dates(day) == "20 Jumada al-Ula 1447 AH (11 November 2025)"


def test_digits_only_change_in_arabic() -> None:
    assert Catalogs().get("ar").number(2026) == "٢٠٢٦"
    assert Catalogs().get("en").number(2026) == "2026"


def test_isolation_marks() -> None:
    assert isolate("Sara") == "\u2068Sara\u2069"
    assert ltr("+966551234567") == "\u2066+966551234567\u2069"
