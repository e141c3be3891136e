"""The webhook server's checks: the secret first, a capped body, 400 for what is not an update."""

from __future__ import annotations

import asyncio
import io
import json
from types import SimpleNamespace
from typing import Any, cast

from aiohttp.test_utils import TestClient, TestServer
from telegram import Bot, Update

from bot.webhook import MAX_BODY, SECRET_HEADER, make_server

SECRET = "a-webhook-secret-of-32-characters"
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "Sam"},
        "text": "hello",
    },
}


async def _client(queue: asyncio.Queue[object]) -> TestClient[Any, Any]:
    app = SimpleNamespace(bot=Bot("123:abc"), update_queue=queue)
    client = TestClient(TestServer(make_server(cast(Any, app), "/hook", SECRET)))
    await client.start_server()
    return client


async def test_only_the_secret_opens_the_door_and_the_body_is_capped() -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    client = await _client(queue)
    try:
        body = json.dumps(UPDATE)
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        missing = await client.post("/hook", data=body)
        huge = io.BytesIO(b"x" * (2 * MAX_BODY))
        wrong = await client.post("/hook", data=huge, headers={SECRET_HEADER: "no"})
        assert (missing.status, wrong.status) == (403, 403)
        big_body = io.BytesIO(b"{" + b" " * MAX_BODY + b"}")
        big = await client.post("/hook", data=big_body, headers=headers)
        assert big.status == 413
        for bad in (b"{not json", b"[1, 2]", b'{"no": "update_id"}', b"\xff\xfe", b""):
            response = await client.post("/hook", data=bad, headers=headers)
            assert response.status == 400, bad
        assert queue.empty()
        ok = await client.post("/hook", data=body, headers=headers)
        assert ok.status == 200
        update = queue.get_nowait()
        assert isinstance(update, Update) and update.update_id == 7
        assert (await client.get("/hook")).status == 405
        assert (await client.post("/elsewhere", data=body, headers=headers)).status == 404
    finally:
        await client.close()
