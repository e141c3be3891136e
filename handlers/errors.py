"""The error handler: log without personal data, tell the staff group (the error's type
only), apologise in the user's language. No traceback ever reaches a chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.context import BotContext

log = logging.getLogger(__name__)


async def report_error(update: object, ctx: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure (no user id, no text) and tells the user nothing was lost."""
    error = ctx.error
    update_id = update.update_id if isinstance(update, Update) else None
    # The update id is written 512_345_678 so that the redacting filter does not take it
    # for a phone number; it finds the update in the inbox. The exception's message may
    # quote user input: the redacting filter cleans it.
    shown = f"{update_id:_}" if update_id is not None else "-"
    log.error("update %s failed: %s", shown, type(error).__name__, exc_info=error)
    if isinstance(ctx, BotContext):
        ctx.services.metrics.errors.labels("update" if update is not None else "job").inc()
    if not isinstance(update, Update) or not isinstance(ctx, BotContext):
        return
    try:
        await ctx.services.staff.report_error(type(error).__name__, shown)
    except Exception:
        log.warning("could not tell the staff group about update %s", shown)
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return
    # Blocked, or Telegram unreachable: an apology would not arrive either. A BadRequest is
    # a NetworkError in PTB but means our own request was wrong: apologise for that one.
    unreachable = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    if isinstance(error, Forbidden) or unreachable:
        return
    try:
        tr = ctx.services.catalogs.get(await ctx.locale(update))
        await chat.send_message(
            tr.gettext(
                "Sorry, something went wrong on our side. Your answers so far are saved; please try again."
            )
        )
    except Exception:
        log.warning("could not send the apology for update %s", shown)
