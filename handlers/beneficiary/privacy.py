"""The beneficiary's data rights (/mydata): a copy of everything held, a correction of an
answer, the erasure of their data. Staff decide corrections and erasures on a card
(handlers.staff.data_requests).

Only the private chat the person registered from is shown their data.
"""

from __future__ import annotations

import html
import json
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update

from bot.context import BotContext, Services
from bot.i18n import N_, Translator, ltr
from bot.profile import FILE_KINDS, FieldKind, Profile
from bot.services.forms import RawAnswer
from bot.services.validators import ValidationError
from conversations.form_answers import raw_answer
from conversations.form_screens import error_text, kind_hint
from domain.models import Request, RequestStatus
from handlers.answers import answer_text
from handlers.buttons import (
    CANCEL_CORRECTION,
    CONFIRM_ERASURE,
    MY_DATA_COPY,
    MY_DATA_CORRECT,
    MY_DATA_ERASE,
    CorrectChoice,
    CorrectField,
    CorrectRequest,
    answer_query,
    refuse_press,
)
from handlers.common import esc, main_menu, reply
from handlers.labels import status_label

# The parts of the copy, in the order the document shows them.
SECTIONS = {
    "profile": N_("Your profile"),
    "consents": N_("Privacy notices you accepted"),
    "draft": N_("Your unfinished request"),
    "requests": N_("Your requests"),
    "timeline": N_("What happened to your requests"),
    "files": N_("Files you sent"),
    "information_sent": N_("Information you sent when asked"),
    "conversations": N_("Conversations with the team"),
    "messages_relayed": N_("Messages exchanged with the team"),
    "ratings": N_("Your ratings"),
    "suggestions": N_("Your suggestions"),
    "questions": N_("Questions you asked the bot"),
    "data_requests": N_("Your corrections and erasure requests"),
    "mutes": N_("Times the team stopped receiving your messages"),
    "calls": N_("Calls you asked for"),
    "interviews": N_("Interviews you asked for"),
}


# What each column of the copy is called in the readable page.
COLUMNS = {
    "user_id": N_("Telegram user id"),
    "first_name": N_("Name in Telegram"),
    "locale": N_("Language"),
    "consent_at": N_("Privacy notice accepted on"),
    "consent_version": N_("Version of the privacy notice"),
    "version": N_("Version"),
    "created_at": N_("Created on"),
    "updated_at": N_("Changed on"),
    "blocked_at": N_("Bot blocked on"),
    "text": N_("Text"),
    "accepted_at": N_("Accepted on"),
    "stage": N_("Stage"),
    "id": N_("Number"),
    "reference": N_("Reference number"),
    "status": N_("Status"),
    "declaration_text": N_("Declaration signed"),
    "declared_at": N_("Signed on"),
    "submitted_at": N_("Submitted on"),
    "decision_due": N_("Decision due by"),
    "decided_at": N_("Decided on"),
    "info_request": N_("Information asked for"),
    "kind": N_("Kind"),
    "from_status": N_("From"),
    "to_status": N_("To"),
    "actor_role": N_("By"),
    "details": N_("Details"),
    "field_key": N_("Question"),
    "file_name": N_("File name"),
    "mime_type": N_("File type"),
    "size": N_("Size in bytes"),
    "opened_by": N_("Opened by"),
    "opened_at": N_("Opened on"),
    "closed_at": N_("Closed on"),
    "closed_by": N_("Closed by"),
    "direction": N_("Direction"),
    "count": N_("Count"),
    "first": N_("First"),
    "last": N_("Last"),
    "stars": N_("Stars"),
    "comment": N_("Comment"),
    "asked_at": N_("Asked on"),
    "outcome": N_("Outcome"),
    "helpful": N_("Helpful"),
    "handed_off": N_("Passed to a person"),
    "reason": N_("Reason"),
    "muted_at": N_("From"),
    "lifted_at": N_("Until"),
    "window_start": N_("From"),
    "window_end": N_("Until"),
    "asap": N_("As soon as possible"),
    "mobile": N_("Mobile number"),
    "branch": N_("Branch"),
    "slot_at": N_("Time"),
}
STATUS_COLUMNS = ("status", "from_status", "to_status")


def _button(label: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(label, callback_data=data)]


