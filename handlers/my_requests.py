"""The beneficiary's own requests ("My requests", /myrequests)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator, ltr
from handlers.common import answer_query, main_menu, reply
from storage.models import RequestStatus


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


async def list_my_requests(update: Update, ctx: BotContext) -> None:
    """Lists the beneficiary's requests with their status (never anyone else's)."""
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    _ = tr.gettext
    services = ctx.services
    requests = await services.requests.requests_of(user.id)
    draft = await services.requests.draft(user.id)
    lines = ["<b>" + _("My requests") + "</b>", ""]
    if draft is not None:
        lines += ["📝 " + _("You have an unfinished request. Send /start to continue it."), ""]
    if not requests:
        lines.append(_("You have not submitted any request yet."))
    today = services.requests.today()
    for request in requests:
        lines.append(
            f"<b><code>{ltr(request.reference)}</code></b> — {status_label(tr, request.status)}"
        )
        lines.append(
            _("Submitted on %(date)s")
            % {"date": tr.both_dates(request.submitted_at.astimezone(services.requests.tz).date())}
        )
        if request.status in (RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW):
            days_left = (request.decision_due - today).days
            lines.append(
                _("Decision expected by %(date)s") % {"date": tr.both_dates(request.decision_due)}
                + (
                    " "
                    + tr.ngettext("(%(count)s day left)", "(%(count)s days left)", days_left)
                    % {"count": tr.number(days_left)}
                    if days_left >= 0
                    else ""
                )
            )
        lines.append("")
    await reply(update, "\n".join(lines).strip(), main_menu(tr))
