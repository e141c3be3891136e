"""The request's card in the staff group: every answer, the SLA, and the action buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Services
from bot.i18n import Translator, ltr
from bot.profile import Role
from bot.services.policy import Action, possible
from domain.models import InfoItem, Request, RequestStatus
from handlers.answers import answer_text
from handlers.buttons import CardButton
from handlers.common import esc
from handlers.labels import status_label
from handlers.long_text import fit_html

CARD_ANSWER_CHARS = 600  # one long answer must not push the card past 4,096 characters


def action_label(tr: Translator, action: Action) -> str:
    labels = {
        Action.ACCEPT: "✅ " + tr.pgettext("staff action", "Accept"),
        Action.REJECT: "❌ " + tr.pgettext("staff action", "Reject"),
        Action.REQUEST_INFO: "📝 " + tr.pgettext("staff action", "Request information"),
        Action.REFER: "🔎 " + tr.pgettext("staff action", "Refer to a researcher"),
        Action.DELIVER: "🎁 " + tr.pgettext("staff action", "Service delivered"),
        Action.CLOSE: "🗄 " + tr.pgettext("staff action", "Close"),
    }
    return labels[action]


def data(action: str, request: Request, arg: str | int | None = None) -> str:
    """Callback data of a card button: the request and the version the card shows."""
    extra = None if arg is None else str(arg)
    return CardButton(action, request.id, request.version, extra).encode()


def keyboard(tr: Translator, request: Request) -> InlineKeyboardMarkup | None:
    """The actions the request's status allows, two to a row."""
    buttons = [
        InlineKeyboardButton(action_label(tr, a), callback_data=data(a.value, request))
        for a in possible(request.status)
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def confirm_keyboard(tr: Translator, request: Request, action: Action) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    action_label(tr, action) + " ✔︎",
                    callback_data=data(action.value, request, "yes"),
                )
            ],
            [InlineKeyboardButton("↩️ " + tr.gettext("Back"), callback_data=data("card", request))],
        ]
    )


def reasons_keyboard(tr: Translator, services: Services, request: Request) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(r.label.get(tr.locale), callback_data=data("reject", request, r.key))]
        for r in services.profile.association.rejection_reasons
    ]
    rows.append(
        [
            InlineKeyboardButton(
                "✍️ " + tr.gettext("Another reason (type it)"),
                callback_data=data("reject", request, "*"),
            )
        ]
    )
    rows.append(
        [InlineKeyboardButton("↩️ " + tr.gettext("Back"), callback_data=data("card", request))]
    )
    return InlineKeyboardMarkup(rows)


def researchers_keyboard(
    tr: Translator, services: Services, request: Request
) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(m.name, callback_data=data("refer", request, m.id))]
        for m in services.staff.with_role(Role.SOCIAL_RESEARCHER)
    ]
    rows.append(
        [InlineKeyboardButton("↩️ " + tr.gettext("Back"), callback_data=data("card", request))]
    )
    return InlineKeyboardMarkup(rows)


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{html.escape(name)}</a>'


def sla_line(tr: Translator, services: Services, request: Request) -> str:
    days_left = (request.decision_due - services.requests.today()).days
    due = tr.gettext("Decision due: %(date)s") % {"date": tr.both_dates(request.decision_due)}
    if request.status not in (
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_REVIEW,
        RequestStatus.NEEDS_INFO,
    ):
        return "⏳ " + due
    if days_left < 0:
        late = tr.ngettext("overdue by %(count)s day", "overdue by %(count)s days", -days_left)
        return "⚠️ " + due + " — " + late % {"count": tr.number(-days_left)}
    left = tr.ngettext("%(count)s day left", "%(count)s days left", days_left)
    return "⏳ " + due + " — " + left % {"count": tr.number(days_left)}


def render(
    tr: Translator,
    services: Services,
    request: Request,
    first_name: str,
    info: list[InfoItem],
) -> str:
    """The card's text (HTML): everything staff need to check and decide."""
    _ = tr.gettext
    profile = services.profile
    tz = services.requests.tz
    lines = [
        f"📋 <b><code>{ltr(request.reference)}</code></b> — <b>{status_label(tr, request.status)}</b>",
        "👤 " + _("Beneficiary: %(name)s") % {"name": esc(first_name or "—")},
        "🗓 "
        + _("Submitted on %(date)s")
        % {"date": tr.both_dates(request.submitted_at.astimezone(tz).date())},
        sla_line(tr, services, request),
    ]
    holder = services.staff.member(request.holder_id) if request.holder_id else None
    if holder is not None:
        lines.append("🔎 " + _("Held by: %(name)s") % {"name": mention(holder.id, holder.name)})
    if request.status is RequestStatus.NEEDS_INFO and request.info_request:
        lines.append(
            "📝 " + _("Information asked for: %(text)s") % {"text": esc(request.info_request)}
        )
    lines.append("")
    for form_field in profile.form.fields:
        value = request.answers.get(form_field.key)
        label = html.escape(form_field.label.get(tr.locale))
        shown = answer_text(tr, profile, form_field, value, limit=CARD_ANSWER_CHARS)
        lines.append(f"• <b>{label}:</b> {shown}")
    if info:
        lines += ["", "📥 <b>" + _("Information sent by the beneficiary:") + "</b>"]
        for item in info:
            if item.text:
                lines.append("• " + esc(item.text[:CARD_ANSWER_CHARS]))
            elif item.file_id:
                lines.append("• 📎 " + esc(item.file_name or _("a file")))
    if request.attachments:
        count = len(request.attachments)
        lines += [
            "",
            "📎 "
            + tr.ngettext("%(count)s attachment below", "%(count)s attachments below", count)
            % {"count": tr.number(count)},
        ]
    return fit_html(lines)
