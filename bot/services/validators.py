"""Validators for beneficiary input: tolerant of formatting, strict on meaning.

Pure domain code: every parser returns a normalised value or raises ``ValidationError``
carrying a message *code* (plus parameters) that the presentation layer translates.

Codes: text.empty, text.too_short(min), text.too_long(max), text.not_letters;
number.invalid, number.too_small(min), number.too_large(max);
national_id.not_digits, national_id.length, national_id.prefix, national_id.checksum;
mobile.invalid; date.invalid, date.impossible, date.too_early(min), date.too_late(max).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from hijridate import Gregorian, Hijri

from bot.services.textnorm import clean_text, normalize_digits, strip_diacritics

__all__ = [
    "ParsedDate",
    "ValidationError",
    "clean_text",
    "mask_mobile",
    "mask_national_id",
    "national_id_check_digit",
    "national_id_kind",
    "normalize_digits",
    "parse_date",
    "parse_integer",
    "parse_mobile",
    "parse_national_id",
    "parse_text",
    "strip_diacritics",
]

Calendar = Literal["hijri", "gregorian"]


class ValidationError(ValueError):
    """A user input was rejected; ``code`` names the reason, ``params`` fill its message."""

    def __init__(self, code: str, **params: int | str) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, int | str] = params

    def __repr__(self) -> str:
        """Show the code and parameters."""
        return f"ValidationError({self.code!r}, **{self.params!r})"


# --- free text --------------------------------------------------------------------------

_NAME_PUNCTUATION = frozenset(" -'.\u2019\u200c")  # ’ and ZWNJ (Persian/Urdu names)


def parse_text(
    text: str, *, min_length: int = 1, max_length: int = 500, letters_only: bool = False
) -> str:
    """Return the cleaned text if its length (in code points) is within bounds."""
    cleaned = clean_text(text)
    if not cleaned:
        raise ValidationError("text.empty")
    if len(cleaned) < min_length:
        raise ValidationError("text.too_short", min=min_length)
    if len(cleaned) > max_length:
        raise ValidationError("text.too_long", max=max_length)
    if letters_only and not _is_letters(strip_diacritics(cleaned)):
        raise ValidationError("text.not_letters")
    return cleaned


def _is_letters(text: str) -> bool:
    """Letters of any script (with their marks), space, hyphen, apostrophe, dot; one letter+."""
    has_letter = False
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "L":
            has_letter = True
        elif category[0] != "M" and ch not in _NAME_PUNCTUATION:
            return False
    return has_letter


# --- integers ---------------------------------------------------------------------------

_INTEGER = re.compile(r"([+\-\u2212]?) ?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,1000})")


def parse_integer(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Parse a whole number: any digits we normalise, a leading sign, 1,000-style groups."""
    match = _INTEGER.fullmatch(normalize_digits(clean_text(text)))
    if match is None:
        raise ValidationError("number.invalid")
    sign, digits = match.groups()
    value = int(digits.replace(",", ""))
    if sign in ("-", "\u2212"):
        value = -value
    if minimum is not None and value < minimum:
        raise ValidationError("number.too_small", min=minimum)
    if maximum is not None and value > maximum:
        raise ValidationError("number.too_large", max=maximum)
    return value


# --- Saudi national ID / iqama ----------------------------------------------------------

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_ID_SEPARATORS = re.compile(f"[\\s{_DASHES}]+")


def _luhn_total(digits: str) -> int:
    """Sum with even positions (0, 2, ...) doubled and digit-summed, as Saudi IDs do."""
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total


def national_id_check_digit(first9: str) -> int:
    """Return the tenth digit that makes ``first9`` + digit a valid Saudi ID/iqama."""
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        raise ValueError("first9 must be exactly nine ASCII digits")
    return (10 - _luhn_total(first9) % 10) % 10


def parse_national_id(text: str) -> str:
    """Return a valid 10-digit Saudi national ID (1...) or iqama (2...) as ASCII digits."""
    digits = _ID_SEPARATORS.sub("", normalize_digits(clean_text(text)))
    if digits and not (digits.isascii() and digits.isdigit()):
        raise ValidationError("national_id.not_digits")
    if len(digits) != 10:
        raise ValidationError("national_id.length")
    if digits[0] not in "12":
        raise ValidationError("national_id.prefix")
    if _luhn_total(digits) % 10 != 0:
        raise ValidationError("national_id.checksum")
    return digits


def national_id_kind(nid: str) -> Literal["citizen", "resident"]:
    """Tell a citizen's national ID (starts with 1) from a resident's iqama (starts with 2)."""
    return "citizen" if parse_national_id(nid)[0] == "1" else "resident"


