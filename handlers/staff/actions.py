"""The card's buttons: role checks, outdated cards, confirmation steps and the transitions."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext, Services
from bot.i18n import Translator, resolve_locale
from bot.profile import Role
from bot.services.policy import RULES, Action
from bot.services.staff import Done, Outdated
from domain.models import Request
from handlers.buttons import CardButton, answer_query, refuse_press
from handlers.common import esc
from handlers.labels import status_label
from handlers.staff import card as staff_card
from handlers.staff.group import StaffGroup

CONFIRMED = (Action.ACCEPT, Action.DELIVER, Action.CLOSE)  # a second press confirms these


def topic_key(message: Message | None) -> int:
    """The forum topic a message is in (0: the group has no topics or it is in General)."""
    if message is None or not message.is_topic_message:
        return 0
    return message.message_thread_id or 0


async def on_card_button(update: Update, ctx: BotContext, button: CardButton) -> None:
    """Acts on a card button after checking who pressed it, where, and on which version."""
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    assert query is not None and user is not None
    services = ctx.services
    request_id, verb = button.request_id, button.verb
    action = None if verb == "card" else Action(verb)
    # Every press is checked, also the ones that only open a sub-menu.
    refused = await services.staff.check(
        user.id, chat.id if chat else None, action or "card", request_id
    )
    if refused is not None:
        tr = services.catalogs.get(
            resolve_locale(user.language_code, services.settings.default_locale)
        )
        if chat is not None and chat.id == services.staff_chat_id:
            tr = services.staff_translator()
        await answer_query(query, tr.gettext("You are not allowed to do this."), alert=True)
        return
    tr = services.staff_translator()
    request = await services.staff.request(request_id)
    if request is None:
        await refuse_press(update, ctx, "stale", tr=tr, request_id=request_id)
        return
    if request.version != button.version or (
        action and request.status not in RULES[action].from_statuses
    ):
        # Someone acted first (or the card is old): say what happened and redraw it.
        events = await services.staff.events(request.id)
        outcome = Outdated(request, events[-1] if events else None)
        await report(ctx, query, tr, outcome)
        return
    await step(update, ctx, tr, request, action, button.arg)


async def step(
    update: Update,
    ctx: BotContext,
    tr: Translator,
    request: Request,
    action: Action | None,
    arg: str | None,
) -> None:
    """Open the sub-menu the button leads to, or apply the action."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    if action is None:  # "Back": the card's own buttons again
        await _markup(query, staff_card.keyboard(tr, request))
        await answer_query(query)
        return
    if action in CONFIRMED and arg != "yes":
        await _markup(query, staff_card.confirm_keyboard(tr, request, action))
        await answer_query(query)
        return
    if action is Action.REJECT and arg is None:
        await _markup(query, staff_card.reasons_keyboard(tr, services, request))
        await answer_query(query)
        return
    if action is Action.REFER and arg is None:
        if not services.staff.with_role(Role.SOCIAL_RESEARCHER):
            await answer_query(query, tr.gettext("No social researcher is configured."), alert=True)
            return
        await _markup(query, staff_card.researchers_keyboard(tr, services, request))
        await answer_query(query)
        return
    if action is Action.REQUEST_INFO or (action is Action.REJECT and arg == "*"):
        await ask_for_text(ctx, query, tr, request, action)
        await answer_query(query)
        return
    details: dict[str, object] = {}
    if action is Action.REJECT:
        keys = {r.key for r in services.profile.association.rejection_reasons}
        if arg not in keys:  # no reason of this profile: forged, or the profile changed
            await refuse_press(update, ctx, "unknown", tr=tr, request_id=request.id)
            return
        details = {"reason_key": arg}
    if action is Action.REFER:
        researchers = {str(m.id) for m in services.staff.with_role(Role.SOCIAL_RESEARCHER)}
        if arg not in researchers:
            await refuse_press(update, ctx, "unknown", tr=tr, request_id=request.id)
            return
        details = {"researcher_id": int(arg or 0)}
    user = query.from_user
    outcome = await services.staff.act(
        request.id, request.version, action, user.id, details=details
    )
    await report(ctx, query, tr, outcome)


async def report(
    ctx: BotContext, query: CallbackQuery, tr: Translator, outcome: Done | Outdated
) -> None:
    """Tell the presser what happened and show the card as it is now."""
    # The card is redrawn first: the answer to the press is the sign that all is done.
    await show_card(ctx, query, outcome.request.id)
    if isinstance(outcome, Outdated):
        await answer_query(query, outdated_text(ctx.services, tr, outcome), alert=True)
    else:
        await answer_query(query, status_label(tr, outcome.request.status))


def outdated_text(services: Services, tr: Translator, outcome: Outdated) -> str:
    """What happened instead: who moved the request on, and to what."""
    status = status_label(tr, outcome.request.status)
    event = outcome.last_event
    member = services.staff.member(event.actor_id) if event else None
    if member is not None:
        return tr.gettext("%(name)s got there first: the request is now “%(status)s”.") % {
            "name": member.name,
            "status": status,
        }
    return tr.gettext("The request changed meanwhile: it is now “%(status)s”.") % {"status": status}


async def show_card(ctx: BotContext, query: CallbackQuery, request_id: int) -> None:
    """Redraw the pressed card from the request's current state."""
    message = query.message
    if not isinstance(message, Message):
        return
    if await ctx.services.relay.thread_for_request(request_id) is None:
        return
    card = await StaffGroup(ctx.bot, ctx.services).card(request_id)
    if card is None:
        return
    try:
        await message.edit_text(card.text, reply_markup=card.markup)
    except BadRequest as err:
        if "not modified" not in err.message.lower():
            raise


async def _markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as err:
        if "not modified" not in err.message.lower():
            raise


async def ask_for_text(
    ctx: BotContext, query: CallbackQuery, tr: Translator, request: Request, action: Action
) -> None:
    """Ask the staff member to type the reason or what is missing, in this topic."""
    message = query.message
    if not isinstance(message, Message):
        return
    user = query.from_user
    await ctx.services.staff.await_text(
        user.id, message.chat.id, topic_key(message), request, action
    )
    who = staff_card.mention(user.id, user.first_name or "")
    if action is Action.REJECT:
        text = tr.gettext(
            "%(name)s, type the reason for not accepting %(reference)s in your next message here."
        )
    else:
        text = tr.gettext(
            "%(name)s, type what the beneficiary should send for %(reference)s in your next message here. It is sent to them as you write it."
        )
    await message.reply_text(
        "✍️ " + text % {"name": who, "reference": esc(request.reference)},
        do_quote=False,
    )
