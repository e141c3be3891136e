"""The support-request form: one ConversationHandler driven by the profile's fields.

The database is the source of truth: every accepted answer is committed before the bot
replies, the conversation's state is derived from the draft's stage (see state_of and
bot.persistence), and every button carries the draft's version so that a stale button
is answered with "this button has expired" and the current screen is shown again.
"""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from conversations.form_answers import cancel, receive_answer
from conversations.form_buttons import on_button
from conversations.form_entry import new_request, record_consent, start
from conversations.form_flow import FormState, state_of
from handlers.buttons import MENU_NEW, Consent, FormButton, on_press
from handlers.common import INVITATION_LINK

__all__ = ["NAME", "FormState", "build_request_form", "cancel", "state_of"]

NAME = "request_form"
Handler = BaseHandler[Update, BotContext, object]


def build_request_form() -> ConversationHandler[BotContext]:
    """Build the form conversation (registered by bot.app)."""
    private = filters.ChatType.PRIVATE
    answer: Handler = MessageHandler(
        private & filters.UpdateType.MESSAGE & ~filters.COMMAND, receive_answer
    )
    buttons: Handler = on_press(FormButton, on_button)
    starters: list[Handler] = [
        CommandHandler("start", start, filters=private & ~INVITATION_LINK),
        CommandHandler("new", new_request, filters=private),
        CallbackQueryHandler(new_request, pattern=MENU_NEW.matches),
        on_press(Consent, record_consent),
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