def mask_national_id(nid: str) -> str:
    """Mask an ID for logs and display: first digit and last two kept (``1*******34``)."""
    nid = nid.strip()
    if len(nid) < 4:
        return "*" * len(nid)
    return nid[0] + "*" * (len(nid) - 3) + nid[-2:]


# --- Saudi mobile numbers ---------------------------------------------------------------

_PHONE_NOISE = re.compile(f"[\\s{_DASHES}.()\\[\\]]+")
# National (0)5XXXXXXXX, or international 966 with "+" or "00"; "+966 05..." is tolerated.
_MOBILE = re.compile(r"(?:(?:\+|00)?9660?|0)?(5[0-9]{8})")


def parse_mobile(text: str) -> str:
    """Return a Saudi mobile number in E.164 form ``+9665XXXXXXXX``."""
    compact = _PHONE_NOISE.sub("", normalize_digits(clean_text(text)))
    match = _MOBILE.fullmatch(compact)
    if match is None:
        raise ValidationError("mobile.invalid")
    return "+966" + match.group(1)


def mask_mobile(mobile: str) -> str:
    """Mask a mobile number for logs and display (``+9665*****567``); never raises."""
    try:
        e164 = parse_mobile(mobile)
    except ValidationError:
        return "***"
    return e164[:5] + "*****" + e164[-3:]


# --- dates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedDate:
    """A day in both calendars, and which calendar the user wrote it in."""

    gregorian: dt.date
    hijri: tuple[int, int, int]
    calendar: Calendar


_HIJRI_SUFFIXES = frozenset({"ه", "هجري", "هجريه", "هجرية", "ah", "h"})
_GREGORIAN_SUFFIXES = frozenset({"م", "ميلادي", "ميلاديه", "ميلادية", "ad", "ce", "g"})
_SEP = f"(?:\\s*[/\\\\.{_DASHES}\u060c\u060d]\\s*|\\s+)"  # also Arabic comma, date separator
_DATE = re.compile(f"([0-9]+){_SEP}([0-9]+){_SEP}([0-9]+)(.*)", re.DOTALL)


def _calendar_of(suffix: str, year: int) -> Calendar:
    """Decide the calendar from the suffix, else from the year (1300s-1500 H, 1900-2100 G)."""
    key = re.sub(r"[\s.]", "", suffix).casefold()
    if key in _HIJRI_SUFFIXES:
        return "hijri"
    if key in _GREGORIAN_SUFFIXES:
        return "gregorian"
    if key:
        raise ValidationError("date.invalid")
    if 1300 <= year <= 1500:
        return "hijri"
    if 1900 <= year <= 2100:
        return "gregorian"
    raise ValidationError("date.impossible")


def _build(year: int, month: int, day: int, calendar: Calendar) -> ParsedDate:
    """Convert between calendars; any out-of-range or non-existent day is impossible."""
    try:
        if calendar == "hijri":
            g = Hijri(year, month, day).to_gregorian()
            gregorian = dt.date(g.year, g.month, g.day)
            hijri = (year, month, day)
        else:
            gregorian = dt.date(year, month, day)
            h = Gregorian(year, month, day).to_hijri()
            hijri = (h.year, h.month, h.day)
    except (ValueError, OverflowError):
        raise ValidationError("date.impossible") from None
    return ParsedDate(gregorian=gregorian, hijri=hijri, calendar=calendar)


def parse_date(
    text: str, *, minimum: dt.date | None = None, maximum: dt.date | None = None
) -> ParsedDate:
    """Parse a Hijri (Umm al-Qura) or Gregorian date written Y/M/D or D/M/Y."""
    match = _DATE.fullmatch(normalize_digits(clean_text(text)))
    if match is None:
        raise ValidationError("date.invalid")
    first, month_text, last, suffix = match.groups()
    if len(first) == 4 and len(last) <= 2:
        year_text, day_text = first, last
    elif len(last) == 4 and len(first) <= 2:
        year_text, day_text = last, first
    else:  # two-digit years and other shapes are ambiguous
        raise ValidationError("date.invalid")
    if len(month_text) > 2:
        raise ValidationError("date.invalid")
    year = int(year_text)
    parsed = _build(year, int(month_text), int(day_text), _calendar_of(suffix, year))
    if minimum is not None and parsed.gregorian < minimum:
        raise ValidationError("date.too_early", min=minimum.isoformat())
    if maximum is not None and parsed.gregorian > maximum:
        raise ValidationError("date.too_late", max=maximum.isoformat())
    return parsed
