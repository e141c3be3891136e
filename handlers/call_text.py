"""What call-backs look like in words: the time asked for, the notices the beneficiary gets
and the timeline's lines (shared by both sides and the delivery of notices)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Services
from bot.i18n import Translator, ltr
from domain.models import RequestEvent
from handlers.buttons import MENU_CALL
from storage.callbacks import CallBack

CALL_NOTICES = ("call_claimed", "call_retry")


def window_text(tr: Translator, services: Services, start: datetime, end: datetime) -> str:
    """'today, 8:00 AM to 12:00 PM', 'tomorrow, …', or 'Monday 23 November 2026, …'."""
    zone = ZoneInfo(services.settings.timezone)
    today = services.callbacks.clock().astimezone(zone).date()
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    if day == today:
        when = tr.gettext("today")
    elif day == today + timedelta(days=1):
        when = tr.gettext("tomorrow")
    else:
        when = tr.weekday(day) + " " + tr.gregorian(day)
    return tr.gettext("%(day)s, %(start)s to %(end)s") % {
        "day": when,
        "start": tr.clock(local_start.time()),
        "end": tr.clock(local_end.time()),
    }


def call_time_text(tr: Translator, services: Services, call: CallBack) -> str:
    if call.asap:
        return tr.gettext("as soon as possible")
    return window_text(tr, services, call.window_start, call.window_end)


def call_notice(
    tr: Translator, services: Services, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the beneficiary is told about their call-back."""
    if payload.get("notice") == "call_claimed":
        if payload.get("asap"):
            when = tr.gettext("as soon as possible")
        else:
            start = datetime.fromisoformat(str(payload["start"]))
            when = window_text(tr, services, start, datetime.fromisoformat(str(payload["end"])))
        text = tr.gettext(
            "A member of the association's team will call you %(time)s on %(mobile)s."
        ) % {"time": when, "mobile": ltr(str(payload.get("mobile") or ""))}
        return "📞 " + text, None
    text = tr.gettext(
        "We tried to call you twice and could not reach you. Please choose another time for the call."
    )
    button = InlineKeyboardButton(
        "📞 " + tr.gettext("Choose another time"), callback_data=MENU_CALL.data
    )
    return "📞 " + text, InlineKeyboardMarkup([[button]])


def call_event_label(tr: Translator, event: RequestEvent) -> str | None:
    """A call-back's step in the beneficiary's timeline (notes stay among staff)."""
    labels = {
        "call_requested": tr.gettext("You asked to be called"),
        "call_claimed": tr.gettext("A team member took your call-back request"),
        "call_reached": tr.gettext("The team called you"),
        "call_no_answer": tr.gettext("The team called you and could not reach you"),
        "call_wrong_number": tr.gettext("The team could not call you: the number was wrong"),
        "call_retry": tr.gettext("You were asked to choose another time for the call"),
        "call_note": tr.gettext("The team noted how the call went"),
    }
    return labels.get(event.kind)
