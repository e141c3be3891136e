"""Rows as frozen dataclasses: what the repositories return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class DraftStage(StrEnum):
    ANSWERING = "answering"
    REVIEWING = "reviewing"
    SIGNING = "signing"
    PAUSED = "paused"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DELIVERED = "delivered"
    CLOSED = "closed"


@dataclass(frozen=True)
class Beneficiary:
    user_id: int
    chat_id: int
    first_name: str
    locale: str
    consent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Draft:
    id: int
    user_id: int
    stage: DraftStage
    field_key: str | None
    editing: bool
    answers: dict[str, Any]
    seq: int
    last_message_id: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Attachment:
    id: int
    field_key: str
    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None


@dataclass(frozen=True)
class Request:
    id: int
    reference: str
    user_id: int
    status: RequestStatus
    answers: dict[str, Any]
    declaration_text: str
    declaration_locale: str
    declared_at: datetime
    submitted_at: datetime
    decision_due: date
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class RequestEvent:
    id: int
    request_id: int
    kind: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    actor_role: str
    details: dict[str, Any]
    created_at: datetime
