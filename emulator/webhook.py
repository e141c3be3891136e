"""Webhook delivery: POST queued updates, in order, to the URL set with setWebhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import aiohttp

from emulator.records import JSON
from emulator.state import State


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class WebhookDeliverer:
    """One background task; updates go one at a time (in order) and failures are retried
    with exponential backoff starting at ``retry_delay`` (capped at 2 s), like Telegram's
    retries but faster. The last error shows in getWebhookInfo."""

    def __init__(self, state: State, retry_delay: float = 0.1) -> None:
        self.state = state
        self.retry_delay = retry_delay
        self.deliveries = 0
        self.failures = 0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _loop(self) -> None:
        st = self.state
        streak = 0
        while True:
            hook = st.webhook
            pending = st.pending_updates(1) if hook is not None else []
            if hook is None or not pending:
                await st.webhook_notifier.wait(1.0)
                continue
            update = pending[0]
            error = await self._post(hook, update)
            if error is None:
                streak = 0
                self.deliveries += 1
                st.confirm_updates(update["update_id"] + 1)
                continue
            streak += 1
            self.failures += 1
            hook["last_error_date"] = int(time.time())
            hook["last_error_message"] = error
            await asyncio.sleep(min(self.retry_delay * 2 ** min(streak - 1, 5), 2.0))

    async def _post(self, hook: JSON, update: JSON) -> str | None:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        try:
            async with self._session.post(
                hook["url"],
                data=dumps(update).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as err:
            return f"Connection failed: {err!r}"
