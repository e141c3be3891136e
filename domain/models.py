"""Rows as frozen dataclasses: what the repositories return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# The outbox's lanes, in the order they go: conversation (relays, staff cards and notes;
# never held), notices (held by quiet hours), bulk (broadcasts).
CONVERSATION, NOTICES, BULK = 0, 1, 2


class DraftStage(StrEnum):
    ANSWERING = "answering"
    REVIEWING = "reviewing"
    SIGNING = "signing"
    PAUSED = "paused"


@dataclass(frozen=True)
class Step:
    """Where a draft stands after a step: its stage, the question asked, and whether that
    question is being changed from the review screen."""

    stage: DraftStage
    field_key: str | None
    editing: bool


REVIEW = Step(DraftStage.REVIEWING, None, editing=False)


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DELIVERED = "delivered"
    CLOSED = "closed"


# Requests staff still have to act on (the queue).
OPEN_STATUSES = frozenset(
    {
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_REVIEW,
        RequestStatus.NEEDS_INFO,
        RequestStatus.ACCEPTED,
    }
)


@dataclass(frozen=True)
class Beneficiary:
    user_id: int
    chat_id: int
    first_name: str
    locale: str
    consent_at: datetime | None
    created_at: datetime
    blocked_at: datetime | None = None


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
    version: int = 1
    holder_id: int | None = None
    decided_at: datetime | None = None
    info_request: str | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


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


@dataclass(frozen=True)
class StaffThread:
    """Where staff talk about a beneficiary: a forum topic, or replies to the card."""

    id: int
    user_id: int
    request_id: int | None
    chat_id: int
    name: str
    topic_id: int | None
    card_message_id: int | None


@dataclass(frozen=True)
class Conversation:
    id: int
    user_id: int
    thread_id: int
    opened_by: str
    opened_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    closed_by: str | None


@dataclass(frozen=True)
class RelayLink:
    user_id: int
    private_chat_id: int
    private_message_id: int
    staff_chat_id: int
    staff_message_id: int
    direction: str


@dataclass(frozen=True)
class InfoItem:
    kind: str
    text: str | None
    file_id: str | None
    file_name: str | None
    message_id: int
    created_at: datetime


@dataclass(frozen=True)
class StaffPrompt:
    staff_id: int
    chat_id: int
    topic_key: int
    request_id: int
    action: str
    version: int
    created_at: datetime


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    locale: str | None
    due_at: datetime
    attempts: int
    lane: int = 0
    ambiguous: int = 0  # attempts whose outcome was unknown (a timeout, a crash mid-send)
    broadcast_id: int | None = None
