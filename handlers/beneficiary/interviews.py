"""In-person interviews (/interview): the beneficiary asks at a branch and picks one of the
times staff offer, or cancels, or asks for others (staff's side: handlers.staff.interviews)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator, ltr
from handlers.buttons import (
    InterviewAbout,
    InterviewBranch,
    InterviewChange,
    InterviewPick,
    answer_query,
    refuse_press,
)
from handlers.common import esc, main_menu, reply
from handlers.interview_text import (
    branch_name,
    change_rows,
    pick_markup,
    when,
)

# The requests offered to choose from: the newest few.
REQUEST_BUTTONS = 5


async def ask_interview(update: Update, ctx: BotContext) -> None:
    """Asks which request the interview is about (if they have any), else the branch."""
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    _ = tr.gettext
    if not ctx.services.interviews.branches:
        await reply(update, _("Interviews cannot be booked here now."), main_menu(tr))
        return
    requests = await ctx.services.requests.requests_of(user.id)
    if not requests:
        await _ask_branch(update, ctx, tr, 0)
        return
    rows = [
        [
            InlineKeyboardButton(
                "📄 " + request.reference, callback_data=InterviewAbout(request.id).encode()
            )
        ]
        for request in requests[:REQUEST_BUTTONS]
    ]
    rows.append(
        [InlineKeyboardButton(_("Not about a request"), callback_data=InterviewAbout(0).encode())]
    )
    await reply(
        update,
        "🗓 " + _("Is the interview about one of your requests?"),
        InlineKeyboardMarkup(rows),
    )


async def choose_branch(update: Update, ctx: BotContext, button: InterviewAbout) -> None:
    """Asks at which branch, about the request pressed (one of the presser's own)."""
    user = update.effective_user
    assert user is not None
    if button.request_id and not any(
        r.id == button.request_id for r in await ctx.services.requests.requests_of(user.id)
    ):
        await refuse_press(update, ctx, "not-theirs", request_id=button.request_id)
        return
    await answer_query(update.callback_query)
    await _ask_branch(update, ctx, await ctx.translator(update), button.request_id)


async def _ask_branch(update: Update, ctx: BotContext, tr: Translator, request_id: int) -> None:
    rows = [
        [
            InlineKeyboardButton(
                "🏢 " + branch.name.get(tr.locale),
                callback_data=InterviewBranch(request_id, key).encode(),
            )
        ]
        for key, branch in ctx.services.interviews.branches.items()
    ]
    await reply(update, "🗓 " + tr.gettext("At which branch?"), InlineKeyboardMarkup(rows))


async def receive_branch(update: Update, ctx: BotContext, button: InterviewBranch) -> None:
    """Sends the request for an interview to staff."""
    user = update.effective_user
    assert user is not None
    outcome = await ctx.services.interviews.ask(user.id, button.request_id or None, button.branch)
    if outcome.result != "ok" or outcome.interview is None:
        await refuse_press(update, ctx, outcome.result, request_id=button.request_id or None)
        return
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    text = "✅ " + tr.gettext(
        "Your request for an interview at %(branch)s was sent to the association's team. They will offer you times here."
    ) % {"branch": branch_name(tr, ctx.services, button.branch)}
    cancel = change_rows(tr, outcome.interview)[0][1]  # no times to change yet
    await reply(update, text, InlineKeyboardMarkup([[cancel]]))


async def pick_slot(update: Update, ctx: BotContext, button: InterviewPick) -> None:
    """Books the time picked; one taken meanwhile is refused with the times still free."""
    user = update.effective_user
    assert user is not None
    services = ctx.services
    tr = await ctx.translator(update)
    _ = tr.gettext
    outcome = await services.interviews.pick(
        user.id, button.interview_id, button.version, button.slot
    )
    interview = outcome.interview
    if outcome.result == "taken" and interview is not None:
        await refuse_press(
            update, ctx, "taken", tr=tr, text=_("Sorry, that time was just booked by someone else.")
        )
        if outcome.remaining:
            text = _("These times are still free; pick one, or ask for other times:")
            text += "\n" + "\n".join("• " + when(tr, services, s) for s in outcome.remaining)
        else:
            text = _("None of the times offered is free any more. You can ask for other times.")
        await reply(update, text, pick_markup(tr, services, interview, outcome.remaining))
        return
    if outcome.result != "ok" or interview is None or interview.slot_at is None:
        await refuse_press(update, ctx, outcome.result, tr=tr)
        return
    await answer_query(update.callback_query)
    branch = services.interviews.branch(interview.branch)
    assert branch is not None
    text = "✅ " + _("Your interview is booked: %(when)s, at %(branch)s.") % {
        "when": when(tr, services, interview.slot_at),
        "branch": branch_name(tr, services, interview.branch),
    }
    text += "\n📍 " + esc(branch.address.get(tr.locale))
    if branch.phone:
        text += "\n☎️ " + ltr(esc(branch.phone))
    text += "\n" + _("We will remind you the day before.")
    await reply(update, text, InlineKeyboardMarkup(change_rows(tr, interview)))
    chat = update.effective_chat
    assert chat is not None
    await chat.send_venue(
        latitude=branch.latitude,
        longitude=branch.longitude,
        title=branch.name.get(tr.locale),
        address=branch.address.get(tr.locale),
    )


async def change_interview(update: Update, ctx: BotContext, button: InterviewChange) -> None:
    """Cancels the interview, or asks staff for other times."""
    user = update.effective_user
    assert user is not None
    outcome = await ctx.services.interviews.change(user.id, button.interview_id, button.step)
    if outcome.result != "ok":
        await refuse_press(update, ctx, outcome.result)
        return
    await answer_query(update.callback_query)
    tr = await ctx.translator(update)
    if button.step == "cancel":
        text = tr.gettext("Your interview was cancelled. The association's team was told.")
        await reply(update, text, main_menu(tr))
    else:
        text = tr.gettext(
            "The association's team was asked for other times. They will offer them here."
        )
        await reply(update, text)
