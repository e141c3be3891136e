"""Logging that never writes personal data: names, national ids, phone numbers, the token.

National ids, phone numbers and the token have a shape and are found by pattern. Names
have none: the process remembers the names and personal answers it has seen lately
(PersonalValues, fed from every update by remember_personal_values) and cuts those.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, TypeAlias

from telegram import Update

from bot.context import BotContext
from bot.profile import FieldKind, FormField
from bot.services.textnorm import INVISIBLES, clean_text, normalize_digits, strip_diacritics
from bot.services.validators import ValidationError, parse_mobile, parse_national_id, parse_text

# A national id / iqama (10 digits starting with 1 or 2) and Saudi mobile numbers, in any
# of the forms the validators accept them (spaces, dashes, dots, brackets), after
# Arabic-Indic digits are made ASCII. Our own log lines write ids as 512_345_678, which
# neither pattern takes for personal data.
_SEP = r"[\s.\-()]{0,2}"
_NATIONAL_ID = re.compile(
    # not an ISO date and time (2026-11-22 09...), which has ten digits too
    r"(?<![\d_])(?!\d{4}-\d\d-\d\d)[12](?:" + _SEP + r"\d){9}(?![\d_])"
)
_PHONE = re.compile(
    r"(?<![\d_])(?:(?:\+|00)?966" + _SEP + r")?\(?0?5(?:" + _SEP + r"\d){8}(?![\d_])"
)
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
# JSON and repr() write what is not ASCII as «\u0633» or «\xad»: a name or an invisible
# mark between digits would otherwise pass in that spelling. Surrogates stay escaped.
_ESCAPE = re.compile(r"\\u(?![dD][89a-fA-F])([0-9a-fA-F]{4})|\\x([89a-fA-F][0-9a-fA-F])")
# The invisible marks the validators remove: an isolate or a zero-width space between
# digits or letters would otherwise hide a value.
_HIDDEN = re.compile("[" + "".join(sorted(INVISIBLES)) + "]")


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code >= 0x80 else match.group()


def redact(text: str, personal: PersonalValues | None = None) -> str:
    """Replace every remembered personal value, national id, phone number and bot token,
    after the text is spelt as the validators see it: no escapes, no invisible marks or
    diacritics, ASCII digits."""
    text = strip_diacritics(_HIDDEN.sub("", normalize_digits(_ESCAPE.sub(_unescape, text))))
    text = (PERSONAL if personal is None else personal).redact(text)
    text = _TOKEN.sub("<token>", text)
    text = _NATIONAL_ID.sub("<national-id>", text)
    return _PHONE.sub("<phone>", text)


def _spelt(value: str) -> str:
    """Return a value as redact() sees the text around it, in lower case."""
    return strip_diacritics(clean_text(normalize_digits(value))).lower()


class PersonalValues:
    """The names and personal answers the process saw last, to be cut from every log line.

    One regex, a trie of the values, finds them all in one pass. Building it for 2,000
    values takes tens of milliseconds, so a new value goes into a second, small regex;
    once more than `batch` have come, the large one is built again from the values kept.
    Until then an evicted value may still be matched: never more than capacity + batch.
    """

    # One or two letters would take ordinary words; the longest name is a Telegram first
    # and last name (64 characters each).
    SHORTEST, LONGEST = 3, 129

    def __init__(self, capacity: int = 2048, batch: int = 128) -> None:
        self.capacity, self.batch = capacity, batch
        self._values: OrderedDict[str, None] = OrderedDict()  # least recently seen first
        self._fresh: list[str] = []  # added since the large regex was last built
        self._settled: re.Pattern[str] | None = None
        self._stale = False  # _settled is to be built again
        self._recent: re.Pattern[str] | None = None
        # Records are filtered in whichever thread logs them.
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        """Remember a value (ignored when too short or too long to be a name)."""
        spelt = _spelt(value) if value else ""
        if not self.SHORTEST <= len(spelt) <= self.LONGEST:
            return
        with self._lock:
            if spelt in self._values:
                self._values.move_to_end(spelt)
                return
            self._values[spelt] = None
            if len(self._values) > self.capacity:
                self._values.popitem(last=False)
            self._fresh.append(spelt)
            self._recent = None
            if len(self._fresh) > self.batch:
                self._fresh.clear()
                self._stale = True

    def __len__(self) -> int:
        return len(self._values)

    def redact(self, text: str) -> str:
        """Replace each remembered value in text (spelt as redact() spells it)."""
        for pattern in self._patterns():
            text = pattern.sub(_placeholder, text)
        return text

    def _patterns(self) -> list[re.Pattern[str]]:
        # Built when a record needs them: at INFO few are written.
        with self._lock:
            if self._stale:
                self._settled, self._stale = _trie_pattern(self._values), False
            if self._recent is None and self._fresh:
                self._recent = _trie_pattern(self._fresh)
            recent = self._recent if self._fresh else None
            return [p for p in (self._settled, recent) if p is not None]


def _placeholder(match: re.Match[str]) -> str:
    """Say what was cut: an id or a phone number as the patterns would, else <personal>."""
    value = match.group()
    if _NATIONAL_ID.fullmatch(value):
        return "<national-id>"
    return "<phone>" if _PHONE.fullmatch(value) else "<personal>"


# Outside Arabic a value must stand as a whole word, so that «Ali» leaves «valid» alone;
# an Arabic one is cut anywhere, since و، ب، ل and ف are written joined to the name.
_BEFORE, _AFTER = r"(?<![^\W_])", r"(?![^\W_])"
_END = ""
_Trie: TypeAlias = dict[str, "_Trie"]


def _whole_word(ch: str) -> bool:
    return ch.isalnum() and not ("\u0600" <= ch <= "\u08ff" or "\ufb50" <= ch <= "\ufeff")


def _trie_pattern(values: Iterable[str]) -> re.Pattern[str] | None:
    trie: _Trie = {}
    for value in values:
        node = trie
        for ch in value:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return re.compile(_branches(trie, _END), re.IGNORECASE) if trie else None


def _branches(node: _Trie, previous: str) -> str:
    """Return the regex for the values below node; the longest is tried first."""
    options = []
    for ch, child in node.items():
        if ch == _END:
            continue
        atom = r"\s+" if ch.isspace() else re.escape(ch)
        if previous == _END and _whole_word(ch):
            atom = _BEFORE + atom
        options.append(atom + _branches(child, ch))
    if _END in node:
        options.append(_AFTER if _whole_word(previous) else "")
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


# The values of this process: fed by remember_personal_values, read by RedactingFilter.
PERSONAL = PersonalValues()


_DIGIT = re.compile(r"\d")  # any script's decimal digits, as the parsers read them
_NAME_KINDS = frozenset({FieldKind.TEXT})
_NUMBER_KINDS = frozenset({FieldKind.NATIONAL_ID, FieldKind.MOBILE})


def could_be_personal(fields: Iterable[FormField], text: str) -> bool:
    """Whether one of the fields (a name, a national id, a mobile number) would take text.

    A name has no digit, a national id or a mobile number has nine or more: only the
    fields the text could answer are tried, and each kind and bounds once."""
    digits = len(_DIGIT.findall(text))
    wanted = _NAME_KINDS if digits == 0 else _NUMBER_KINDS if digits >= 9 else frozenset()
    tried: set[tuple[FieldKind, int, int, bool]] = set()
    for form_field in fields:
        kind = form_field.kind
        shape = (kind, form_field.min_length, form_field.max_length, form_field.letters_only)
        if kind not in wanted or shape in tried:
            continue
        tried.add(shape)
        if _takes_as_personal(form_field, text):
            return True
    return False


def _takes_as_personal(form_field: FormField, text: str) -> bool:
    """Whether the form would take text as this field's answer, the field being a name
    (text of letters only), a national id or a mobile number."""
    try:
        if form_field.kind is FieldKind.NATIONAL_ID:
            parse_national_id(text)
        elif form_field.kind is FieldKind.MOBILE:
            parse_mobile(text)
        elif form_field.kind is FieldKind.TEXT and form_field.letters_only:
            parse_text(
                text,
                min_length=form_field.min_length,
                max_length=form_field.max_length,
                letters_only=True,
            )
        else:
            return False
    except ValidationError:
        return False
    return True


async def remember_personal_values(update: Update, ctx: BotContext) -> None:
    """Remembers the sender's names, and a private text the form would take as a personal
    answer (registered by bot.app before any other handler can log)."""
    user = update.effective_user
    if user is not None:
        for name in (user.full_name, user.first_name, user.last_name, user.username):
            PERSONAL.add(name)
    message, chat = update.effective_message, update.effective_chat
    if message is None or not message.text or chat is None or chat.type != chat.PRIVATE:
        return
    # Whatever question is open (reading the draft would cost a database round trip per
    # message): a text that is not a name but could be one costs a slot, never a leak.
    if could_be_personal(ctx.services.profile.form.fields, message.text):
        PERSONAL.add(message.text)


class RedactingFilter(logging.Filter):
    """Render each record's message once and redact it before any handler sees it."""

    def __init__(self, personal: PersonalValues | None = None) -> None:
        super().__init__()
        self.personal = personal

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.personal)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks may quote a value (e.g. a ValueError message): render and redact.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info), self.personal)
            record.exc_info = None
            record.msg = f"{record.msg}\n{record.exc_text}"
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger and message.

    The message is the one RedactingFilter cleaned, its traceback folded in; json.dumps
    escapes the traceback's line breaks, so a line is always one record.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:  # only when no RedactingFilter ran before
            message = f"{message}\n{self.formatException(record.exc_info)}"
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        return json.dumps(entry, ensure_ascii=False)


LogFormat: TypeAlias = Literal["text", "json"]


def configure_logging(level: str = "INFO", log_format: LogFormat = "text") -> None:
    """Log to stderr through the redacting filter; keep chatty libraries quiet."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # At DEBUG, PTB logs every request's parameters and every webhook body: message
    # texts and names. Its loggers never go below INFO.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # At DEBUG the database driver logs every statement with its parameters (answers,
    # ids, phone numbers): never below INFO, whatever TAWASUL_LOG_LEVEL says.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))
    # APScheduler writes two INFO lines each time a job runs, and the outbox's poke runs
    # every second: about 40 MB of log a day from an idle bot. From INFO up only its
    # warnings (a job that missed its time, or raised) come through; DEBUG shows all.
    quiet = logging.WARNING if root.level >= logging.INFO else logging.NOTSET
    logging.getLogger("apscheduler").setLevel(max(quiet, root.level))
