"""The support-request form: one ConversationHandler driven by the profile's fields.

The database is the source of truth: every accepted answer is committed before the bot
replies, the conversation's state is derived from the draft's stage (see state_of and
bot.persistence), and every button carries the draft's version so that a stale button
is answered with "this button has expired" and the current screen is shown again.
"""

from __future__ import annotations

import contextlib
import html
import warnings
from enum import IntEnum

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator, ltr
from bot.services.forms import FileInfo, RawAnswer
from bot.services.requests import IncompleteForm, StaleDraft
from bot.services.validators import ValidationError
from conversations import form_screens as screens
from handlers.common import answer_query, main_menu, reply
from storage.models import Draft, DraftStage

NAME = "request_form"
Handler = BaseHandler[Update, BotContext, object]
END = ConversationHandler.END


class FormState(IntEnum):
    WAITING_ANSWER = 1
    REVIEWING = 2
    SIGNING = 3


_STAGE_STATES = {
    DraftStage.ANSWERING: FormState.WAITING_ANSWER,
    DraftStage.REVIEWING: FormState.REVIEWING,
    DraftStage.SIGNING: FormState.SIGNING,
}


def state_of(draft: Draft | None) -> FormState | None:
    """Map a draft to the conversation state it stands for (None: no open form)."""
    return _STAGE_STATES.get(draft.stage) if draft is not None else None


def _end_or(draft: Draft | None) -> int:
    state = state_of(draft)
    return END if state is None else int(state)


async def show_screen(
    update: Update, ctx: BotContext, draft: Draft, error: str | None = None, intro: str = ""
) -> int:
    """Send the screen the draft stands at and return the matching state."""
    services = ctx.services
    tr = await ctx.translator(update)
    form = services.requests.form
    if draft.stage is DraftStage.ANSWERING:
        text, markup = screens.question(tr, services.profile, form, draft, error)
    elif draft.stage is DraftStage.REVIEWING:
        text, markup = screens.review(tr, services.profile, form, draft)
        if error:
            text = f"⚠️ {error}\n\n{text}"
    elif draft.stage is DraftStage.SIGNING:
        text, markup = screens.declaration(tr, services.profile, draft)
        if error:
            text = f"⚠️ {error}\n\n{text}"
    else:
        text, markup = screens.resume_prompt(tr, draft)
    if intro:
        text = f"{intro}\n\n{text}"
    await reply(update, text, markup)
    return _end_or(draft)


async def start(update: Update, ctx: BotContext) -> int:
    """Greets the beneficiary, or offers to continue an unfinished request."""
    assert update.effective_user is not None
    tr = await ctx.translator(update)
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is not None:
        text, markup = screens.resume_prompt(tr, draft)
        await reply(update, text, markup)
        return _end_or(draft)
    await reply(update, welcome_text(tr, ctx), main_menu(tr))
    return END


def welcome_text(tr: Translator, ctx: BotContext) -> str:
    _ = tr.gettext
    name = html.escape(ctx.services.profile.association.name.get(tr.locale))
    return "\n".join(
        [
            _("Welcome to %(association)s.") % {"association": f"<b>{name}</b>"},
            "",
            _(
                "Through this chat you can apply for support, follow your requests and reach our team. How can we help you today?"
            ),
        ]
    )


async def new_request(update: Update, ctx: BotContext) -> int:
    """Starts the form (after the privacy notice), or offers to continue an unfinished one."""
    assert update.effective_user is not None
    if update.callback_query and update.callback_query.data == "menu:new":
        await answer_query(update.callback_query)
    services = ctx.services
    tr = await ctx.translator(update)
    user_id = update.effective_user.id
    draft = await services.requests.draft(user_id)
    if draft is not None:
        text, markup = screens.resume_prompt(tr, draft)
        await reply(update, text, markup)
        return _end_or(draft)
    beneficiary = await services.requests.beneficiary(user_id)
    if beneficiary is None or beneficiary.consent_at is None:
        await reply(update, *consent_screen(tr, ctx))
        return END
    # Typed answers older than this message (replayed after a crash) belong to no draft.
    after = update.effective_message.message_id if update.effective_message else 0
    draft = await services.requests.start_draft(user_id, after_message_id=after)
    return await show_screen(update, ctx, draft, intro=intro_text(tr, ctx))


