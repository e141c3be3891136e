"""Queue what a change tells people, inside the transaction of the change (the outbox).

The rows hold facts, never rendered text: the dispatcher renders each one in the
recipient's language when it sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.models import CONVERSATION, NOTICES
from storage.outbox import Outbox
from storage.repositories import Beneficiaries, Requests
from storage.sql import Connection

# Outbox kinds.
NOTICE = "notice"  # to a beneficiary: a transition of their request, a relay event
STAFF_CARD = "staff.card"  # post a request's card (opening its topic first)
STAFF_CARD_REFRESH = "staff.card_refresh"  # edit the card to the request's current state
STAFF_NOTE = "staff.note"  # a line from the bot in a beneficiary's thread
RELAY_TO_STAFF = "relay.to_staff"  # copy a beneficiary's message into their thread
RELAY_TO_USER = "relay.to_user"  # copy a staff message to the beneficiary
RELAY_EDIT = "relay.edit"  # carry an edit over to the counterpart of a relayed message
STAFF_REPORT = "staff.report"  # the weekly report chart
BROADCAST = "bulk.broadcast"  # copy an admin's message to one beneficiary
STAFF_FORGET = "staff.forget"  # delete an erased person's topic (or card) in the staff group


class Wakeup:
    """Tells the dispatcher that rows were committed (it also polls, so this is a hint)."""

    def __init__(self) -> None:
        self.callback: Callable[[], None] = lambda: None

    def __call__(self) -> None:
        self.callback()


async def to_beneficiary(
    conn: Connection,
    user_id: int,
    notice: str,
    now: datetime,
    dedupe_key: str | None = None,
    kind: str = NOTICE,
    *,
    held: bool | None = None,
    **params: Any,
) -> bool:
    """Queue a notice (or a relayed message) for a beneficiary's private chat.

    Notices go in their own lane, which quiet hours hold; a relayed message is part of a
    conversation the beneficiary is having and is never held (nor is a notice that answers
    what they just wrote: `held=False`).
    """
    beneficiary = await Beneficiaries(conn).get(user_id)
    if beneficiary is None or beneficiary.chat_id == 0:  # 0: the kept records of the erased
        return False
    if beneficiary.blocked_at is not None and kind != RELAY_TO_USER:
        # Unreachable: a notice would only fail (it is not kept for an unblocking, which
        # /myrequests covers). A staff reply is still tried: the topic says it did not arrive.
        return False
    payload = {"user_id": user_id, "notice": notice, **params}
    return await Outbox(conn).add(
        beneficiary.chat_id,
        kind,
        payload,
        now,
        lane=NOTICES if (kind == NOTICE if held is None else held) else CONVERSATION,
        locale=beneficiary.locale,
        dedupe_key=dedupe_key,
    )


async def to_chat(
    conn: Connection,
    chat_id: int,
    locale: str,
    notice: str,
    now: datetime,
    **params: Any,
) -> bool:
    """Queue a notice for a chat whose person is no longer on record (after an erasure):
    the row is deleted once sent or given up."""
    payload = {"notice": notice, "forget": True, **params}
    return await Outbox(conn).add(chat_id, NOTICE, payload, now, lane=NOTICES, locale=locale)


async def to_staff(
    conn: Connection,
    staff_chat_id: int | None,
    kind: str,
    now: datetime,
    dedupe_key: str | None = None,
    **payload: Any,
) -> bool:
    """Queue something for the staff group (nothing when no group is configured).

    A card's redraws coalesce: while one waits unsent, another would only repeat it.
    """
    if staff_chat_id is None:
        return False
    return await Outbox(conn).add(
        staff_chat_id,
        kind,
        payload,
        now,
        dedupe_key=dedupe_key,
        coalesce=kind == STAFF_CARD_REFRESH,
    )


async def report_refused(
    conn: Connection,
    staff_chat_id: int | None,
    request_id: int,
    reason: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> bool:
    """Tell the staff group that Telegram refused a message about a request."""
    request = await Requests(conn).get(request_id)
    if request is None:
        return False
    return await to_staff(
        conn,
        staff_chat_id,
        STAFF_NOTE,
        now,
        dedupe_key=dedupe_key,
        note="refused",
        reference=request.reference,
        reason=reason[:200],
    )
