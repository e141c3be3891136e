"""Staff commands in the group: /queue, /find and /stats."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.lookup import QUEUE_ORDER, QueueItem
from bot.services.policy import Action, Duty
from domain.models import Request, RequestStatus
from handlers.buttons import answer_query
from handlers.common import esc
from handlers.labels import status_label
from handlers.long_text import split_html

QUEUE_SHOWN = 40  # lines per status section; the rest are counted


async def permitted(update: Update, ctx: BotContext, action: Action | Duty | str) -> bool:
    """Staff inside the staff group only, with the role an action or duty needs; a refusal
    is audited (by the check) and answered where it was asked, in the staff language."""
    user, chat = update.effective_user, update.effective_chat
    services = ctx.services
    if user is None or chat is None:
        return False
    if await services.staff.check(user.id, chat.id, action) is None:
        return True
    refused = services.staff_translator().gettext("You are not allowed to do this.")
    if update.callback_query is not None:
        await answer_query(update.callback_query, refused, alert=True)
    elif chat.id == services.staff_chat_id and update.effective_message is not None:
        await update.effective_message.reply_text(refused, do_quote=False)
    return False


def topic_link(services: Services, topic_id: int | None) -> str | None:
    """A t.me link to the request's topic (supergroup ids are -100 followed by the id)."""
    chat_id = services.staff_chat_id
    if topic_id is None or chat_id is None or not str(chat_id).startswith("-100"):
        return None
    return f"https://t.me/c/{str(chat_id)[4:]}/{topic_id}"


async def _reference(services: Services, request: Request) -> str:
    thread = await services.relay.thread_for_request(request.id)
    link = topic_link(services, thread.topic_id if thread else None)
    ref = f"<code>{ltr(request.reference)}</code>"
    return f'<a href="{link}">{ltr(request.reference)}</a>' if link else ref


async def show_queue(update: Update, ctx: BotContext) -> None:
    """Lists open requests by status, oldest first, with days waiting and who holds them."""
    if not await permitted(update, ctx, "queue"):
        return
    services = ctx.services
    tr = services.staff_translator()
    items = await services.lookup.queue()
    lines = ["<b>" + tr.gettext("Open requests") + "</b>"]
    if not items:
        lines.append(tr.gettext("Nothing is waiting."))
    for status in QUEUE_ORDER:
        section = [i for i in items if i.request.status is status]
        if not section:
            continue
        lines += ["", f"<b>{status_label(tr, status)}</b> ({tr.number(len(section))})"]
        for item in section[:QUEUE_SHOWN]:
            lines.append(await _queue_line(services, tr, item))
        if len(section) > QUEUE_SHOWN:
            more = len(section) - QUEUE_SHOWN
            lines.append(
                tr.ngettext("…and %(count)s more", "…and %(count)s more", more)
                % {"count": tr.number(more)}
            )
    await _send(update, lines)


async def _queue_line(services: Services, tr: Translator, item: QueueItem) -> str:
    waiting = tr.ngettext("%(count)s day waiting", "%(count)s days waiting", item.days_waiting) % {
        "count": tr.number(item.days_waiting)
    }
    parts = [await _reference(services, item.request), waiting]
    holder = services.staff.member(item.request.holder_id) if item.request.holder_id else None
    if holder is not None:
        parts.append(tr.gettext("held by %(name)s") % {"name": esc(holder.name)})
    line = " · ".join(parts)
    if item.overdue:
        late = -item.days_left
        line = (
            "⚠️ "
            + line
            + " · "
            + tr.ngettext("overdue by %(count)s day", "overdue by %(count)s days", late)
            % {"count": tr.number(late)}
        )
    return "• " + line


async def find_requests(update: Update, ctx: BotContext) -> None:
    """Finds requests by reference number, applicant name or mobile number."""
    if not await permitted(update, ctx, "find"):
        return
    services = ctx.services
    tr = services.staff_translator()
    query = " ".join(ctx.args or []).strip()
    if not query:
        await _send(
            update,
            [
                tr.gettext(
                    "Write what to look for after the command, e.g. /find TWS-2026-000012, a name or a mobile number."
                )
            ],
        )
        return
    found = await services.lookup.find(query)
    if not found:
        await _send(update, [tr.gettext("No request matches %(query)s.") % {"query": esc(query)}])
        return
    lines = ["<b>" + tr.gettext("Requests found") + "</b>"]
    for request in found:
        name = request.answers.get("full_name") or ""
        submitted = request.submitted_at.astimezone(services.requests.tz).date()
        lines.append(
            "• "
            + " · ".join(
                p
                for p in (
                    await _reference(services, request),
                    status_label(tr, request.status),
                    esc(name) if name else "",
                    tr.both_dates(submitted),
                )
                if p
            )
        )
    await _send(update, lines)


async def show_stats(update: Update, ctx: BotContext) -> None:
    """Counts by status, the median time to a decision and the share decided within the SLA."""
    if not await permitted(update, ctx, "stats"):
        return
    services = ctx.services
    tr = services.staff_translator()
    stats = await services.lookup.stats()
    lines = ["<b>" + tr.gettext("Requests in figures") + "</b>", ""]
    for status in RequestStatus:
        lines.append(f"{status_label(tr, status)}: {tr.number(stats.by_status[status])}")
    lines.append("")
    if stats.median_days_to_decision is None:
        lines.append(tr.gettext("No request has been decided yet."))
    else:
        days = stats.median_days_to_decision
        lines.append(
            tr.gettext("Median time to a decision: %(days)s days") % {"days": tr.decimal(days)}
        )
        share = round(100 * (stats.within_sla or 0))
        lines.append(
            tr.gettext("Decided within the SLA: %(percent)s%% of %(count)s")
            % {"percent": tr.number(share), "count": tr.number(stats.decided)}
        )
    if stats.overdue:
        lines.append(
            "⚠️ "
            + tr.ngettext(
                "%(count)s request is overdue", "%(count)s requests are overdue", stats.overdue
            )
            % {"count": tr.number(stats.overdue)}
        )
    await _send(update, lines)


async def _send(update: Update, lines: list[str]) -> None:
    message = update.effective_message
    assert message is not None
    # In a topic, answer in that topic (reply_text keeps the thread); a long list goes in
    # several messages, cut between whole lines.
    for text in split_html(lines):
        await message.reply_text(text, do_quote=False)
