"""What long polling tells the operator when getUpdates fails: each trouble once, in plain words.

PTB's default writes every failed getUpdates to the log with its traceback, again at every
retry (1 to 30 seconds apart) for as long as the trouble lasts. A second instance polling
with the same token is the usual one: Telegram ends each instance's long poll with
409 Conflict when the other polls, so both logs would fill with tracebacks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram.error import Conflict, TelegramError

log = logging.getLogger(__name__)

# Between two instances' conflicts some polls of each get through; a conflict is over when
# none has come for this long.
CONFLICT_OVER_SECONDS = 60.0
CONFLICT = "conflict"


class PollErrors:
    """Reports a failing getUpdates once, and once more when it works again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.trouble: str | None = None  # what was reported and has not ended yet
        self.last_failure = 0.0

    def failed(self, error: TelegramError) -> None:
        """Report a failed getUpdates, unless this trouble was reported already (PTB's
        error_callback; the updater retries by itself)."""
        kind = CONFLICT if isinstance(error, Conflict) else type(error).__name__
        self.last_failure = self.clock()
        if kind == self.trouble:
            return
        self.trouble = kind
        if kind == CONFLICT:
            log.error(
                "Another instance of this bot is polling Telegram with the same token "
                "(409 Conflict): each gets only some of the updates. Stop the other one. "
                "This one goes on polling and says so again if the conflict comes back."
            )
        else:
            log.warning(
                "Asking Telegram for updates failed (%s: %s); retrying until it works.",
                type(error).__name__,
                error,
            )

    def polled(self) -> None:
        """Note a getUpdates that worked: a trouble that is over is said to be."""
        if self.trouble is None:
            return
        if self.trouble == CONFLICT:
            if self.clock() - self.last_failure < CONFLICT_OVER_SECONDS:
                return
            log.info(
                "No other instance has polled for %d s: the conflict is over.",
                CONFLICT_OVER_SECONDS,
            )
        else:
            log.info("Asking Telegram for updates works again.")
        self.trouble = None
