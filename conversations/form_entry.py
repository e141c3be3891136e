"""Entering the form: greeting, the privacy notice, the intro, resuming a draft."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.profile import Profile
from conversations import form_screens as screens
from conversations.form_flow import END, drop_keyboard, end_or, show_screen
from handlers.beneficiary.privacy import kept_sentence
from handlers.buttons import MENU_NEW, Consent, answer_query, refuse_press
from handlers.common import main_menu, reply


async def start(update: Update, ctx: BotContext) -> int:
    """Greets the beneficiary, or offers to continue an unfinished request (a staff
    invitation's link, /start join_…, never gets here: handlers.staff.routes)."""
    assert update.effective_user is not None
    draft = await ctx.services.requests.draft(update.effective_user.id)
    tr = await ctx.translator(update)
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
    if update.callback_query and MENU_NEW.matches(update.callback_query.data):
        await answer_query(update.callback_query)
    services = ctx.services
    tr = await ctx.translator(update)
    user_id = update.effective_user.id
    draft = await services.requests.draft(user_id)
    if draft is not None:
        text, markup = screens.resume_prompt(tr, draft)
        await reply(update, text, markup)
        return end_or(draft)
    accepted = await services.privacy.consented(user_id)
    if accepted != services.privacy.version:
        await reply(update, *consent_screen(tr, ctx, changed=accepted is not None))
        return END
    # Typed answers older than this message (replayed after a crash) belong to no draft.
    after = update.effective_message.message_id if update.effective_message else 0
    draft = await services.requests.start_draft(user_id, after_message_id=after)
    return await show_screen(update, ctx, draft, intro=intro_text(tr, ctx))


def consent_screen(
    tr: Translator, ctx: BotContext, *, changed: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The privacy notice, with the retention rule it states; its buttons carry its version."""
    text = consent_text(tr, ctx.services.profile)
    if changed:
        text = (
            "🔄 "
            + tr.gettext("Our privacy notice has changed since you last accepted it.")
            + "\n\n"
            + text
        )
    version = ctx.services.privacy.version
    _ = tr.gettext
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ " + _("I agree"), callback_data=Consent("agree", version).encode()
                )
            ],
            [
                InlineKeyboardButton(
                    "✖️ " + _("Not now"), callback_data=Consent("decline", version).encode()
                )
            ],
        ]
    )
    return text, markup


def consent_text(tr: Translator, profile: Profile) -> str:
    """The notice as shown and as recorded when accepted."""
    _ = tr.gettext
    name = html.escape(profile.association.name.get(tr.locale))
    lines = [
        "<b>" + _("Before we start") + "</b>",
        "",
        _(
            "%(association)s will keep the answers and documents you send here only to study and serve your request, and will share them only with the staff who handle it."
        )
        % {"association": name},
        "",
        _(
            "You can see a copy of everything we hold about you, ask for a correction or ask for your data to be deleted at any time: send /mydata."
        ),
    ]
    kept = kept_sentence(tr, profile)
    if kept:
        lines.append(kept)
    lines += ["", _("Do you agree?")]
    return "\n".join(lines)


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


async def record_consent(update: Update, ctx: BotContext, button: Consent) -> int:
    """Records the beneficiary's agreement to the privacy notice and starts the form."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = await ctx.translator(update)
    services = ctx.services
    if button.choice == "decline":
        await answer_query(query)
        await drop_keyboard(query)
        await reply(
            update, tr.gettext("No problem. You can start whenever you are ready."), main_menu(tr)
        )
        return END
    if button.version != services.privacy.version:
        # A notice older than the one in force: show the current one to accept.
        await refuse_press(update, ctx, "stale", tr=tr)
        await drop_keyboard(query)
        await reply(update, *consent_screen(tr, ctx, changed=True))
        return END
    await answer_query(query)
    text = consent_text(tr, services.profile)
    await services.privacy.accept(update.effective_user.id, tr.locale, text)
    return await new_request(update, ctx)
