"""The audit trail of requests: every transition with who made it and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.models import RequestEvent
from storage.sql import Connection
from storage.values import dt, to_json, ts


class Events:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        request_id: int,
        kind: str,
        *,
        actor_id: int | None,
        actor_role: str,
        now: datetime,
        from_status: str | None = None,
        to_status: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO request_events (request_id, kind, from_status, to_status, actor_id,"
            " actor_role, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request_id,
                kind,
                from_status,
                to_status,
                actor_id,
                actor_role,
                to_json(details or {}),
                ts(now),
            ),
        )

    async def for_request(self, request_id: int) -> list[RequestEvent]:
        rows = await self.conn.fetchall(
            "SELECT * FROM request_events WHERE request_id = ? ORDER BY id", (request_id,)
        )
        result = []
        for r in rows:
            created = dt(r["created_at"])
            assert created is not None
            result.append(
                RequestEvent(
                    id=r["id"],
                    request_id=r["request_id"],
                    kind=r["kind"],
                    from_status=r["from_status"],
                    to_status=r["to_status"],
                    actor_id=r["actor_id"],
                    actor_role=r["actor_role"],
                    details=json.loads(r["details"]),
                    created_at=created,
                )
            )
        return result
