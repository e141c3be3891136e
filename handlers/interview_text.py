"""What interviews look like: the staff card with its slots, the steps staff are told of,
the beneficiary's notices (the slots offered, the day-before reminder) and timeline lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.context import Services
from bot.i18n import Translator, ltr
from bot.services.interviews import MOST_PICKED, slot_id
from domain.models import OutboxMessage, RequestEvent
from handlers.buttons import InterviewChange, InterviewPick, InterviewSend, InterviewSlot
from handlers.common import esc
from handlers.hours_text import moment_text
from storage.interviews import Interview

INTERVIEW_NOTICES = ("interview_slots", "interview_reminder")


def when(tr: Translator, services: Services, moment: datetime) -> str:
    """'Monday at 8:00 AM, <Hijri> (<Gregorian>)' where the association is."""
    return moment_text(tr, moment.astimezone(services.interviews.tz))


def branch_name(tr: Translator, services: Services, key: str) -> str:
    branch = services.interviews.branch(key)
    return esc(branch.name.get(tr.locale)) if branch else esc(key)


def _short(tr: Translator, services: Services, moment: datetime) -> str:
    """A slot on a button: 'Monday 23/11 8:00 AM'."""
    local = moment.astimezone(services.interviews.tz)
    day = tr.digits(f"{local.day}/{local.month}")
    return f"{tr.weekday(local.date())} {day} {tr.clock(local.time())}"


async def _about(tr: Translator, services: Services, interview: Interview) -> list[str]:
    """Who asked, and for which request."""
    _ = tr.gettext
    person = await services.requests.beneficiary(interview.user_id)
    lines = [_("Beneficiary: %(name)s") % {"name": esc(person.first_name if person else "—")}]
    if interview.request_id is not None:
        request = await services.staff.request(interview.request_id)
        if request is not None:
            lines.append(_("Request: %(reference)s") % {"reference": ltr(request.reference)})
    return lines


async def staff_card(
    tr: Translator, services: Services, interview: Interview
) -> tuple[str, InlineKeyboardMarkup]:
    """The card on which staff tick up to three slots, then send them."""
    _ = tr.gettext
    lines = [
        "🗓 <b>"
        + _("Interview asked for at %(branch)s")
        % {"branch": branch_name(tr, services, interview.branch)}
        + "</b>",
        *await _about(tr, services, interview),
        "",
        tr.ngettext(
            "Tick up to %(count)s time, then press “Send”.",
            "Tick up to %(count)s times, then press “Send”.",
            MOST_PICKED,
        )
        % {"count": tr.number(MOST_PICKED)},
    ]
    offered, ticked = await services.interviews.offer(interview)
    buttons = [
        InlineKeyboardButton(
            ("☑️ " if slot in ticked else "▫️ ") + _short(tr, services, slot),
            callback_data=InterviewSlot(interview.id, interview.version, slot_id(slot)).encode(),
        )
        for slot in offered
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    send = InterviewSend(interview.id, interview.version).encode()
    rows.append([InlineKeyboardButton("📨 " + _("Send"), callback_data=send)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def sent_card(tr: Translator, services: Services, interview: Interview) -> str:
    """The card once its slots are sent: what the beneficiary was offered."""
    _ = tr.gettext
    slots = await services.interviews.slots(interview.id, sent=True)
    lines = [
        "🗓 <b>"
        + _("Interview at %(branch)s") % {"branch": branch_name(tr, services, interview.branch)}
        + "</b>",
        *await _about(tr, services, interview),
        "",
        _("Times sent to the beneficiary:"),
        *("• " + when(tr, services, slot) for slot in slots),
    ]
    return "\n".join(lines)


async def staff_step(
    tr: Translator, services: Services, interview: Interview, step: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A step of an interview as the staff group is told of it."""
    _ = tr.gettext
    if step == "asked":
        return await staff_card(tr, services, interview)
    if step == "other":
        text, markup = await staff_card(tr, services, interview)
        return "🔁 " + _("The beneficiary asked for other times.") + "\n\n" + text, markup
    about = "\n".join(await _about(tr, services, interview))
    place = {"branch": branch_name(tr, services, interview.branch)}
    if step == "booked" and interview.slot_at is not None:
        text = "✅ " + _("The beneficiary booked the interview at %(branch)s: %(when)s.") % (
            place | {"when": when(tr, services, interview.slot_at)}
        )
    elif step == "reminder" and interview.slot_at is not None:
        text = "⏰ " + _("Tomorrow: the interview at %(branch)s, %(when)s.") % (
            place | {"when": when(tr, services, interview.slot_at)}
        )
    else:
        text = "❌ " + _("The beneficiary cancelled the interview at %(branch)s.") % place
    return text + "\n" + about, None


