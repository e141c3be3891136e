"""The volunteer form: the profile's second form, asked with the request form's screens.

Not a ConversationHandler: the open sign-up in the database says what a message is, so a
typed answer is taken only while a question waits (see receive_answer); its buttons carry
the sign-up's version like the request form's, so an older screen's buttons expire.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.requests import IncompleteForm, StaleDraft
from bot.services.validators import ValidationError
from conversations import form_screens as screens
from conversations.form_answers import raw_answer
from conversations.form_flow import drop_keyboard
from conversations.form_steps import SHARED_ACTIONS, take_step
from domain.models import Draft, DraftStage
from handlers.beneficiary import talk
from handlers.buttons import MENU_VOLUNTEER, VolunteerButton, answer_query, refuse_press
from handlers.common import main_menu, reply


async def start_volunteering(update: Update, ctx: BotContext) -> None:
    """Opens the volunteer form at its first question, or where an open sign-up stands."""
    query = update.callback_query
    if query is not None and MENU_VOLUNTEER.matches(query.data):
        await answer_query(query)
    assert update.effective_user is not None
    services = ctx.services
    tr = await ctx.translator(update)
    _ = tr.gettext
    user_id = update.effective_user.id
    if services.volunteers.form is None:
        await reply(update, _("We are not taking volunteers at the moment."), main_menu(tr))
        return
    request_draft = await services.requests.draft(user_id)
    if request_draft is not None and request_draft.stage is not DraftStage.PAUSED:
        # That form owns the chat's messages while it is open.
        await reply(
            update,
            _(
                "Please finish your support request first, or send /cancel to stop it; then you can sign up to volunteer."
            ),
        )
        return
    draft = await services.volunteers.open(user_id)
    if draft is not None:
        await show(update, ctx, tr, draft)
        return
    # Typed answers older than this message (replayed after a crash) belong to no sign-up.
    after = update.effective_message.message_id if update.effective_message else 0
    draft = await services.volunteers.start(user_id, after_message_id=after)
    await show(update, ctx, tr, draft, intro=intro_text(tr, ctx))


def intro_text(tr: Translator, ctx: BotContext) -> str:
    name = html.escape(ctx.services.profile.association.name.get(tr.locale))
    count = len(ctx.services.volunteers.engine().fields)
    return "\n".join(
        [
            "🤝 "
            + tr.gettext("Thank you for wanting to volunteer with %(association)s.")
            % {"association": f"<b>{name}</b>"},
            tr.ngettext(
                "The form has %(count)s question.",
                "The form has %(count)s questions.",
                count,
            )
            % {"count": tr.number(count)},
        ]
    )


async def show(
    update: Update,
    ctx: BotContext,
    tr: Translator,
    draft: Draft,
    error: str | None = None,
    intro: str = "",
) -> None:
    """Send the screen the sign-up stands at."""
    services = ctx.services
    form = services.volunteers.engine()
    if draft.stage is DraftStage.ANSWERING:
        text, markup = screens.question(
            tr, services.profile, form, draft, error, kind=VolunteerButton
        )
    else:
        text, markup = screens.review(tr, services.profile, form, draft, kind=VolunteerButton)
        if error:
            text = f"⚠️ {error}\n\n{text}"
    if intro:
        text = f"{intro}\n\n{text}"
    await reply(update, text, markup)


async def receive_answer(update: Update, ctx: BotContext) -> None:
    """Checks a typed answer to the volunteer form's question; without an open sign-up,
    the message goes where any other message goes (talk.route_message)."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    services = ctx.services
    draft = await services.volunteers.open(update.effective_user.id)
    if draft is None or services.volunteers.form is None:
        await talk.route_message(update, ctx)
        return
    if message.message_id < draft.last_message_id:
        return  # older than an answer already applied: a replay
    tr = await ctx.translator(update)
    if message.message_id == draft.last_message_id:
        # Replayed after a crash that came between committing this answer and replying.
        await show(update, ctx, tr, draft)
        return
    if draft.stage is not DraftStage.ANSWERING or draft.field_key is None:
        await show(update, ctx, tr, draft, tr.gettext("Please use the buttons below."))
        return
    form = services.volunteers.form
    form_field = form.field(draft.field_key)
    try:
        value = form.validate(form_field, raw_answer(message), services.requests.today())
    except ValidationError as err:
        await show(update, ctx, tr, draft, screens.error_text(tr, form_field, err))
        return
    try:
        draft = await services.volunteers.record_answer(
            draft, form_field.key, value, message.message_id
        )
    except StaleDraft:
        draft = await services.volunteers.open(update.effective_user.id)
        if draft is None:
            return
    await show(update, ctx, tr, draft)


async def on_button(update: Update, ctx: BotContext, button: VolunteerButton) -> None:
    """Acts on a volunteer form button, refusing buttons from an older screen or sign-up."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = await ctx.translator(update)
    volunteers = ctx.services.volunteers
    draft = await volunteers.open(update.effective_user.id)
    if (
        volunteers.form is None
        or draft is None
        or (button.draft_id, button.seq)
        != (
            draft.id,
            draft.seq,
        )
    ):
        await refuse_press(update, ctx, "stale", tr=tr, alert=True)
        await drop_keyboard(query)
        if draft is not None and volunteers.form is not None:
            await show(update, ctx, tr, draft)
        return
    await answer_query(query)
    try:
        await act(update, ctx, tr, draft, button)
    except StaleDraft:
        current = await volunteers.open(update.effective_user.id)
        if current is not None:
            await show(update, ctx, tr, current)


async def act(
    update: Update, ctx: BotContext, tr: Translator, draft: Draft, button: VolunteerButton
) -> None:
    volunteers = ctx.services.volunteers
    action, arg = button.action, button.arg
    if action in SHARED_ACTIONS:
        today = ctx.services.requests.today()
        step = await take_step(volunteers, volunteers.engine(), tr, draft, action, arg, today)
        if isinstance(step, str):
            await show(update, ctx, tr, draft, step)
            return
        draft = step
    elif action == "confirm" and draft.stage is DraftStage.REVIEWING:
        try:
            await volunteers.submit(draft, tr.locale)
        except IncompleteForm as missing:
            draft = await volunteers.edit(draft, missing.field_key)
        else:
            await drop_keyboard_of(update)
            await reply(update, submitted_text(tr), main_menu(tr))
            return
    elif action == "cancel":
        await drop_keyboard_of(update)
        await volunteers.discard(draft)
        await reply(
            update,
            tr.gettext("Your volunteer sign-up was cancelled and your answers were deleted."),
            main_menu(tr),
        )
        return
    await show(update, ctx, tr, draft)


async def drop_keyboard_of(update: Update) -> None:
    if update.callback_query is not None:
        await drop_keyboard(update.callback_query)


def submitted_text(tr: Translator) -> str:
    _ = tr.gettext
    return "\n".join(
        [
            "✅ " + _("Thank you: your offer to volunteer was received."),
            _("Our team will read it and get back to you here."),
        ]
    )
