"""Catalogs loaded once, locale resolution, digits, bidi isolation and Hijri/Gregorian dates."""

from __future__ import annotations

import re
from datetime import date, time
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import Translations
from hijridate import Gregorian

LOCALES = ("ar", "en")
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Unicode isolates: an interpolated value (a name, a phone number, a reference) keeps its
# own direction inside a sentence of the other direction, so "+966 5..." stays intact
# inside Arabic text and an Arabic name inside English text does not flip the line.
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"


def isolate(value: str) -> str:
    """Wrap a value of unknown direction (names, free text) in a first-strong isolate."""
    return f"{FSI}{value}{PDI}"


def ltr(value: str) -> str:
    """Wrap a left-to-right value (numbers with signs, references, dates) in an isolate."""
    return f"{LRI}{value}{PDI}"


# In right-to-left text what runs left to right — a command (/start), a Latin word (PDF,
# JSON, #note), a placeholder whose value may be either (%(name)s) — is isolated, or the
# bidi algorithm moves its punctuation around: «أرسل /start» would show as «start/».
_TAG = re.compile(r"(<[^>]*>)")
_RUN = re.compile(
    r"%\([a-z_]+\)[sd]"
    r"|[/#@]?[A-Za-z](?:[A-Za-z0-9_./@#:+-]*[A-Za-z0-9_])?"
    r"(?: +[/#@]?[A-Za-z](?:[A-Za-z0-9_./@#:+-]*[A-Za-z0-9_])?)*"
)


@cache
def isolate_runs(template: str) -> str:
    """Isolate every Latin run and placeholder of an Arabic template (outside its tags)."""
    parts = _TAG.split(template)
    for i in range(0, len(parts), 2):
        parts[i] = _RUN.sub(_isolated, parts[i])
    return "".join(parts)


def _isolated(match: re.Match[str]) -> str:
    run = match.group()
    return (FSI if run.startswith("%(") else LRI) + run + PDI


def resolve_locale(language_code: str | None, default: str = "ar") -> str:
    """Pick the bot's language from Telegram's language_code (e.g. 'ar-SA' → 'ar')."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in LOCALES:
            return base
    return default if default in LOCALES else "ar"


class CatalogsMissing(RuntimeError):
    """The compiled .mo files are not there (run the setup command)."""


class Translator:
    """Every rendering helper of one locale."""

    def __init__(self, locale: str, translations: Translations) -> None:
        self.locale = locale
        self._t = translations
        self.rtl = locale == "ar"

    def gettext(self, message: str) -> str:
        return self._bidi(self._t.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._bidi(self._t.ngettext(singular, plural, n))

    def _bidi(self, text: str) -> str:
        return isolate_runs(text) if self.rtl else text

    def pgettext(self, context: str, message: str) -> str:
        return self._bidi(str(self._t.pgettext(context, message)))

    def digits(self, text: str) -> str:
        """Write ASCII digits as Arabic-Indic digits in Arabic."""
        return text.translate(_ARABIC_INDIC) if self.rtl else text

    def number(self, n: int) -> str:
        return self.digits(str(n))

    def decimal(self, value: float, places: int = 1) -> str:
        """A decimal as the language writes it: «٣٫٥» in Arabic, "3.5" in English."""
        shown = format_decimal(
            round(value, places),
            format="#,##0" + ("." + "0" * places if places else ""),
            locale=self.locale,
            numbering_system="arab" if self.rtl else "latn",
        )
        return self.digits(shown)

    def join(self, items: list[str]) -> str:
        """«أ، ب و ج» / "a, b and c": a list in a sentence, as the language writes it."""
        return format_list(items, locale=self.locale) if items else ""

    def hijri(self, day: date) -> str:
        """Format a date in the Umm al-Qura calendar, e.g. '20 جمادى الأولى 1447 هـ'."""
        h = Gregorian(day.year, day.month, day.day).to_hijri()
        month = self.gettext(HIJRI_MONTHS[h.month - 1])
        suffix = self.pgettext("hijri era", "AH")
        return self.digits(f"{h.day} {month} {h.year} {suffix}")

    def gregorian(self, day: date) -> str:
        text = format_date(day, format="d MMMM y", locale=self.locale)
        return self.digits(text)

    def month(self, day: date) -> str:
        """The Gregorian month and year, e.g. 'نوفمبر ٢٠٢٦'."""
        return self.digits(format_date(day, format="LLLL y", locale=self.locale))

    def weekday(self, day: date) -> str:
        """The day's name, e.g. 'الأحد' / 'Sunday'."""
        return format_date(day, format="EEEE", locale=self.locale)

    def clock(self, moment: time) -> str:
        """A time of day as people say it, e.g. '٨:٠٠ ص' / '8:00 AM'."""
        return self.digits(format_time(moment, format="h:mm a", locale=self.locale))

    def both_dates(self, day: date) -> str:
        """Hijri first (as Saudi usage), Gregorian in brackets."""
        return self.gettext("%(hijri)s (%(gregorian)s)") % {
            "hijri": self.hijri(day),
            "gregorian": self.gregorian(day),
        }


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


HIJRI_MONTHS = (
    N_("Muharram"),
    N_("Safar"),
    N_("Rabi al-Awwal"),
    N_("Rabi al-Akhir"),
    N_("Jumada al-Ula"),
    N_("Jumada al-Akhirah"),
    N_("Rajab"),
    N_("Shaban"),
    N_("Ramadan"),
    N_("Shawwal"),
    N_("Dhu al-Qadah"),
    N_("Dhu al-Hijjah"),
)


class Catalogs:
    """The compiled catalogs of every locale, loaded once at start-up."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self._translators: dict[str, Translator] = {}
        for locale in LOCALES:
            mo = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo.is_file():
                raise CatalogsMissing(
                    f"{mo} is missing: compile the catalogs (make catalogs-compile)"
                )
            with mo.open("rb") as fh:
                self._translators[locale] = Translator(locale, Translations(fh, domain=DOMAIN))

    def get(self, locale: str) -> Translator:
        return self._translators.get(locale) or self._translators["ar"]
