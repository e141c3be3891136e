"""Groups other than the staff group: the bot says once that it does not work there."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import resolve_locale
from bot.inbox import DurableQueue
from handlers.common import answer_query


async def ignore_other_groups(update: Update, ctx: BotContext) -> None:
    """Stops every update from a group that is not the configured staff group."""
    chat = update.effective_chat
    services = ctx.services
    if chat is None or chat.type == chat.PRIVATE or chat.id == services.staff_chat_id:
        return
    user = update.effective_user
    tr = services.catalogs.get(
        resolve_locale(user.language_code if user else None, services.settings.default_locale)
    )
    if update.callback_query is not None:
        await services.staff.refuse(user.id if user else None, chat.id, "button", "outside")
        await answer_query(
            update.callback_query, tr.gettext("You are not allowed to do this."), alert=True
        )
    elif await services.staff.first_notice(chat.id) and _bot_present(update):
        await ctx.bot.send_message(
            chat.id,
            tr.gettext(
                "This bot works only in its association's staff group; it does nothing here."
            ),
        )
    # The update is handled (nothing more to do): let the inbox forget it, then stop.
    queue = ctx.application.update_queue
    if isinstance(queue, DurableQueue):
        queue.mark_handled(update.update_id)
    raise ApplicationHandlerStop


def _bot_present(update: Update) -> bool:
    """Only speak where the bot is (not after it was removed from the group)."""
    change = update.my_chat_member
    if change is None:
        return True
    return change.new_chat_member.status in ("member", "administrator")
