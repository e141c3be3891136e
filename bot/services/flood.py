"""Who is sending messages too fast: a sliding window per sender, in memory, bounded.

Only the messages that would go to the guides or to staff are counted (the form, typed
answers and the information staff asked for take theirs before). A sender past the limit
is told once to wait; what they send while they are still too fast is not read. It takes
a pause of one window for them to be read again: every message counts, the unread too.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.services.requests import Clock

LIMIT = 10  # messages a sender may send…
WINDOW = timedelta(seconds=30)  # …within this time
SENDERS = 10_000  # remembered at most; the longest quiet are forgotten first


class Pace(Enum):
    READ = "read"  # within the limit
    SLOW_DOWN = "slow_down"  # the first one past it: say so, do not read it
    UNREAD = "unread"  # still past it: neither read nor answered


@dataclass
class _Sender:
    times: deque[datetime]
    album: str | None = None  # the album of the last message, counted once
    pace: Pace = Pace.READ
    told: bool = False  # told to wait since they were last read


class FloodMeter:
    def __init__(
        self,
        clock: Clock,
        limit: int = LIMIT,
        window: timedelta = WINDOW,
        senders: int = SENDERS,
    ) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self.senders = senders
        self._seen: OrderedDict[int, _Sender] = OrderedDict()

    def note(self, user_id: int, album: str | None = None) -> Pace:
        """Count a message from `user_id` and say whether to read it.

        The photos of one album arrive as one message each, but the person sent them at
        once: they count as one and share the first one's fate.
        """
        now = self.clock()
        sender = self._seen.pop(user_id, None) or _Sender(deque(maxlen=self.limit))
        self._seen[user_id] = sender  # the most recent at the end
        if len(self._seen) > self.senders:
            self._seen.popitem(last=False)
        if album is not None and album == sender.album:
            return Pace.READ if sender.pace is Pace.READ else Pace.UNREAD
        sender.album = album
        full = len(sender.times) == self.limit and now - sender.times[0] < self.window
        sender.times.append(now)
        if not full:
            sender.pace, sender.told = Pace.READ, False
        elif sender.told:
            sender.pace = Pace.UNREAD
        else:
            sender.pace, sender.told = Pace.SLOW_DOWN, True
        return sender.pace