def consent_screen(tr: Translator, ctx: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    name = html.escape(ctx.services.profile.association.name.get(tr.locale))
    text = "\n".join(
        [
            "<b>" + _("Before we start") + "</b>",
            "",
            _(
                "%(association)s will keep the answers and documents you send here only to study and serve your request, and will share them only with the staff who handle it."
            )
            % {"association": name},
            "",
            _("Do you agree?"),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("✅ " + _("I agree"), callback_data="consent:agree")],
            [InlineKeyboardButton("✖️ " + _("Not now"), callback_data="consent:decline")],
        ]
    )
    return text, markup


def intro_text(tr: Translator, ctx: BotContext) -> str:
    _ = tr.gettext
    form = ctx.services.requests.form
    count = len(form.fields)
    lines = [
        tr.ngettext(
            "The form has %(count)s question. Your answers are saved as you go, so you can stop and continue at any time.",
            "The form has %(count)s questions. Your answers are saved as you go, so you can stop and continue at any time.",
            count,
        )
        % {"count": tr.number(count)},
        _("Send /cancel at any time to stop."),
    ]
    documents = ctx.services.profile.association.required_documents
    if documents:
        lines += ["", _("Have these documents ready:")]
        lines += [f"• {html.escape(d.get(tr.locale))}" for d in documents]
    return "\n".join(lines)


async def record_consent(update: Update, ctx: BotContext) -> int:
    """Records the beneficiary's agreement to the privacy notice and starts the form."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    tr = await ctx.translator(update)
    if query.data == "consent:decline":
        await answer_query(query)
        await _drop_keyboard(query)
        await reply(
            update, tr.gettext("No problem. You can start whenever you are ready."), main_menu(tr)
        )
        return END
    await answer_query(query)
    await ctx.services.requests.record_consent(update.effective_user.id)
    return await new_request(update, ctx)


async def receive_answer(update: Update, ctx: BotContext) -> int:
    """Checks the answer to the current question, stores it and asks the next one."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    services = ctx.services
    draft = await services.requests.draft(update.effective_user.id)
    if draft is None or draft.stage is DraftStage.PAUSED:
        tr = await ctx.translator(update)
        await reply(update, tr.gettext("Please choose from the menu."), main_menu(tr))
        return END
    if message.message_id < draft.last_message_id:
        return _end_or(draft)  # older than an answer already applied: a replay
    if message.message_id == draft.last_message_id:
        # Replayed after a crash that came between committing this answer and replying.
        return await show_screen(update, ctx, draft)
    if draft.stage is not DraftStage.ANSWERING or draft.field_key is None:
        return await remind_buttons(update, ctx)
    form = services.requests.form
    form_field = form.field(draft.field_key)
    try:
        value = form.validate(form_field, raw_answer(message), services.requests.today())
    except ValidationError as err:
        tr = await ctx.translator(update)
        return await show_screen(update, ctx, draft, screens.error_text(tr, form_field, err))
    try:
        draft = await services.requests.record_answer(
            draft, form_field.key, value, message.message_id
        )
    except StaleDraft:
        return await _show_current(update, ctx)
    return await show_screen(update, ctx, draft)


async def remind_buttons(update: Update, ctx: BotContext) -> int:
    """Answers a message sent where the screen expects a button press."""
    assert update.effective_user is not None
    tr = await ctx.translator(update)
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is None:
        await reply(update, tr.gettext("Please choose from the menu."), main_menu(tr))
        return END
    return await show_screen(update, ctx, draft, tr.gettext("Please use the buttons below."))


