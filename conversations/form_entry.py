"""Entering the form: greeting, the privacy notice, the intro, resuming a draft."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from conversations import form_screens as screens
from conversations.form_flow import END, drop_keyboard, end_or, show_screen
from handlers.common import answer_query, main_menu, reply


async def start(update: Update, ctx: BotContext) -> int:
    """Greets the beneficiary, or offers to continue an unfinished request."""
    assert update.effective_user is not None
    tr = await ctx.translator(update)
    draft = await ctx.services.requests.draft(update.effective_user.id)
    if draft is not None:
        text, markup = screens.resume_prompt(tr, draft)
        await reply(update, text, markup)
        return end_or(draft)
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
        return end_or(draft)
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
        await drop_keyboard(query)
        await reply(
            update, tr.gettext("No problem. You can start whenever you are ready."), main_menu(tr)
        )
        return END
    await answer_query(query)
    await ctx.services.requests.record_consent(update.effective_user.id)
    return await new_request(update, ctx)
