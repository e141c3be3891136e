"""Volunteers in the staff group: their cards, in a topic of their own, and the accept press."""

from __future__ import annotations

import html
import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.services.volunteers import THANKS
from handlers.answers import answer_text
from handlers.buttons import AcceptVolunteer, answer_query, refuse_press
from handlers.staff.commands import permitted
from storage.volunteers import Volunteer

log = logging.getLogger(__name__)


def card(tr: Translator, services: Services, volunteer: Volunteer) -> str:
    """The volunteer's answers, in the staff language, and whether staff accepted them."""
    _ = tr.gettext
    form = services.volunteers.engine()
    local = volunteer.submitted_at.astimezone(ZoneInfo(services.settings.timezone))
    lines = [
        "🤝 <b>" + _("New volunteer") + "</b> " + ltr(f"#V{volunteer.id}"),
        _("Signed up on %(date)s") % {"date": tr.both_dates(local.date())},
        "",
    ]
    for form_field in form.fields:
        value = volunteer.answers.get(form_field.key)
        label = html.escape(form_field.label.get(tr.locale))
        lines.append(f"• <b>{label}:</b> {answer_text(tr, services.profile, form_field, value)}")
    if volunteer.accepted_by is not None:
        member = services.profile.staff.member(volunteer.accepted_by)
        who = html.escape(member.name) if member else ltr(str(volunteer.accepted_by))
        lines += ["", "✅ " + _("Accepted and thanked by %(name)s") % {"name": who}]
    return "\n".join(lines)


def keyboard(tr: Translator, volunteer: Volunteer) -> InlineKeyboardMarkup | None:
    if volunteer.accepted_at is not None:
        return None
    data = AcceptVolunteer(volunteer.id).encode()
    label = "✅ " + tr.gettext("Accept and thank")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


async def post_card(bot: ExtBot[None], services: Services, volunteer_id: int) -> None:
    """Post a volunteer's card in the Volunteers topic (opened once), or in General."""
    volunteer = await services.volunteers.volunteer(volunteer_id)
    chat_id = services.staff_chat_id
    if volunteer is None or chat_id is None:
        return  # erased since, or no staff group
    tr = services.staff_translator()
    text, markup = card(tr, services, volunteer), keyboard(tr, volunteer)
    topic = await _topic(bot, services, tr)
    try:
        sent = await bot.send_message(chat_id, text, reply_markup=markup, message_thread_id=topic)
    except BadRequest as err:
        if topic is None or "thread not found" not in err.message.lower():
            raise
        log.info("the volunteers' topic was deleted; opening it again")
        await services.volunteers.set_topic(None)
        topic = await _topic(bot, services, tr)
        sent = await bot.send_message(chat_id, text, reply_markup=markup, message_thread_id=topic)
    await services.privacy.posted(volunteer.user_id, sent.message_id, "volunteer")


async def _topic(bot: ExtBot[None], services: Services, tr: Translator) -> int | None:
    """The Volunteers topic's id (None: the group's General, when it has no topics)."""
    if not services.settings.staff_topics:
        return None
    topic = await services.volunteers.topic()
    if topic is not None:
        return topic
    chat_id = services.staff_chat_id
    assert chat_id is not None
    try:
        created = await bot.create_forum_topic(chat_id, tr.gettext("Volunteers"))
    except BadRequest as err:
        if "not a forum" not in err.message.lower():
            raise
        return None
    await services.volunteers.set_topic(created.message_thread_id)
    return created.message_thread_id


async def accept_volunteer(update: Update, ctx: BotContext, button: AcceptVolunteer) -> None:
    """Accepts a volunteer in one press: the card says who did, the volunteer is thanked."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    services = ctx.services
    tr = services.staff_translator()
    if not await permitted(update, ctx, "volunteer"):
        return
    if not await services.volunteers.accept(button.volunteer_id, user.id):
        # Unknown (forged, or erased since) or accepted already by someone else.
        await refuse_press(update, ctx, "stale", tr=tr)
        return
    volunteer = await services.volunteers.volunteer(button.volunteer_id)
    if volunteer is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(card(tr, services, volunteer), reply_markup=None)
        except BadRequest:
            log.info("the volunteer's card could not be redrawn")
    await answer_query(query, tr.gettext("Thank-you sent."))


def thanks_notice(tr: Translator, services: Services, payload: dict[str, Any]) -> str:
    """The thank-you a volunteer receives when staff accept them."""
    assert payload.get("notice") == THANKS
    name = html.escape(services.profile.association.name.get(tr.locale))
    return "🙏 " + tr.gettext(
        "Thank you for volunteering with %(association)s. Our team accepted your offer and will contact you about the next steps."
    ) % {"association": f"<b>{name}</b>"}
