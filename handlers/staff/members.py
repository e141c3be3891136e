"""Members leaving and rejoining the staff group: who leaves loses their role at once."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberRestricted, Update

from bot.context import BotContext


async def track_staff_member(update: Update, ctx: BotContext) -> None:
    """Records a member leaving (or removed from) the staff group, or added back to it."""
    change = update.chat_member
    if change is None:
        return
    user = change.new_chat_member.user
    # Who acted: the member themselves (left, joined by link) or an admin (removed, added).
    by = change.from_user.id if change.from_user.id != user.id else None
    was, now = _in_group(change.old_chat_member), _in_group(change.new_chat_member)
    if was and not now:
        await ctx.services.staff.left_group(user.id, by)
    elif now and not was:
        await ctx.services.staff.rejoined_group(user.id, by)


def _in_group(member: ChatMember) -> bool:
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER)
