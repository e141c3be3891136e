"""Ratings after delivery and the suggestions box (staff read them with /feedback:
handlers.staff.feedback)."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.feedback import (
    MAX_TEXT,
    RATING_COMMENT,
    SUGGESTION,
    Rated,
    RateResult,
)
from domain.models import Request
from handlers.buttons import CANCEL_SUGGESTION, Rate, SkipComment, answer_query, refuse_press
from handlers.common import main_menu, reference, reply


def rating_keyboard(
    tr: Translator, request_id: int, chosen: int | None = None
) -> InlineKeyboardMarkup:
    """Five stars; the one on record is ticked."""
    buttons = [
        InlineKeyboardButton(
            f"⭐{tr.number(n)}" + (" ✓" if n == chosen else ""),
            callback_data=Rate(request_id, n).encode(),
        )
        for n in range(1, 6)
    ]
    return InlineKeyboardMarkup([buttons])


def rating_prompt(
    tr: Translator, request: Request, *, anonymous: bool = True
) -> tuple[str, InlineKeyboardMarkup]:
    """Ask the beneficiary to rate the service of a delivered request."""
    _ = tr.gettext
    text = "⭐ " + _(
        "How was the service for your request %(reference)s? Please rate it from 1 (poor) to 5 (excellent)."
    ) % {"reference": reference(request)}
    # Say the name is withheld only when it is: the association's profile decides.
    why = (
        _("Your rating reaches the team without your name and helps us improve our service.")
        if anonymous
        else _("Your rating helps us improve our service.")
    )
    return f"{text}\n{why}", rating_keyboard(tr, request.id)


def _skip_button(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "⏭ " + tr.gettext("Skip"), callback_data=SkipComment(request_id).encode()
                )
            ]
        ]
    )


def _cancel_button(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("✖️ " + tr.gettext("Cancel"), callback_data=CANCEL_SUGGESTION.data)]]
    )


async def _set_keyboard(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    # An unchanged keyboard or a message too old to edit is not worth an error.
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(markup)


async def receive_rating(update: Update, ctx: BotContext, button: Rate) -> None:
    """Records the stars pressed and asks for a comment after a first rating."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    tr = await ctx.translator(update)
    rid = button.request_id
    result = await ctx.services.feedback.rate(user.id, rid, button.stars)
    if result.outcome is Rated.NOT_ALLOWED:
        text = tr.gettext("Only your own requests whose service was provided can be rated.")
        await refuse_press(update, ctx, "not-theirs", request_id=rid, alert=True, text=text)
        return
    await answer_query(query, _toast(tr, result))
    await _set_keyboard(query, rating_keyboard(tr, rid, result.stars))
    if result.outcome is Rated.NEW:
        text = "🙏 " + tr.gettext(
            "Thank you for your rating. Would you like to add a comment? Write it here in one message, or press “Skip”."
        )
        await reply(update, text, _skip_button(tr, rid))
    elif result.outcome is Rated.CHANGED:
        await reply(update, "✅ " + _stars_sentence(tr, result))
    elif result.outcome is Rated.TOO_LATE:
        await reply(update, _stars_sentence(tr, result))


def _toast(tr: Translator, result: RateResult) -> str | None:
    if result.outcome is Rated.UNCHANGED:
        return tr.gettext("Your rating is already %(stars)s of 5.") % {
            "stars": tr.number(result.stars or 0)
        }
    return None


def _stars_sentence(tr: Translator, result: RateResult) -> str:
    stars = {"stars": tr.number(result.stars or 0)}
    if result.outcome is Rated.CHANGED:
        return tr.gettext("Your rating was updated to %(stars)s of 5. Thank you.") % stars
    return (
        tr.gettext(
            "We are sorry: the time to change this rating is over, so it stays at %(stars)s of 5. Thank you for your feedback."
        )
        % stars
    )


async def skip_comment(update: Update, ctx: BotContext, button: SkipComment) -> None:
    """The beneficiary does not want to add a comment to their rating."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    tr = await ctx.translator(update)
    request_id = button.request_id
    if not await ctx.services.feedback.cancel_prompt(user.id, RATING_COMMENT, request_id):
        # Not this presser's open rating comment: someone else's button, or an old one.
        await refuse_press(update, ctx, "stale", tr=tr, request_id=request_id)
        return
    await answer_query(query)
    await _set_keyboard(query, None)
    await reply(update, tr.gettext("Thank you for your rating."), main_menu(tr))


async def ask_suggestion(update: Update, ctx: BotContext) -> None:
    """Asks for a suggestion to the association."""
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    await ctx.services.feedback.ask_suggestion(user.id)
    text = "💡 " + tr.gettext("Write your suggestion to the association here in one message.")
    if not ctx.services.profile.feedback.show_identity:
        text += "\n" + tr.gettext("It reaches the team without your name.")
    await reply(update, text, _cancel_button(tr))


async def cancel_suggestion(update: Update, ctx: BotContext) -> None:
    """The beneficiary changed their mind about writing a suggestion."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    tr = await ctx.translator(update)
    await ctx.services.feedback.cancel_prompt(user.id, SUGGESTION)
    await answer_query(query)
    await _set_keyboard(query, None)
    await reply(update, tr.gettext("All right, no suggestion was sent."), main_menu(tr))


async def take_typed(update: Update, ctx: BotContext) -> bool:
    """Keep the comment or suggestion the beneficiary was asked for; False if none was."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or (message.text or "").startswith("/"):
        return False  # a command is not an answer; the question stays open
    services = ctx.services
    prompt = await services.feedback.prompt(user.id)
    if prompt is None:
        return False
    tr = await ctx.translator(update)
    text = (message.text or "").strip()
    if not text:
        await reply(update, tr.gettext("Please write it as a text message."))
        return True
    if len(text) > MAX_TEXT:
        # The question stays open: a shorter version can be sent straight away.
        await reply(
            update,
            tr.gettext(
                "Sorry, this is too long. Please send it again in at most %(count)s characters."
            )
            % {"count": tr.number(MAX_TEXT)},
        )
        return True
    if prompt.kind == SUGGESTION:
        await services.feedback.suggest(user.id, text)
        thanks = tr.gettext("Thank you for your suggestion. The association's team will read it.")
    else:
        await services.feedback.comment(user.id, text)
        thanks = tr.gettext("Thank you for your comment. It helps us improve our service.")
    await reply(update, "🙏 " + thanks, main_menu(tr))
    return True
