"""Diagnostic only: the real form bot with PTB's AIORateLimiter made a pass-through.

``python -m bench.form_bot_unlimited`` runs ``python -m bot run`` unchanged except that the
AIORateLimiter in bot/app.py is built with no overall or per-group limit (retries on 429
kept), so the benchmark can tell the cost of the code from the 30 messages/s cap.
"""

from __future__ import annotations

import sys
from typing import Any

from telegram.ext import AIORateLimiter

import bot.app
from bot.__main__ import main


def _unlimited(**kwargs: Any) -> AIORateLimiter:
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, **kwargs)


if __name__ == "__main__":
    bot.app.AIORateLimiter = _unlimited  # type: ignore[attr-defined,assignment]
    sys.exit(main(["run"]))
