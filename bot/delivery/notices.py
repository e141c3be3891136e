"""What the bot tells a beneficiary about their request, and its own lines in staff threads."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Services
from bot.i18n import Translator, ltr
from bot.services.policy import Action
from bot.services.volunteers import THANKS as VOLUNTEER_THANKS
from domain.models import Request, RequestStatus
from handlers.beneficiary.mutes import MUTE_NOTICES, mute_notice
from handlers.beneficiary.privacy import kept_sentence
from handlers.buttons import MENU_NEW, MENU_TALK, CloseConversation
from handlers.call_text import CALL_NOTICES, call_notice
from handlers.common import done_button, end_button, esc, reference
from handlers.hours_text import after_hours_notice
from handlers.labels import reason_text
from handlers.staff.card import mention
from handlers.staff.volunteers import thanks_notice


def request_notice(
    tr: Translator, services: Services, request: Request, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A transition of the beneficiary's request, in their language."""
    _ = tr.gettext
    ref = {"reference": reference(request)}
    notice = payload.get("notice")
    if notice == Action.ACCEPT:
        return "✅ " + _(
            "Good news: the research committee accepted your request %(reference)s. We will contact you about providing the service."
        ) % ref, None
    if notice == Action.REJECT:
        text = (
            _("We are sorry: the research committee did not accept your request %(reference)s.")
            % ref
        )
        text += "\n" + _("Reason: %(reason)s") % {"reason": reason_text(tr, services, payload)}
        text += "\n\n" + _(
            "You may apply again if your situation changes, or talk to us through the menu."
        )
        return text, None
    if notice == Action.REQUEST_INFO:
        text = (
            "📝 "
            + _(
                "To go on studying your request %(reference)s, the association needs more information:"
            )
            % ref
        )
        text += "\n\n<blockquote>" + esc(payload.get("info") or "") + "</blockquote>\n\n"
        text += _("Send it here as text, photos or documents, then press “Done”.")
        markup = done_button(tr, request) if request.status is RequestStatus.NEEDS_INFO else None
        return text, markup
    if notice == Action.REFER:
        text = "🔎 " + _("Your request %(reference)s is under review.") % ref
        text += "\n" + _(
            "A social researcher from the association will talk with you here. You can write to them in this chat."
        )
        return text, end_button(tr)
    if notice == Action.DELIVER:
        return "🎁 " + _(
            "The service for your request %(reference)s was provided. Thank you for your trust."
        ) % ref, None
    if notice == Action.CLOSE:
        return _("Your request %(reference)s was closed.") % ref, None
    if notice == "info_reminder":
        text = (
            "⏰ "
            + _("We are still waiting for the information asked for your request %(reference)s:")
            % ref
        )
        text += "\n\n<blockquote>" + esc(request.info_request or "") + "</blockquote>\n\n"
        text += _("Send it here as text, photos or documents, then press “Done”.")
        markup = done_button(tr, request) if request.status is RequestStatus.NEEDS_INFO else None
        return text, markup
    if notice == "followup":
        text = (
            "🤝 "
            + _(
                "Some days ago the service for your request %(reference)s was provided. We hope all is well."
            )
            % ref
        )
        text += "\n" + _("If you need anything, the association's team is here for you.")
        return text, _one_button("🙋 " + _("Talk to a person"), MENU_TALK.data)
    raise ValueError(f"unknown notice {notice!r}")


