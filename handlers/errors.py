"""The error handler: log without personal data, apologise in the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.context import BotContext

log = logging.getLogger(__name__)


async def report_error(update: object, ctx: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure (ids only, no message text) and tells the user nothing was lost."""
    error = ctx.error
    user_id = chat_id = None
    if isinstance(update, Update):
        user_id = update.effective_user.id if update.effective_user else None
        chat_id = update.effective_chat.id if update.effective_chat else None
    update_id = update.update_id if isinstance(update, Update) else None
    # The exception's message may quote user input; the redacting filter cleans it.
    log.error(
        "update %s (user %s) failed: %s", update_id, user_id, type(error).__name__, exc_info=error
    )
    if (
        not isinstance(update, Update)
        or chat_id is None
        or isinstance(error, Forbidden | NetworkError)
    ):
        return
    if not isinstance(ctx, BotContext) or update.effective_chat is None:
        return
    if update.effective_chat.type != update.effective_chat.PRIVATE:
        return
    try:
        tr = ctx.services.catalogs.get(await ctx.locale(update))
        await update.effective_chat.send_message(
            tr.gettext(
                "Sorry, something went wrong on our side. Your answers so far are saved; please try again."
            )
        )
    except Exception:
        log.warning("could not send the apology for update %s", update_id)
