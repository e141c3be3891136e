"""The form's buttons: each carries the draft's version, so old ones expire."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot.context import BotContext
from bot.i18n import Translator, ltr
from bot.services.requests import IncompleteForm, StaleDraft
from conversations import form_screens as screens
from conversations.form_flow import END, drop_keyboard, end_or, show_current, show_screen
from conversations.form_steps import SHARED_ACTIONS, take_step
from domain.models import Draft, DraftStage
from handlers.buttons import FormButton, answer_query, refuse_press
from handlers.common import main_menu, reply


async def on_button(update: Update, ctx: BotContext, button: FormButton) -> int:
    """Acts on a form button, refusing buttons from an older screen or draft."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = await ctx.translator(update)
    services = ctx.services
    draft = await services.requests.draft(update.effective_user.id)
    if draft is None or (button.draft_id, button.seq) != (draft.id, draft.seq):
        await refuse_press(update, ctx, "stale", tr=tr, alert=True)
        await drop_keyboard(query)
        if draft is not None and draft.stage is not DraftStage.PAUSED:
            return await show_screen(update, ctx, draft)
        return end_or(draft)
    await answer_query(query)
    # Old buttons are not removed after every step (an extra API call each time): the
    # version in their data makes them expire. They are removed where a step is final.
    try:
        return await act(update, ctx, tr, draft, button.action, button.arg, query)
    except StaleDraft:
        return await show_current(update, ctx)


async def act(
    update: Update,
    ctx: BotContext,
    tr: Translator,
    draft: Draft,
    action: str,
    arg: str | None,
    query: CallbackQuery,
) -> int:
    requests = ctx.services.requests
    if action in SHARED_ACTIONS:
        step = await take_step(requests, requests.form, tr, draft, action, arg, requests.today())
        if isinstance(step, str):
            return await show_screen(update, ctx, draft, step)
        draft = step
    elif action == "confirm":
        try:
            draft = await requests.to_declaration(draft)
        except IncompleteForm as missing:
            draft = await requests.edit(draft, missing.field_key)
    elif action == "sign" and draft.stage is DraftStage.SIGNING:
        await drop_keyboard(query)
        # The text signed is the one shown, in the language of the button pressed.
        locale = arg if arg in ("ar", "en") else tr.locale
        return await submit(update, ctx, ctx.services.catalogs.get(locale), draft)
    elif action == "resume":
        draft = await requests.resume(draft)
    elif action == "restart":
        after = query.message.message_id if query.message else 0
        draft = await requests.start_draft(draft.user_id, after_message_id=after)
    elif action == "cancel":
        text, markup = screens.cancel_prompt(tr, draft)
        await reply(update, text, markup)
        return end_or(draft)
    elif action == "keep":
        await drop_keyboard(query)
        await requests.pause(draft)
        await reply(
            update,
            tr.gettext("Your answers are saved. Send /start when you want to continue."),
            main_menu(tr),
        )
        return END
    elif action == "discard":
        await drop_keyboard(query)
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


async def submit(update: Update, ctx: BotContext, tr: Translator, draft: Draft) -> int:
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
