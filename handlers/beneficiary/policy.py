"""/policy: the association's beneficiary policy in short, with the board's approval and
the full document in the reader's language."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from telegram import InputFile, Update

from bot.config import profile_folder
from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.profile import BeneficiaryPolicy
from handlers.buttons import answer_query
from handlers.common import main_menu, reply
from handlers.long_text import split_html

log = logging.getLogger(__name__)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def summary_lines(tr: Translator, services: Services, policy: BeneficiaryPolicy) -> list[str]:
    """The policy's points in the reader's language, the decision period and the approval."""
    _ = tr.gettext
    association = services.profile.association
    days = association.sla_days
    lines = [
        "📜 <b>" + _("Our policy with beneficiaries") + "</b>",
        _("The policy of %(name)s for its relationship with beneficiaries, in short:")
        % {"name": _e(association.name.get(tr.locale))},
        "",
        "<b>" + _("Your rights") + "</b>",
        *["• " + _e(point.get(tr.locale)) for point in policy.rights],
        "",
        "<b>" + _("What the association commits to") + "</b>",
        *["• " + _e(point.get(tr.locale)) for point in policy.commitments],
        "• "
        + tr.ngettext(
            "The research committee decides to accept or reject your request within %(count)s day of its completion, and tells you the reason if it does not accept it.",
            "The research committee decides to accept or reject your request within %(count)s days of its completion, and tells you the reason if it does not accept it.",
            days,
        )
        % {"count": tr.number(days)},
        "",
        "✅ "
        + _(
            "Approved by the association's Board of Directors at its meeting number %(meeting)s on %(date)s."
        )
        % {
            "meeting": ltr(tr.digits(_e(policy.approval.meeting))),
            "date": tr.both_dates(policy.approval.held_on),
        },
    ]
    return lines


def document_path(services: Services, policy: BeneficiaryPolicy, locale: str) -> Path:
    return profile_folder(services.settings.profile) / policy.document.get(locale)


async def show_policy(update: Update, ctx: BotContext) -> None:
    """Sends the policy's summary, then the full document in the reader's language."""
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    services = ctx.services
    policy = services.profile.policy
    if policy is None:
        text = tr.gettext(
            "The association has not published its beneficiary policy here yet. You can ask the team through the menu."
        )
        await reply(update, text, main_menu(tr))
        return
    chat = update.effective_chat
    assert chat is not None
    pieces = split_html(summary_lines(tr, services, policy))
    for piece in pieces[:-1]:
        await chat.send_message(piece)
    path = document_path(services, policy, tr.locale)
    try:
        content = path.read_bytes()
    except OSError as exc:
        # The summary still holds; the operator learns that the file is missing.
        log.error("the policy document %s cannot be read: %s", path.name, exc.strerror)
        await reply(update, pieces[-1], main_menu(tr))
        return
    await chat.send_message(pieces[-1])
    caption = "📎 " + tr.gettext("The full policy, as the Board of Directors approved it.")
    await chat.send_document(
        InputFile(content, filename=path.name), caption=caption, reply_markup=main_menu(tr)
    )