def pick_markup(
    tr: Translator, services: Services, interview: Interview, slots: list[datetime]
) -> InlineKeyboardMarkup:
    """A button for each slot offered, then "other times" and "cancel"."""
    rows = [
        [
            InlineKeyboardButton(
                "🗓 " + _short(tr, services, slot),
                callback_data=InterviewPick(
                    interview.id, interview.version, slot_id(slot)
                ).encode(),
            )
        ]
        for slot in slots
    ]
    return InlineKeyboardMarkup(rows + change_rows(tr, interview))


def change_rows(tr: Translator, interview: Interview) -> list[list[InlineKeyboardButton]]:
    _ = tr.gettext
    return [
        [
            InlineKeyboardButton(
                "🔁 " + _("Other times"),
                callback_data=InterviewChange("other", interview.id).encode(),
            ),
            InlineKeyboardButton(
                "✖️ " + _("Cancel the interview"),
                callback_data=InterviewChange("cancel", interview.id).encode(),
            ),
        ]
    ]


async def send_notice(
    bot: ExtBot[None], services: Services, tr: Translator, row: OutboxMessage, **fast: Any
) -> None:
    """The slots offered, or the day-before reminder with the branch as a venue."""
    _ = tr.gettext
    interview = await services.interviews.get(int(row.payload["interview_id"]))
    if interview is None:
        return
    place = {"branch": branch_name(tr, services, interview.branch)}
    if row.payload.get("notice") == "interview_slots":
        if interview.status != "proposed":
            return
        slots = await services.interviews.remaining(interview)
        lines = [
            "🗓 "
            + _("The association's team offers these times for your interview at %(branch)s:")
            % place,
            *("• " + when(tr, services, slot) for slot in slots),
            "",
            _("Pick one, or ask for other times."),
        ]
        markup = pick_markup(tr, services, interview, slots)
        await bot.send_message(row.chat_id, "\n".join(lines), reply_markup=markup, **fast)
        return
    branch = services.interviews.branch(interview.branch)
    if interview.status != "booked" or interview.slot_at is None or branch is None:
        return
    text = "⏰ " + _("A reminder: your interview is tomorrow, %(when)s, at %(branch)s.") % (
        place | {"when": when(tr, services, interview.slot_at)}
    )
    text += "\n📍 " + esc(branch.address.get(tr.locale))
    markup = InlineKeyboardMarkup(change_rows(tr, interview))
    await bot.send_message(row.chat_id, text, reply_markup=markup, **fast)
    await bot.send_venue(
        row.chat_id,
        latitude=branch.latitude,
        longitude=branch.longitude,
        title=branch.name.get(tr.locale),
        address=branch.address.get(tr.locale),
        **fast,
    )


def event_label(tr: Translator, services: Services, event: RequestEvent) -> str:
    """An interview's step in the request's timeline."""
    _ = tr.gettext
    place = {"branch": branch_name(tr, services, str(event.details.get("branch", "")))}
    slot = event.details.get("slot")
    if event.kind == "interview_asked":
        return _("Interview asked for at %(branch)s") % place
    if event.kind == "interview_proposed":
        return _("Times offered for the interview at %(branch)s") % place
    if event.kind == "interview_booked" and slot:
        return _("Interview booked at %(branch)s: %(when)s") % (
            place | {"when": when(tr, services, datetime.fromisoformat(str(slot)))}
        )
    if event.kind == "interview_other":
        return _("Other times asked for the interview at %(branch)s") % place
    return _("Interview at %(branch)s cancelled") % place
