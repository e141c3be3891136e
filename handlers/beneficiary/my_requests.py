"""The beneficiary's own requests ("My requests", /myrequests)."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.textnorm import normalize_digits
from domain.models import Request, RequestEvent, RequestStatus
from handlers.buttons import ShowRequest, answer_query, refuse_press
from handlers.call_text import call_event_label
from handlers.common import esc, main_menu, reply
from handlers.interview_text import event_label as interview_event_label
from handlers.labels import reason_text, status_label


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
    buttons = [
        [
            InlineKeyboardButton(
                "🕘 " + request.reference, callback_data=ShowRequest(request.id).encode()
            )
        ]
        for request in requests[:TIMELINE_BUTTONS]
    ]
    markup = InlineKeyboardMarkup([*buttons, *main_menu(tr).inline_keyboard])
    await reply(update, "\n".join(lines).strip(), markup)


TIMELINE_BUTTONS = 5


def event_label(tr: Translator, services: Services, event: RequestEvent) -> str:
    """One step of the timeline, as the beneficiary sees it (staff names never shown)."""
    _ = tr.gettext
    kind = event.kind
    if kind == "submitted":
        return _("Request received")
    if kind == "refer":
        return _("Referred to a social researcher")
    if kind == "info":
        return _("More information asked for: %(text)s") % {
            "text": esc(event.details.get("info", ""))
        }
    if kind == "info_received":
        return _("You sent the information asked for")
    if kind == "accept":
        return _("Accepted by the research committee")
    if kind == "reject":
        return _("Not accepted: %(reason)s") % {"reason": reason_text(tr, services, event.details)}
    if kind == "deliver":
        return _("Service provided")
    if kind == "close":
        return _("Request closed")
    if kind.startswith("interview_"):
        return interview_event_label(tr, services, event)
    if kind.startswith("call_"):
        return call_event_label(tr, event) or esc(kind)
    return esc(kind)


async def show_timeline(update: Update, ctx: BotContext) -> None:
    """/status [reference]: the newest request, or the one whose reference is given."""
    wanted = normalize_digits(ctx.args[0]).strip().upper() if ctx.args else None
    await _show(update, ctx, lambda r: wanted is None or wanted == r.reference.upper())


async def show_pressed(update: Update, ctx: BotContext, button: ShowRequest) -> None:
    """A request's button in "My requests"; another person's request is refused."""
    if not await _show(update, ctx, lambda r: r.id == button.request_id, pressed=True):
        await refuse_press(update, ctx, "not-theirs", request_id=button.request_id)


async def _show(
    update: Update, ctx: BotContext, wanted: Callable[[Request], bool], *, pressed: bool = False
) -> bool:
    """Shows one of the beneficiary's requests step by step, with Hijri and Gregorian dates.

    False if none of theirs is wanted and it was a press (the caller refuses it)."""
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    services = ctx.services
    mine = await services.requests.requests_of(user.id)
    request = next((r for r in mine if wanted(r)), None)
    if request is None and pressed:
        return False
    await answer_query(update.callback_query)
    if request is None:
        text = (
            tr.gettext("You have not submitted any request yet.")
            if not mine
            else tr.gettext("No request of yours has that reference number.")
        )
        await reply(update, text, main_menu(tr))
        return True
    lines = [
        f"<b><code>{ltr(request.reference)}</code></b> — {status_label(tr, request.status)}",
        "",
    ]
    tz = services.requests.tz
    for event in await services.staff.events(request.id):
        day = tr.both_dates(event.created_at.astimezone(tz).date())
        lines.append(f"• {day}\n   {event_label(tr, services, event)}")
    if request.status in (
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_REVIEW,
        RequestStatus.NEEDS_INFO,
    ):
        lines += ["", _due(tr, request)]
    await reply(update, "\n".join(lines), main_menu(tr))
    return True


def _due(tr: Translator, request: Request) -> str:
    return tr.gettext("Decision expected by %(date)s") % {
        "date": tr.both_dates(request.decision_due)
    }