async def _own_chat(update: Update, ctx: BotContext) -> bool:
    """The person is on record and writes from the chat they registered from."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != chat.PRIVATE:
        return False
    beneficiary = await ctx.services.requests.beneficiary(user.id)
    return beneficiary is not None and beneficiary.chat_id == chat.id


async def show_my_data(update: Update, ctx: BotContext) -> None:
    """/mydata: what is held, and the three rights as buttons."""
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    _ = tr.gettext
    user = update.effective_user
    if user is None or not await _own_chat(update, ctx):
        await reply(update, _("We hold no data about you."), main_menu(tr))
        return
    held = await ctx.services.privacy.held(user.id)
    counts = [
        (_("requests"), len(held["requests"])),
        (_("files"), len(held["files"])),
        (_("ratings"), len(held["ratings"])),
        (_("suggestions"), len(held["suggestions"])),
        (_("questions asked"), len(held["questions"])),
    ]
    lines = [
        "<b>" + _("Your data") + "</b>",
        "",
        _("The association holds about you:"),
        *(f"• {label}: {tr.number(n)}" for label, n in counts),
        "",
        _(
            "You can get a copy of all of it, ask for an answer to be corrected, or ask for your data to be deleted."
        ),
    ]
    rows = [_button("📄 " + _("Send me a copy"), MY_DATA_COPY.data)]
    if held["requests"]:
        rows.append(_button("✏️ " + _("Correct an answer"), MY_DATA_CORRECT.data))
    rows.append(_button("🗑 " + _("Delete my data"), MY_DATA_ERASE.data))
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def send_copy(update: Update, ctx: BotContext) -> None:
    """Everything held, as a document to read and as JSON."""
    tr = await ctx.translator(update)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not await _own_chat(update, ctx):
        await refuse_press(update, ctx, "not-theirs", tr=tr)
        return
    await answer_query(update.callback_query)
    services = ctx.services
    held = await services.privacy.held(user.id)
    today = services.requests.today()
    name = f"my-data-{today.isoformat()}"
    readable = _document(tr, services, held, today).encode()
    raw = json.dumps(held, ensure_ascii=False, indent=2, default=str).encode()
    caption = tr.gettext("Everything the association holds about you, on %(date)s.") % {
        "date": tr.both_dates(today)
    }
    await chat.send_document(InputFile(readable, filename=f"{name}.html"), caption=caption)
    await chat.send_document(
        InputFile(raw, filename=f"{name}.json"),
        caption=tr.gettext("The same data as JSON, for other programs."),
    )


def _document(
    tr: Translator, services: Services, held: dict[str, list[dict[str, Any]]], today: date
) -> str:
    """The copy as one HTML page that reads in the person's language and direction."""
    _ = tr.gettext
    title = _("Your data") + " — " + services.profile.association.name.get(tr.locale)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{tr.locale}" dir="{"rtl" if tr.rtl else "ltr"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(tr.both_dates(today))}</p>",
    ]
    for key, label in SECTIONS.items():
        rows = held.get(key, [])
        parts.append(f"<h2>{html.escape(_(label))} ({tr.number(len(rows))})</h2>")
        for row in rows:
            items = []
            for column, value in row.items():
                if column == "answers" and isinstance(value, dict):
                    items += [_answer_item(tr, services, k, v) for k, v in value.items()]
                elif value not in (None, "", {}):
                    label = html.escape(_(COLUMNS[column]) if column in COLUMNS else column)
                    items.append(f"<li><b>{label}</b>: {_cell(tr, services, column, value)}</li>")
            parts.append("<ul>" + "".join(items) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _cell(tr: Translator, services: Services, column: str, value: Any) -> str:
    """One value of the copy as the person reads it (escaped HTML)."""
    if column in STATUS_COLUMNS and value in RequestStatus.__members__.values():
        return status_label(tr, RequestStatus(value))
    if column == "field_key":
        form_field = services.profile.field(str(value))
        return html.escape(form_field.label.get(tr.locale) if form_field else str(value))
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
    return html.escape(str(shown))


def _answer_item(tr: Translator, services: Services, key: str, value: Any) -> str:
    form_field = services.profile.field(key)
    if form_field is None:
        return f"<li><b>{html.escape(key)}</b>: {html.escape(str(value))}</li>"
    label = html.escape(form_field.label.get(tr.locale))
    return f"<li><b>{label}</b>: {answer_text(tr, services.profile, form_field, value, 4000)}</li>"


# Corrections ---------------------------------------------------------------------------


async def choose_request(update: Update, ctx: BotContext) -> None:
    """Which request holds the answer to correct (straight to its answers if only one)."""
    tr = await ctx.translator(update)
    user = update.effective_user
    if user is None or not await _own_chat(update, ctx):
        await refuse_press(update, ctx, "not-theirs", tr=tr)
        return
    mine = await ctx.services.requests.requests_of(user.id)
    if len(mine) == 1:
        await _choose_field(update, ctx, tr, mine[0])
        return
    await answer_query(update.callback_query)
    rows = [
        _button(f"{r.reference} — {status_label(tr, r.status)}", CorrectRequest(r.id).encode())
        for r in mine
    ]
    if not rows:
        await reply(update, tr.gettext("You have not submitted any request yet."), main_menu(tr))
        return
    await reply(update, tr.gettext("Which request is the answer in?"), InlineKeyboardMarkup(rows))


async def pick_request(update: Update, ctx: BotContext, button: CorrectRequest) -> None:
    tr = await ctx.translator(update)
    user = update.effective_user
    assert user is not None
    request = await ctx.services.requests.request_of(user.id, button.request_id)
    if request is None:
        await refuse_press(update, ctx, "not-theirs", tr=tr, request_id=button.request_id)
        return
    await _choose_field(update, ctx, tr, request)


async def _choose_field(update: Update, ctx: BotContext, tr: Translator, request: Request) -> None:
    await answer_query(update.callback_query)
    profile = ctx.services.profile
    rows = []
    for index, form_field in enumerate(profile.form.fields):
        value = request.answers.get(form_field.key)
        shown = html.unescape(answer_text(tr, profile, form_field, value, 40))
        label = f"{form_field.label.get(tr.locale)}: {shown}"
        rows.append(_button(label[:60], CorrectField(request.id, index).encode()))
    text = tr.gettext("Which answer of %(reference)s is wrong?") % {
        "reference": f"<code>{ltr(request.reference)}</code>"
    }
    await reply(update, text, InlineKeyboardMarkup(rows))


async def ask_value(update: Update, ctx: BotContext, button: CorrectField) -> None:
    """Ask for the corrected answer: typed, or an option for a choice question."""
    tr = await ctx.translator(update)
    user = update.effective_user
    assert user is not None
    services = ctx.services
    fields = services.profile.form.fields
    form_field = fields[button.index] if button.index < len(fields) else None
    if form_field is None:
        await refuse_press(update, ctx, "unknown", tr=tr)
        return
    if not await services.privacy.start_correction(user.id, button.request_id, form_field.key):
        await refuse_press(update, ctx, "not-theirs", tr=tr, request_id=button.request_id)
        return
    await answer_query(update.callback_query)
    label = esc(form_field.label.get(tr.locale))
    cancel = _button("✖️ " + tr.gettext("Cancel"), CANCEL_CORRECTION.data)
    if form_field.kind is FieldKind.CHOICE:
        rows = [
            _button(o.label.get(tr.locale), CorrectChoice(o.key).encode())
            for o in services.profile.options_for(form_field)
        ]
        text = tr.gettext("Choose the correct answer for “%(question)s”:") % {"question": label}
        await reply(update, text, InlineKeyboardMarkup([*rows, cancel]))
        return
    if form_field.kind in FILE_KINDS:
        text = tr.gettext("Send the new file for “%(question)s” in your next message.")
    else:
        text = tr.gettext("Write the correct answer for “%(question)s” in your next message.")
    text %= {"question": label}
    hint = kind_hint(tr, form_field)
    await reply(update, f"{text}\n{hint}" if hint else text, InlineKeyboardMarkup([cancel]))


async def take_correction(update: Update, ctx: BotContext) -> bool:
    """The beneficiary's next message after "Correct an answer" is the new answer."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return False
    services = ctx.services
    typing = await services.privacy.typing(user.id)
    if typing is None or typing.field_key is None:
        return False
    if services.profile.field(typing.field_key) is None:
        return False
    tr = await ctx.translator(update)
    await _submit(update, ctx, tr, typing, raw_answer(message))
    return True


async def pick_option(update: Update, ctx: BotContext, button: CorrectChoice) -> None:
    tr = await ctx.translator(update)
    user = update.effective_user
    assert user is not None
    typing = await ctx.services.privacy.typing(user.id)
    if typing is None:
        await refuse_press(update, ctx, "stale", tr=tr)
        return
    await answer_query(update.callback_query)
    await _submit(update, ctx, tr, typing, RawAnswer(choice=button.key))


async def _submit(
    update: Update, ctx: BotContext, tr: Translator, typing: Any, raw: RawAnswer
) -> None:
    services = ctx.services
    form_field = services.profile.field(typing.field_key)
    assert form_field is not None
    try:
        value = services.requests.form.validate(form_field, raw, services.requests.today())
    except ValidationError as err:
        await reply(update, error_text(tr, form_field, err))
        return
    request = await services.privacy.submit_correction(typing, value)
    if request is None:
        await reply(update, tr.gettext("This request can no longer be corrected."), main_menu(tr))
        return
    text = tr.gettext(
        "Your correction of %(reference)s was sent to the association's team. We will tell you when it is applied."
    ) % {"reference": f"<code>{ltr(request.reference)}</code>"}
    await reply(update, "✅ " + text, main_menu(tr))


async def cancel_correction(update: Update, ctx: BotContext) -> None:
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    await ctx.services.privacy.cancel_typing(user.id)
    tr = await ctx.translator(update)
    await reply(update, tr.gettext("Nothing was changed."), main_menu(tr))


# Erasure -------------------------------------------------------------------------------


async def explain_erasure(update: Update, ctx: BotContext) -> None:
    """What an erasure deletes and keeps, before the person confirms it."""
    tr = await ctx.translator(update)
    if not await _own_chat(update, ctx):
        await refuse_press(update, ctx, "not-theirs", tr=tr)
        return
    await answer_query(update.callback_query)
    _ = tr.gettext
    lines = [
        "<b>" + _("Delete my data") + "</b>",
        "",
        _(
            "If the association approves it, your requests that are still open are closed, and everything we hold about you is deleted: your answers, documents, messages with the team, ratings' comments, suggestions and questions."
        ),
        kept_sentence(tr, ctx.services.profile),
        "",
        _("This cannot be undone. Do you want to ask for it?"),
    ]
    rows = [
        _button("🗑 " + _("Yes, delete my data"), CONFIRM_ERASURE.data),
        _button("↩️ " + _("No, keep it"), CANCEL_CORRECTION.data),
    ]
    await reply(update, "\n".join(lines), InlineKeyboardMarkup(rows))


def kept_sentence(tr: Translator, profile: Profile) -> str:
    """The retention rule, as the privacy notice and the erasure screen state it."""
    rule = profile.privacy
    if not rule.retention_years or not rule.kept_answers:
        return ""
    kept = [profile.field(k) for k in rule.kept_answers]
    labels = tr.join([html.escape(f.label.get(tr.locale)) for f in kept if f is not None])
    return tr.ngettext(
        "A request that was decided is kept for %(count)s year after its decision, with only %(answers)s and without your name or ID number, %(reason)s.",
        "A request that was decided is kept for %(count)s years after its decision, with only %(answers)s and without your name or ID number, %(reason)s.",
        rule.retention_years,
    ) % {
        "count": tr.number(rule.retention_years),
        "answers": labels,
        "reason": html.escape(rule.retention_reason.get(tr.locale)),
    }


async def confirm_erasure(update: Update, ctx: BotContext) -> None:
    tr = await ctx.translator(update)
    user = update.effective_user
    if user is None or not await _own_chat(update, ctx):
        await refuse_press(update, ctx, "not-theirs", tr=tr)
        return
    await answer_query(update.callback_query)
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(None)
    if await ctx.services.privacy.ask_erasure(user.id):
        text = tr.gettext(
            "Your request to delete your data was sent to the association. We will tell you when it is done."
        )
    else:
        text = tr.gettext(
            "You have already asked for your data to be deleted; the association is handling it."
        )
    await reply(update, text, main_menu(tr))
