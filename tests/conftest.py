"""Settings every test shares."""

from __future__ import annotations

import os

# PTB 22 deprecates retry_after as a number; without this, building RetryAfter emits a
# PTBDeprecationWarning, which `pytest -W error` turns into a failure.
os.environ.setdefault("PTB_TIMEDELTA", "true")
