"""The catalogs: complete Arabic, matching placeholders, the CLDR plural rule, fresh .pot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, Catalogs

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "conversations", "storage")
CLDR_AR = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
}


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _source_messages() -> set[tuple[str | None, str]]:
    """Extract every message id from the code, as pybabel extract would."""
    found: set[tuple[str | None, str]] = set()
    for folder in SOURCES:
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add((context, msgid))
    return found


def test_every_message_in_the_code_has_an_arabic_translation() -> None:
    catalog = _catalog("ar")
    missing = []
    for context, msgid in sorted(_source_messages(), key=str):
        entry = catalog.get(msgid, context=context)
        strings = entry.string if entry is not None else ""
        values = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or not all(values) or entry.fuzzy:
            missing.append(msgid)
    assert not missing, f"untranslated in ar: {missing}"


def test_the_pot_file_is_current() -> None:
    """A message added in the code and not extracted into messages.pot is caught here."""
    with (LOCALE_DIR / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    in_pot = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in template if m.id}
    assert _source_messages() <= in_pot, sorted(_source_messages() - in_pot, key=str)


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_placeholders_match_their_msgid(locale: str) -> None:
    problems = []
    for entry in _catalog(locale):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in strings:
            if not text:
                continue
            found = set(PLACEHOLDER.findall(text))
            # A plural form may spell its number out ("يومان") and drop %(count)s.
            allowed_missing = {"count"} if isinstance(entry.id, tuple) else set()
            if not (found <= expected and expected - found <= allowed_missing):
                problems.append((entry.id, text))
    assert not problems


def test_arabic_uses_the_cldr_plural_rule() -> None:
    header = _catalog("ar").plural_forms.replace("(", "").replace(")", "")
    assert header == CLDR_AR.replace("(", "").replace(")", "")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "(اليوم آخر موعد)"),  # zero
        (1, "(بقي يوم واحد)"),  # one
        (2, "(بقي يومان)"),  # two
        (3, "(بقيت ٣ أيام)"),  # few: 3..10
        (11, "(بقي ١١ يومًا)"),  # many: 11..99
        (100, "(بقي ١٠٠ يوم)"),  # other
        (103, "(بقيت ١٠٣ أيام)"),  # few again (n % 100)
        (111, "(بقي ١١١ يومًا)"),  # many again
    ],
)
def test_arabic_plural_forms_through_the_compiled_catalog(n: int, expected: str) -> None:
    tr = Catalogs().get("ar")
    text = tr.ngettext("(%(count)s day left)", "(%(count)s days left)", n) % {"count": tr.number(n)}
    # The placeholder is isolated in Arabic text (see bot.i18n.isolate_runs).
    assert text.replace("\u2068", "").replace("\u2069", "") == expected


def test_english_plurals() -> None:
    tr = Catalogs().get("en")
    assert tr.ngettext("(%(count)s day left)", "(%(count)s days left)", 1) == "(%(count)s day left)"
    assert (
        tr.ngettext("(%(count)s day left)", "(%(count)s days left)", 2) == "(%(count)s days left)"
    )
