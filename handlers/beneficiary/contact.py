"""The association's channels and branches (/contact), and the branches nearest to a
location the beneficiary shares."""

from __future__ import annotations

import html
from datetime import datetime

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode

from bot.context import BotContext, Services
from bot.i18n import Translator, ltr
from bot.profile import Branch, Contact
from bot.services.branches import NearBranch, nearest
from bot.services.hours import BusinessHours
from handlers.buttons import answer_query
from handlers.common import main_menu, reply
from handlers.hours_text import open_now_line, week_lines
from handlers.long_text import split_html

# Beyond this the beneficiary is not near any branch: no venues, the service area instead.
FAR_KM = 100.0
# Venues sent after a shared location: the nearest few, not a flood of pins.
MAX_VENUES = 5


def location_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard that shares the beneficiary's location (Telegram asks first)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton("📍 " + tr.gettext("Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _channel_lines(tr: Translator, contact: Contact) -> list[str]:
    _ = tr.gettext
    lines = []
    if contact.phone:
        lines.append("☎️ " + _("Phone: %(phone)s") % {"phone": ltr(contact.phone)})
    if contact.whatsapp:
        lines.append("💬 " + _("WhatsApp: %(phone)s") % {"phone": ltr(contact.whatsapp)})
    if contact.email:
        lines.append("✉️ " + _("Email: %(email)s") % {"email": ltr(_e(contact.email))})
    if contact.website:
        lines.append("🌐 " + _("Website: %(url)s") % {"url": ltr(_e(contact.website))})
    for account in contact.social:
        handle = ltr(_e(account.handle))
        if account.url:
            handle = f'<a href="{html.escape(account.url)}">{handle}</a>'
        lines.append(f"🔗 {_e(account.network)}: {handle}")
    if contact.address:
        lines.append("📍 " + _e(contact.address.get(tr.locale)))
    if contact.postal_address:
        lines.append(
            "📮 "
            + _("Letters: %(address)s") % {"address": _e(contact.postal_address.get(tr.locale))}
        )
    return lines


def _branch_lines(tr: Translator, services: Services, branch: Branch, now: datetime) -> list[str]:
    lines = ["   " + _e(branch.address.get(tr.locale))]
    if branch.phone:
        lines.append("   ☎️ " + ltr(_e(branch.phone)))
    if branch.hours is not None:
        lines += ["   🕘 " + line for line in week_lines(tr, branch.hours)]
        hours = BusinessHours(branch.hours, services.settings.timezone)
        lines.append("   " + open_now_line(tr, hours, now))
    return lines


async def show_contact(update: Update, ctx: BotContext) -> None:
    """Lists the association's channels, hours and branches from its profile."""
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    _ = tr.gettext
    services = ctx.services
    association = services.profile.association
    now = services.relay.clock()
    lines = [
        f"<b>{_e(association.name.get(tr.locale))}</b>",
        _("License number: %(number)s") % {"number": ltr(_e(association.license_number))},
        _("Service area: %(area)s") % {"area": _e(association.service_area.get(tr.locale))},
        "",
        *_channel_lines(tr, association.contact),
    ]
    if services.relay.hours is not None:
        lines += ["", "🕘 <b>" + _("When our team answers") + "</b>"]
        lines += week_lines(tr, services.relay.hours.week)
        lines.append(open_now_line(tr, services.relay.hours, now))
    for branch in association.branches:
        lines += ["", f"🏢 <b>{_e(branch.name.get(tr.locale))}</b>"]
        lines += _branch_lines(tr, services, branch, now)
    if association.branches:
        lines += ["", _("Share your location to see the branches nearest to you.")]
    pieces = split_html(lines)
    chat = update.effective_chat
    assert chat is not None
    for piece in pieces[:-1]:
        await chat.send_message(piece)
    if association.branches:
        await chat.send_message(pieces[-1], reply_markup=location_keyboard(tr))
    else:
        await reply(update, pieces[-1], main_menu(tr))


def _distance(tr: Translator, km: float) -> str:
    """'850 m', '3.4 km', '1,234 km' in the reader's digits."""
    if km < 1:
        text = tr.gettext("%(metres)s m") % {"metres": tr.number(max(10, round(km * 100) * 10))}
    elif km < 10:
        text = tr.gettext("%(km)s km") % {"km": tr.decimal(km)}
    else:
        text = tr.gettext("%(km)s km") % {"km": tr.decimal(km, places=0)}
    return ltr(text) if not tr.rtl else text


def _nearest_lines(tr: Translator, services: Services, near: list[NearBranch]) -> list[str]:
    _ = tr.gettext
    association = services.profile.association
    lines: list[str] = []
    if near[0].km > FAR_KM:
        lines += [
            "🧭 "
            + _(
                "You seem to be far from our branches: the nearest is %(distance)s away. The association serves %(area)s."
            )
            % {
                "distance": _distance(tr, near[0].km),
                "area": _e(association.service_area.get(tr.locale)),
            },
            _("You can still apply and talk to us through this bot, from wherever you are."),
            "",
        ]
    lines.append("<b>" + _("Our branches, nearest first:") + "</b>")
    now = services.relay.clock()
    for number, item in enumerate(near, 1):
        name = _e(item.branch.name.get(tr.locale))
        lines += [
            "",
            f"{tr.number(number)}. <b>{name}</b> — {_distance(tr, item.km)}",
            *_branch_lines(tr, services, item.branch, now),
        ]
    return lines


async def receive_location(update: Update, ctx: BotContext) -> None:
    """Lists the branches nearest to the shared location, each with its place on the map."""
    message = update.effective_message
    assert message is not None and message.location is not None
    tr = await ctx.translator(update)
    services = ctx.services
    branches = services.profile.association.branches
    if not branches:
        await message.reply_text(
            tr.gettext("The association has no branches to show on a map."),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    point = message.location
    near = nearest(branches, point.latitude, point.longitude)
    pieces = split_html(_nearest_lines(tr, services, near))
    for index, piece in enumerate(pieces):
        # The first answer takes the "Share my location" keyboard away.
        markup = ReplyKeyboardRemove() if index == 0 else None
        await message.chat.send_message(piece, reply_markup=markup, parse_mode=ParseMode.HTML)
    user = update.effective_user
    if user is not None:
        # In a conversation with staff, everything the beneficiary sends reaches them.
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        await services.relay.to_staff(user.id, message.chat.id, message.message_id, reply_to)
    if near[0].km > FAR_KM:
        return
    for item in near[:MAX_VENUES]:
        await message.chat.send_venue(
            latitude=item.branch.latitude,
            longitude=item.branch.longitude,
            title=item.branch.name.get(tr.locale),
            address=item.branch.address.get(tr.locale),
        )


async def ignore_live_location(update: Update, ctx: BotContext) -> None:
    """A live location moving sends edits: they are not edits of an answer to complain about."""
