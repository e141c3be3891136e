"""Logging that never writes personal data: national ids, phone numbers or the bot token."""

from __future__ import annotations

import logging
import re

from bot.services.textnorm import INVISIBLES, normalize_digits

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
# The invisible marks the validators remove, as they are and as JSON writes them («\u2066»):
# an isolate or a zero-width space between digits would otherwise hide a number.
_HIDDEN = re.compile(
    "["
    + "".join(sorted(INVISIBLES))
    + "]"
    + r"|\\u(?:200[b-f]|202[a-e]|206[0-9a-f]|061c|feff|00ad|2060)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Replace every national id, phone number and bot token in the text, after removing
    the invisible marks a value may hide behind (as the validators see it)."""
    text = _HIDDEN.sub("", normalize_digits(text))
    text = _TOKEN.sub("<token>", text)
    text = _NATIONAL_ID.sub("<national-id>", text)
    return _PHONE.sub("<phone>", text)


class RedactingFilter(logging.Filter):
    """Render each record's message once and redact it before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks may quote a value (e.g. a ValueError message): render and redact.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
            record.msg = f"{record.msg}\n{record.exc_text}"
            record.exc_text = None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr through the redacting filter; keep chatty libraries quiet."""
    handler = logging.StreamHandler()
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