def _one_button(label: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


def plain_notice(
    tr: Translator, services: Services, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A notice that is not about a request: a relay event, an unfinished form."""
    _ = tr.gettext
    notice = payload.get("notice")
    if notice == "conversation_closed":
        return conversation_closed(tr, payload), None
    if notice in MUTE_NOTICES:
        return mute_notice(tr, services, notice)
    if notice == "after_hours":
        return after_hours_notice(tr, services, payload), None
    if notice in CALL_NOTICES:
        return call_notice(tr, services, payload)
    if notice == "draft_reminder":
        text = "📝 " + _(
            "You started a support request and have not finished it. Your answers are saved: you can go on where you stopped."
        )
        if payload.get("last"):
            expires = date.fromisoformat(str(payload["expires_on"]))
            text += "\n" + _("An unfinished request is deleted on %(date)s.") % {
                "date": tr.both_dates(expires)
            }
        return text, _one_button("▶️ " + _("Continue my request"), MENU_NEW.data)
    if notice == "draft_expired":
        days = int(payload.get("days") or 0)
        text = tr.ngettext(
            "Your unfinished support request was deleted after %(count)s day without changes.",
            "Your unfinished support request was deleted after %(count)s days without changes.",
            days,
        ) % {"count": tr.number(days)}
        text += "\n" + _("You can start a new one at any time.")
        return text, _one_button("📝 " + _("New support request"), MENU_NEW.data)
    if notice in DATA_NOTICES:
        return data_notice(tr, services, payload), None
    if notice == VOLUNTEER_THANKS:
        return thanks_notice(tr, services, payload), None
    raise ValueError(f"unknown notice {notice!r}")


DATA_NOTICES = ("correction_done", "correction_declined", "erasure_done", "erasure_declined")


def data_notice(tr: Translator, services: Services, payload: dict[str, Any]) -> str:
    """What staff decided on a correction or an erasure the beneficiary asked for."""
    _ = tr.gettext
    notice = payload.get("notice")
    ref = {"reference": f"<code>{ltr(str(payload.get('reference', '')))}</code>"}
    form_field = services.profile.field(str(payload.get("field") or ""))
    question = {"question": esc(form_field.label.get(tr.locale)) if form_field else ""}
    if notice == "correction_done":
        return "✅ " + _("Your answer to “%(question)s” in %(reference)s was corrected.") % (
            question | ref
        )
    if notice == "correction_declined":
        return _(
            "The association's team did not apply your correction to “%(question)s” in %(reference)s. You can talk to a person to find out why."
        ) % (question | ref)
    if notice == "erasure_declined":
        return _(
            "The association's team did not delete your data now. You can talk to a person to find out why."
        )
    kept = payload.get("kept") or []
    lines = ["🗑 " + _("Your data was deleted.")]
    if kept:
        lines.append(
            _(
                "As the association's retention rule requires, these are kept without your name or ID number:"
            )
        )
        lines += [
            "• "
            + _("%(reference)s until %(date)s")
            % {
                "reference": f"<code>{ltr(str(k['reference']))}</code>",
                "date": tr.both_dates(date.fromisoformat(str(k["until"]))),
            }
            for k in kept
        ]
        lines.append(kept_sentence(tr, services.profile))
    lines.append(
        _("Everything else about you was deleted. You are welcome to come back at any time.")
    )
    return "\n".join(lines)


def conversation_closed(tr: Translator, payload: dict[str, Any]) -> str:
    if payload.get("closed_by") == "quiet":
        return tr.gettext(
            "The conversation with the association's team was closed because there were no new messages. You can start a new one from the menu."
        )
    return tr.gettext(
        "The association's team closed the conversation. You can start a new one from the menu."
    )


def staff_note(
    tr: Translator, services: Services, payload: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A line from the bot in a beneficiary's thread, in the staff group's language."""
    _ = tr.gettext
    note = payload.get("note")
    prefix = html.escape(services.profile.staff.note_prefix)
    if note == "referred":
        member = services.staff.member(int(payload.get("researcher_id") or 0))
        who = mention(member.id, member.name) if member else "—"
        text = "🔎 " + _("Referred to %(name)s. Write here to talk with the beneficiary.") % {
            "name": who
        }
        return text + "\n" + _("Messages starting with %(prefix)s stay among staff.") % {
            "prefix": prefix
        }, None
    if note == "info_received":
        return "📥 " + _(
            "The beneficiary sent the information asked for; the request is under review again."
        ), None
    if note == "conversation_opened":
        user_id = int(payload.get("user_id") or 0)
        text = "💬 " + _("The beneficiary asked to talk to a person. Write here to answer them.")
        text += "\n" + _("Messages starting with %(prefix)s stay among staff.") % {"prefix": prefix}
        close = InlineKeyboardButton(
            "🔚 " + _("End the conversation"), callback_data=CloseConversation(user_id).encode()
        )
        return text, InlineKeyboardMarkup([[close]]) if user_id else None
    if note == "conversation_closed":
        by = payload.get("closed_by")
        if by == "beneficiary":
            return "🔚 " + _("The beneficiary ended the conversation."), None
        if by == "quiet":
            return "🔚 " + _("The conversation was closed after a quiet period."), None
        return "🔚 " + _("The conversation was closed by staff."), None
    if note == "blocked":
        return "⛔ " + _(
            "Unreachable: the beneficiary has blocked the bot. Messages written here and notices about their requests do not reach them until they unblock it."
        ), None
    if note == "unblocked":
        return "✅ " + _("The beneficiary unblocked the bot; messages reach them again."), None
    if note == "sla_nudge":
        day, sla = int(payload.get("day") or 0), services.profile.association.sla_days
        text = "⏳ " + _("Day %(day)s of %(sla)s: the committee's decision is due on %(date)s.") % {
            "day": tr.number(day),
            "sla": tr.number(sla),
            "date": tr.both_dates(date.fromisoformat(str(payload["due"]))),
        }
        return text, None
    if note == "sla_overdue":
        text = "🚨 " + _(
            "Overdue: the decision was due on %(date)s and the beneficiary is still waiting."
        ) % {"date": tr.both_dates(date.fromisoformat(str(payload["due"])))}
        return text, None
    if note == "refused":
        text = "⚠️ " + _(
            "Telegram refused a message about request %(reference)s, so it was not sent (%(reason)s). Please look at the request."
        ) % {
            "reference": ltr(str(payload.get("reference", ""))),
            "reason": esc(payload.get("reason", "")),
        }
        return text, None
    if note == "error":
        text = "⚠️ " + _(
            "Something went wrong on the bot's side (%(error)s, update %(update)s). The person was asked to try again; the details are in the bot's log, without personal data."
        ) % {"error": esc(payload.get("error", "")), "update": ltr(str(payload.get("update", "")))}
        return text, None
    raise ValueError(f"unknown staff note {note!r}")
