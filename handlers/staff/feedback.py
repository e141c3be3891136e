"""/feedback: ratings and suggestions in aggregate, for staff."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator, ltr
from bot.services.feedback import FeedbackSummary
from handlers.common import esc
from handlers.long_text import split_html
from handlers.staff.commands import permitted
from storage.feedback import Remark


async def show_feedback(update: Update, ctx: BotContext) -> None:
    """Shows ratings and suggestions in aggregate, without who wrote them unless configured."""
    if not await permitted(update, ctx, "feedback"):
        return
    services = ctx.services
    tr = services.staff_translator()
    identity = services.profile.feedback.show_identity
    summary = await services.feedback.summary(identity)
    await _send(update, feedback_lines(tr, summary, identity))


def feedback_lines(tr: Translator, summary: FeedbackSummary, identity: bool) -> list[str]:
    _ = tr.gettext
    lines = ["<b>" + _("Ratings and suggestions") + "</b>"]
    if not identity:
        lines.append(_("Shown without the beneficiaries' names or request numbers."))
    lines.append("")
    if summary.average is None:
        lines.append(_("No ratings yet."))
    else:
        count = tr.ngettext("%(count)s rating", "%(count)s ratings", summary.count) % {
            "count": tr.number(summary.count)
        }
        average = _("average %(average)s of 5") % {"average": tr.decimal(summary.average)}
        lines.append(f"{count} · {average}")
        for stars in range(5, 0, -1):
            lines.append(f"{'⭐' * stars} {tr.number(summary.distribution[stars])}")
    if summary.comments:
        lines += ["", "<b>" + _("Latest comments") + "</b>"]
        lines += [_remark_line(tr, r) for r in summary.comments]
    lines += ["", "<b>" + _("Latest suggestions") + "</b>"]
    if not summary.suggestions:
        lines.append(_("No suggestions yet."))
    lines += [_remark_line(tr, r) for r in summary.suggestions]
    return lines


def _remark_line(tr: Translator, remark: Remark) -> str:
    line = "• "
    if remark.stars is not None:
        line += f"⭐{tr.number(remark.stars)} "
    line += esc(remark.text)
    who = [esc(remark.name)] if remark.name else []
    if remark.reference:
        who.append(f"<code>{ltr(remark.reference)}</code>")
    return line + (" — " + " · ".join(who) if who else "")


async def _send(update: Update, lines: list[str]) -> None:
    message = update.effective_message
    assert message is not None
    # In a topic, answer in that topic (reply_text keeps the thread).
    for chunk in split_html(lines):
        await message.reply_text(chunk, do_quote=False)
