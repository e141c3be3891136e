"""A sender flooding the bot is told once to wait, and not read until they slow down."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.flood import Pace
from handlers.common import reply


async def slowed(update: Update, ctx: BotContext, tr: Translator) -> bool:
    """Count the message; True if it is past the sender's limit and must not be read.

    Called where a message would go to the guides or to staff, after the form, typed
    answers and the information staff asked for have taken theirs: nothing typed into a
    form is dropped.
    """
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return False
    pace = ctx.services.flood.note(user.id, message.media_group_id)
    if pace is Pace.SLOW_DOWN:
        await reply(
            update,
            "⏳ "
            + tr.gettext(
                "You are sending messages very quickly. Please wait a moment, then send your message again."
            ),
        )
    return pace is not Pace.READ