async def on_button(update: Update, ctx: BotContext) -> int:
    """Acts on a form button, refusing buttons from an older screen or draft."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    tr = await ctx.translator(update)
    services = ctx.services
    draft = await services.requests.draft(update.effective_user.id)
    parts = query.data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    if draft is None or len(parts) < 4 or parts[2] != str(draft.id) or parts[3] != str(draft.seq):
        await answer_query(query, tr.gettext("This button has expired."), alert=True)
        await _drop_keyboard(query)
        if draft is not None and draft.stage is not DraftStage.PAUSED:
            return await show_screen(update, ctx, draft)
        return _end_or(draft)
    await answer_query(query)
    # Old buttons are not removed after every step (an extra API call each time): the
    # version in their data makes them expire. They are removed where a step is final.
    arg = parts[4] if len(parts) > 4 else None
    try:
        return await _act(update, ctx, tr, draft, action, arg, query)
    except StaleDraft:
        return await _show_current(update, ctx)


async def _act(
    update: Update,
    ctx: BotContext,
    tr: Translator,
    draft: Draft,
    action: str,
    arg: str | None,
    query: CallbackQuery,
) -> int:
    requests = ctx.services.requests
    form = requests.form
    if action == "choose" and draft.stage is DraftStage.ANSWERING and draft.field_key:
        form_field = form.field(draft.field_key)
        try:
            value = form.validate(form_field, RawAnswer(choice=arg), requests.today())
        except ValidationError as err:
            return await show_screen(update, ctx, draft, screens.error_text(tr, form_field, err))
        draft = await requests.record_answer(draft, form_field.key, value)
    elif action == "skip" and draft.field_key and not form.field(draft.field_key).required:
        draft = await requests.skip(draft, draft.field_key)
    elif action == "back":
        draft = await requests.go_back(draft)
    elif (
        action == "edit" and arg and arg.isascii() and arg.isdigit() and int(arg) < len(form.fields)
    ):
        draft = await requests.edit(draft, form.fields[int(arg)].key)
    elif action == "review":
        draft = await requests.review(draft)
    elif action == "confirm":
        try:
            draft = await requests.to_declaration(draft)
        except IncompleteForm as missing:
            draft = await requests.edit(draft, missing.field_key)
    elif action == "sign" and draft.stage is DraftStage.SIGNING:
        await _drop_keyboard(query)
        # The text signed is the one shown, in the language of the button pressed.
        locale = arg if arg in ("ar", "en") else tr.locale
        return await _submit(update, ctx, ctx.services.catalogs.get(locale), draft)
    elif action == "resume":
        draft = await requests.resume(draft)
    elif action == "restart":
        after = query.message.message_id if query.message else 0
        draft = await requests.start_draft(draft.user_id, after_message_id=after)
    elif action == "cancel":
        text, markup = screens.cancel_prompt(tr, draft)
        await reply(update, text, markup)
        return _end_or(draft)
    elif action == "keep":
        await _drop_keyboard(query)
        await requests.pause(draft)
        await reply(
            update,
            tr.gettext("Your answers are saved. Send /start when you want to continue."),
            main_menu(tr),
        )
        return END
    elif action == "discard":
        await _drop_keyboard(query)
        await requests.discard_draft(draft)
        await reply(
            update,
            tr.gettext(
                "Your request was cancelled and your answers were deleted. Nothing was sent."
            ),
            main_menu(tr),
        )
        return END
    return await show_screen(update, ctx, draft)


async def _submit(update: Update, ctx: BotContext, tr: Translator, draft: Draft) -> int:
    services = ctx.services
    declaration = services.profile.association.declaration.get(tr.locale)
    try:
        submission = await services.requests.submit(draft, declaration, tr.locale)
    except IncompleteForm as missing:
        draft = await services.requests.edit(draft, missing.field_key)
        return await show_screen(update, ctx, draft)
    request = submission.request
    _ = tr.gettext
    days = submission.sla_days
    text = "\n".join(
        [
            "✅ " + _("Your request was received."),
            "",
            _("Reference number: %(reference)s")
            % {"reference": f"<code>{ltr(request.reference)}</code>"},
            tr.ngettext(
                "The research committee will study it and decide within %(count)s day, by %(date)s.",
                "The research committee will study it and decide within %(count)s days, by %(date)s.",
                days,
            )
            % {"count": tr.number(days), "date": tr.both_dates(request.decision_due)},
            _(
                "We will send you the decision here. You can follow your request under “My requests”."
            ),
        ]
    )
    await reply(update, text, main_menu(tr))
    return END


async def cancel(update: Update, ctx: BotContext) -> int:
    """Asks whether to discard the draft or keep it for later."""
    assert update.effective_user is not None
    tr = await ctx.translator(update)
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is None:
        await reply(update, tr.gettext("There is nothing to cancel."), main_menu(tr))
        return END
    text, markup = screens.cancel_prompt(tr, draft)
    await reply(update, text, markup)
    return _end_or(draft)


async def _show_current(update: Update, ctx: BotContext) -> int:
    assert update.effective_user is not None
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is None or draft.stage is DraftStage.PAUSED:
        return END
    return await show_screen(update, ctx, draft)


async def _drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of a message that has been acted on (best effort)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    # Too old to edit, or already without buttons: nothing to fix.
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(reply_markup=None)


def raw_answer(message: Message) -> RawAnswer:
    """Strip a Telegram message down to what the form engine reads."""
    if message.photo:
        largest = message.photo[-1]
        return RawAnswer(
            file=FileInfo(
                kind="photo",
                file_id=largest.file_id,
                file_unique_id=largest.file_unique_id,
                file_name=None,
                mime_type="image/jpeg",
                size=largest.file_size,
            )
        )
    if message.document:
        doc = message.document
        return RawAnswer(
            file=FileInfo(
                kind="document",
                file_id=doc.file_id,
                file_unique_id=doc.file_unique_id,
                file_name=doc.file_name,
                mime_type=doc.mime_type,
                size=doc.file_size,
            )
        )
    if message.text is not None:
        return RawAnswer(text=message.text)
    for kind in (
        "sticker",
        "voice",
        "audio",
        "video",
        "video_note",
        "location",
        "contact",
        "animation",
        "poll",
        "venue",
        "dice",
    ):
        if getattr(message, kind, None):
            return RawAnswer(other=kind)
    return RawAnswer(other="unknown")


def build_request_form() -> ConversationHandler[BotContext]:
    """Build the form conversation (registered by bot.app)."""
    private = filters.ChatType.PRIVATE
    answer: Handler = MessageHandler(
        private & filters.UpdateType.MESSAGE & ~filters.COMMAND, receive_answer
    )
    buttons: Handler = CallbackQueryHandler(on_button, pattern=r"^form:")
    starters: list[Handler] = [
        CommandHandler("start", start, filters=private),
        CommandHandler("new", new_request, filters=private),
        CallbackQueryHandler(new_request, pattern=r"^menu:new$"),
        CallbackQueryHandler(record_consent, pattern=r"^consent:(agree|decline)$"),
        buttons,
    ]
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a CallbackQueryHandler is not tracked per
        # message. That is intended: one form per user, and stale buttons are recognised
        # by the draft version every button carries.
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            entry_points=starters,
            states={
                FormState.WAITING_ANSWER: [buttons, answer],
                # The same handler everywhere: it acts on the draft's stage in the
                # database, so a state left behind by an exception cannot misroute text.
                FormState.REVIEWING: [buttons, answer],
                FormState.SIGNING: [buttons, answer],
            },
            fallbacks=[CommandHandler("cancel", cancel, filters=private), *starters],
            name=NAME,
            persistent=True,
            allow_reentry=True,
        )
