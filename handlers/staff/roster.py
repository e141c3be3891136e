"""Staff who join without a developer: /invite, the invitation link, /staff and its buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext, Services
from bot.i18n import Translator, isolate
from bot.profile import Role, StaffMember
from bot.services.policy import Duty
from bot.services.roster import INVITATION_HOURS, Declined, parse_role
from handlers.buttons import StaffChange, StaffEntry, answer_expired, answer_query, refuse_press
from handlers.common import reply
from handlers.staff.card import mention
from handlers.staff.commands import permitted


def role_label(tr: Translator, role: Role) -> str:
    labels = {
        Role.RELATIONS_OFFICER: tr.pgettext("staff role", "Relations officer"),
        Role.SOCIAL_RESEARCHER: tr.pgettext("staff role", "Social researcher"),
        Role.COMMITTEE_MEMBER: tr.pgettext("staff role", "Committee member"),
        Role.ADMIN: tr.pgettext("staff role", "Admin"),
    }
    return labels[role]


def _roles(tr: Translator, member: StaffMember) -> str:
    return tr.join([role_label(tr, r) for r in member.roles])


async def invite_member(update: Update, ctx: BotContext) -> None:
    """Answers an admin with a one-time link that gives the role to whoever opens it first."""
    if not await permitted(update, ctx, Duty.MANAGE_STAFF):
        return
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    services = ctx.services
    tr = services.staff_translator()
    role = parse_role(ctx.args[0]) if ctx.args and len(ctx.args) == 1 else None
    if role is None:
        text = tr.gettext(
            "Write the role after the command: /invite officer, /invite researcher, /invite committee or /invite admin."
        )
        await message.reply_text(text, do_quote=False)
        return
    invitation = await services.staff.roster.invite(user.id, message.chat_id, role)
    link = f"https://t.me/{ctx.bot.username}?start={invitation.token}"
    lines = [
        "✉️ "
        + tr.gettext("An invitation to join the staff as %(role)s:")
        % {"role": f"<b>{role_label(tr, role)}</b>"},
        # Code, not a link: a tap in the group would use the invitation up.
        f"<code>{link}</code>",
        "",
        tr.ngettext(
            "Send it privately to the new member. It works once, for whoever opens it first, within %(count)s hour.",
            "Send it privately to the new member. It works once, for whoever opens it first, within %(count)s hours.",
            INVITATION_HOURS,
        )
        % {"count": tr.number(INVITATION_HOURS)},
        tr.gettext("To act on requests they must also be a member of this group."),
    ]
    await message.reply_text("\n".join(lines), do_quote=False)


async def join_staff(update: Update, ctx: BotContext) -> None:
    """Gives the invitation's role to the person who opened the link (/start join_…), or
    says why not. An unfinished form stays where it was."""
    token = ctx.args[0] if ctx.args else ""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tr = await ctx.translator(update)
    outcome = await ctx.services.staff.roster.accept(token, user.id, chat.id, user.full_name)
    if isinstance(outcome, Declined):
        why = {
            "used": tr.gettext("This invitation has already been used."),
            "expired": tr.gettext("This invitation has expired."),
        }.get(outcome.reason, tr.gettext("This invitation link is not valid."))
        await reply(update, why + " " + tr.gettext("Please ask an admin for a new one."))
        return
    association = ctx.services.profile.association.name.get(tr.locale)
    lines = [
        "✅ "
        + tr.gettext("Welcome to the staff of %(association)s. Your role: %(role)s.")
        % {"association": association, "role": role_label(tr, outcome.role)},
        "",
        tr.gettext(
            "To act on requests you must also be a member of the staff group: if you are not in it yet, ask an admin to add you."
        ),
    ]
    await reply(update, "\n".join(lines))


async def list_staff(update: Update, ctx: BotContext) -> None:
    """Lists the staff and their roles, with a button per member for the admins."""
    if not await permitted(update, ctx, "staff"):
        return
    message = update.effective_message
    assert message is not None
    text, markup = await _list_screen(ctx.services)
    await message.reply_text(text, reply_markup=markup, do_quote=False)


async def _list_screen(services: Services) -> tuple[str, InlineKeyboardMarkup]:
    tr = services.staff_translator()
    members = services.staff.roster.members()
    lines = ["<b>" + tr.gettext("Staff and their roles") + "</b>", ""]
    for member in members:
        # The name isolated: a Latin name first in an Arabic line would turn it left to right.
        line = f"• {isolate(mention(member.id, member.name))}: {_roles(tr, member)}"
        if await services.staff.departed(member.id):
            line += " · " + tr.gettext("not in the staff group")
        lines.append(line)
    lines += ["", tr.gettext("Admins change a member's roles with the buttons below.")]
    buttons = [
        InlineKeyboardButton(m.name, callback_data=StaffEntry(m.id).encode()) for m in members
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _member_screen(tr: Translator, member: StaffMember) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join(
        [
            f"<b>{mention(member.id, member.name)}</b>",
            tr.gettext("Roles: %(roles)s") % {"roles": _roles(tr, member)},
            "",
            tr.gettext("Press a role to give it or take it back."),
        ]
    )
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if role in member.roles else "➕ ") + role_label(tr, role),
                callback_data=StaffChange(
                    "drop" if role in member.roles else "add", member.id, role.value
                ).encode(),
            )
        ]
        for role in Role
    ]
    remove = StaffChange("remove", member.id).encode()
    rows.append(
        [InlineKeyboardButton("🗑 " + tr.gettext("Remove from the staff"), callback_data=remove)]
    )
    rows.append(
        [InlineKeyboardButton("↩️ " + tr.gettext("Back"), callback_data=StaffEntry(0).encode())]
    )
    return text, InlineKeyboardMarkup(rows)


async def show_member(update: Update, ctx: BotContext, button: StaffEntry) -> None:
    """Shows one member's roles with the buttons that change them (0: the whole list)."""
    if not await permitted(update, ctx, Duty.MANAGE_STAFF):
        return
    services = ctx.services
    tr = services.staff_translator()
    if button.user_id == 0:
        await _redraw(update, *await _list_screen(services))
        await answer_query(update.callback_query)
        return
    member = services.staff.member(button.user_id)
    if member is None:  # removed meanwhile, or forged
        await refuse_press(update, ctx, "stale", tr=tr, alert=True)
        return
    await _redraw(update, *_member_screen(tr, member))
    await answer_query(update.callback_query)


async def change_roles(update: Update, ctx: BotContext, button: StaffChange) -> None:
    """Gives or takes back a role, or removes a member from the staff (admins only)."""
    query = update.callback_query
    services = ctx.services
    tr = services.staff_translator()
    if (button.role is None) != (button.change == "remove"):
        await refuse_press(update, ctx, "unknown", tr=tr, alert=True)
        return
    if not await permitted(update, ctx, Duty.MANAGE_STAFF):
        return
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    role = Role(button.role) if button.role else None
    outcome = await services.staff.roster.change(
        user.id, chat.id, button.user_id, button.change, role
    )
    if isinstance(outcome, Declined):
        if outcome.reason == "last-admin":
            text = tr.gettext(
                "The staff must keep an admin in the group: give the admin role to someone else first."
            )
            await answer_query(query, text, alert=True)
        else:
            await answer_expired(query, tr, alert=True)
        return
    if outcome.member is None:
        await _redraw(update, *await _list_screen(services))
        await answer_query(query, tr.gettext("Removed from the staff."))
        return
    await _redraw(update, *_member_screen(tr, outcome.member))
    await answer_query(query, tr.gettext("Saved."))


async def _redraw(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as err:
        if "not modified" not in err.message.lower():
            raise
