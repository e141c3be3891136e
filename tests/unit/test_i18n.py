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


def _unisolated(text: str) -> list[str]:
    """The Latin letters, commands and placeholders of a text that are outside any
    isolate (tags, which Telegram does not show, are skipped)."""
    found, depth, i = [], 0, 0
    while i < len(text):
        char = text[i]
        if char == "<" and ">" in text[i:]:
            i = text.index(">", i) + 1
            continue
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == "\u2069":
            depth = max(depth - 1, 0)
        elif depth == 0 and ((char.isascii() and char.isalpha()) or text.startswith("%(", i)):
            found.append(text[i : i + 12])
        i += 1
    return found


def test_no_arabic_message_shows_a_command_a_latin_word_or_a_placeholder_unisolated() -> None:
    from babel.messages.pofile import read_po

    from bot.i18n import LOCALE_DIR

    tr = Catalogs().get("ar")
    with (LOCALE_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            texts = [tr.ngettext(message.id[0], message.id[1], n) for n in (0, 1, 2, 3, 11, 100)]
        elif message.context:
            texts = [tr.pgettext(message.context, message.id)]
        else:
            texts = [tr.gettext(message.id)]
        for text in texts:
            assert _unisolated(text) == [], (message.id, text)
            checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("أرسل /start للبدء.", "أرسل \u2066/start\u2069 للبدء."),
        ("ملف PDF أو JSON.", "ملف \u2066PDF\u2069 أو \u2066JSON\u2069."),
        ('<a href="%(link)s">%(ref)s</a>', '<a href="%(link)s">\u2068%(ref)s\u2069</a>'),
        ("بدون أي حرف لاتيني", "بدون أي حرف لاتيني"),
    ],
)
def test_latin_runs_and_placeholders_are_isolated_outside_tags(
    template: str, expected: str
) -> None:
    from bot.i18n import isolate_runs

    assert isolate_runs(template) == expected


def test_decimals_are_written_as_the_language_writes_them() -> None:
    assert Catalogs().get("ar").decimal(3.5) == "٣٫٥"
    assert Catalogs().get("en").decimal(3.5) == "3.5"
    assert Catalogs().get("ar").decimal(12.345, 2) == "١٢٫٣٥"
