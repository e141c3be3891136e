"""Labels shared by the beneficiary's and the staff's screens: statuses and reasons."""

from __future__ import annotations

import html
from typing import Any

from bot.context import Services
from bot.i18n import Translator
from domain.models import RequestStatus
from handlers.common import esc


def status_label(tr: Translator, status: RequestStatus) -> str:
    labels = {
        RequestStatus.SUBMITTED: tr.pgettext("request status", "Received"),
        RequestStatus.UNDER_REVIEW: tr.pgettext("request status", "Under review"),
        RequestStatus.NEEDS_INFO: tr.pgettext("request status", "More information needed"),
        RequestStatus.ACCEPTED: tr.pgettext("request status", "Accepted"),
        RequestStatus.REJECTED: tr.pgettext("request status", "Not accepted"),
        RequestStatus.DELIVERED: tr.pgettext("request status", "Service delivered"),
        RequestStatus.CLOSED: tr.pgettext("request status", "Closed"),
    }
    return labels[status]


def reason_text(tr: Translator, services: Services, payload: dict[str, Any]) -> str:
    key = payload.get("reason_key")
    for reason in services.profile.association.rejection_reasons:
        if reason.key == key:
            return html.escape(reason.label.get(tr.locale))
    return esc(payload.get("reason") or "")
