"""Groups other than the staff group: the bot says once that it does not work there; and in
the staff group, only the staff's own buttons work (a beneficiary's button forged there would
act for a staff member as if they were a beneficiary)."""

from __future__ import annotations

from typing import NoReturn

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import resolve_locale
from bot.inbox import DurableQueue
from handlers.buttons import is_button, is_staff_button, refuse_press


async def ignore_other_groups(update: Update, ctx: BotContext) -> None:
    """Stops every update from a group that is not the configured staff group, any button
    pressed in the staff group that is not a staff button, and any press without data."""
    chat = update.effective_chat
    services = ctx.services
    query = update.callback_query
    if query is not None and not query.data:
        # No data (a game's press, or forged): PTB would give it to the first button
        # handler whatever its pattern, so it is answered and audited here.
        await refuse_press(update, ctx, "unknown")
        _stop(update, ctx)
    if chat is not None and chat.id == services.staff_chat_id:
        await _refuse_foreign_button(update, ctx)
        return
    if chat is None or chat.type == chat.PRIVATE:
        return
    user = update.effective_user
    tr = services.catalogs.get(
        resolve_locale(user.language_code if user else None, services.settings.default_locale)
    )
    if update.callback_query is not None:
        refused = tr.gettext("You are not allowed to do this.")
        await refuse_press(update, ctx, "outside", alert=True, text=refused)
    elif await services.staff.first_notice(chat.id) and _bot_present(update):
        await ctx.bot.send_message(
            chat.id,
            tr.gettext(
                "This bot works only in its association's staff group; it does nothing here."
            ),
        )
    _stop(update, ctx)


def _bot_present(update: Update) -> bool:
    """Only speak where the bot is (not after it was removed from the group)."""
    change = update.my_chat_member
    if change is None:
        return True
    return change.new_chat_member.status in ("member", "administrator")


async def _refuse_foreign_button(update: Update, ctx: BotContext) -> None:
    """Answers and audits a press in the staff group whose data is no staff button."""
    query = update.callback_query
    if query is None or is_staff_button(query.data):
        return
    # A beneficiary's button has no place here; anything else is no button of ours.
    reason = "audience" if is_button(query.data) else "unknown"
    await refuse_press(update, ctx, reason, tr=ctx.services.staff_translator())
    _stop(update, ctx)


def _stop(update: Update, ctx: BotContext) -> NoReturn:
    """The update is handled (nothing more to do): let the inbox forget it, then stop."""
    queue = ctx.application.update_queue
    if isinstance(queue, DurableQueue):
        queue.mark_handled(update.update_id)
    raise ApplicationHandlerStop
