"""The staff's side of the beneficiary's data rights: the card on which staff apply or
decline a correction (relations officers and admins) or approve an erasure (admins), and
its buttons. The beneficiary's side is handlers.beneficiary.privacy."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext, Services
from bot.i18n import Translator
from bot.profile import FILE_KINDS
from bot.services.policy import Duty
from domain.models import Attachment
from handlers.answers import answer_text
from handlers.buttons import DataDecision, answer_query, refuse_press
from handlers.common import esc
from handlers.labels import status_label
from handlers.staff.commands import permitted


async def data_card(
    services: Services, tr: Translator, data_request_id: int
) -> tuple[str, InlineKeyboardMarkup, Attachment | None] | None:
    """The card staff decide a correction or an erasure on, and the corrected file if the
    answer is one (None: already decided)."""
    found = await services.privacy.card(data_request_id)
    if found is None or found[0].status != "pending":
        return None
    data_request, requests = found
    _ = tr.gettext
    file: Attachment | None = None
    if data_request.kind == "correction":
        request = next((r for r in requests if r.id == data_request.request_id), None)
        form_field = services.profile.field(data_request.field_key or "")
        if request is None or form_field is None:
            return None
        profile = services.profile
        lines = [
            "✏️ <b>"
            + _("The beneficiary asks to correct an answer of %(reference)s")
            % {"reference": esc(request.reference)}
            + "</b>",
            _("Question: %(question)s") % {"question": esc(form_field.label.get(tr.locale))},
            _("Now: %(answer)s")
            % {"answer": answer_text(tr, profile, form_field, request.answers.get(form_field.key))},
            _("Corrected: %(answer)s")
            % {"answer": answer_text(tr, profile, form_field, data_request.value)},
        ]
        apply = "✅ " + _("Apply the correction")
        value = data_request.value
        if form_field.kind in FILE_KINDS and isinstance(value, dict):
            file = Attachment(id=0, field_key=form_field.key, **_file_fields(value))
    else:
        lines = ["🗑 <b>" + _("A beneficiary asks for all their data to be deleted") + "</b>"]
        lines += [f"• {esc(r.reference)} — {status_label(tr, r.status)}" for r in requests]
        lines += [
            "",
            _(
                "If you approve: their open requests are closed; decided requests are kept without their name for the retention period with only the answers it keeps; everything else is deleted, with their topics in this group."
            ),
        ]
        apply = "🗑 " + _("Approve the deletion")
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    apply, callback_data=DataDecision("apply", data_request_id).encode()
                ),
                InlineKeyboardButton(
                    "✖️ " + _("Decline"),
                    callback_data=DataDecision("decline", data_request_id).encode(),
                ),
            ]
        ]
    )
    return "\n".join(lines), markup, file


def _file_fields(value: dict[str, Any]) -> dict[str, Any]:
    keys = ("kind", "file_id", "file_unique_id", "file_name", "mime_type", "size")
    return {k: value.get(k) for k in keys}


async def decide(update: Update, ctx: BotContext, button: DataDecision) -> None:
    """Staff apply or decline; an erasure needs an admin."""
    services = ctx.services
    tr = services.staff_translator()
    found = await services.privacy.card(button.data_request_id)
    if found is None or found[0].status != "pending":
        await refuse_press(update, ctx, "stale", tr=tr)
        return
    duty = Duty.CORRECT_DATA if found[0].kind == "correction" else Duty.ERASE_DATA
    if not await permitted(update, ctx, duty):
        return
    user = update.effective_user
    assert user is not None
    approve = button.decision == "apply"
    decided = await services.privacy.decide(button.data_request_id, approve, user.id)
    if decided is None:
        await refuse_press(update, ctx, "stale", tr=tr)
        return
    await answer_query(update.callback_query)
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        return
    if not approve:
        outcome = tr.gettext("Declined.")
    elif decided.data_request.kind == "correction":
        outcome = tr.gettext("The correction was applied.")
    else:
        outcome = tr.ngettext(
            "The data was deleted; %(count)s decided request is kept without a name.",
            "The data was deleted; %(count)s decided requests are kept without a name.",
            len(decided.kept),
        ) % {"count": tr.number(len(decided.kept))}
    # The card held the person's answers: only the outcome stays in the group.
    await message.edit_text("🔒 " + outcome)
