"""Staff who join without a developer: an admin's /invite, the link opened in private, and
/staff to change roles, through the emulator; and every refusal, audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.app import build_application
from emulator import BotApiEmulator, BotMessage
from handlers.beneficiary import talk
from handlers.buttons import answer_unclaimed_press
from handlers.staff import roster
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    OFFICER,
    OUTSIDER,
    STAFF_CHAT,
    Desk,
    open_desk,
    plain,
    staff_config,
)
from tests.e2e.driver import Person
from tests.e2e.test_access_review import Requests, audited_since, last_audit
from tests.support import DbTarget, FakeClock

NOT_ALLOWED = "You are not allowed to do this."
EXPIRED = "This button has expired."
NEWCOMER = 7010


async def invite(desk: Desk, role: str, who: int = ADMIN) -> str:
    """The admin's /invite; return the link's start parameter."""
    await desk.say(who, f"/invite {role}")
    message = await desk.group.wait_for_message(predicate=lambda m: "?start=" in m.text)
    found = re.search(
        r"https://t\.me/tawasul_test_bot\?start=(join_[A-Za-z0-9_-]{43})\b", message.text
    )
    assert found is not None, message.text
    return found.group(1)


def newcomer(desk: Desk, user_id: int = NEWCOMER, name: str = "Sami") -> Person:
    sim = desk.emu.user(user_id, first_name=name, language_code="en")
    desk.members[user_id] = sim
    return Person(sim)


async def staff_list(desk: Desk) -> BotMessage:
    await desk.say(ADMIN, "/staff")
    return await desk.group.wait_for_message(predicate=lambda m: "Staff and their roles" in m.text)


def now_reads(desk: Desk, message: BotMessage) -> BotMessage:
    """The message as edited since."""
    return next(m for m in desk.group.messages if m.message_id == message.message_id)


async def audit(desk: Desk) -> list[tuple[Any, ...]]:
    return await desk.rows("SELECT actor_id, chat_id, action, reason FROM audit_log ORDER BY id")


async def test_an_invited_member_joins_acts_and_an_admin_changes_their_role(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        token = await invite(desk, "committee")
        sami = newcomer(desk)
        welcome = await sami.command(f"/start {token}")
        assert "Welcome to the staff" in welcome.text and "Committee member" in welcome.text
        assert "staff group" in welcome.text
        desk.group.add_member(desk.members[NEWCOMER], by=desk.members[ADMIN])

        # The committee member's first decision, with the role the invitation gave.
        requests = Requests(desk)
        request_id, card = await requests.new()
        answer = await desk.press_data(NEWCOMER, card, f"staff:accept:{request_id}:1:yes")
        assert answer.get("text") != NOT_ALLOWED
        assert await requests.status(request_id) == ("accepted", 2)
        events = await desk.rows(
            "SELECT actor_id, actor_role FROM request_events WHERE kind = 'accept'"
        )
        assert events == [(NEWCOMER, "committee_member")]

        # /staff lists them; the admin makes them a relations officer instead.
        listing = await staff_list(desk)
        assert "Sami: Committee member" in plain(listing.text)
        assert "Reem: Admin" in plain(listing.text)
        await desk.press(ADMIN, listing, "Sami")
        panel = now_reads(desk, listing)
        assert "Roles: Committee member" in panel.text
        answer = await desk.press(ADMIN, panel, "Relations officer")
        assert answer["text"] == "Saved."
        answer = await desk.press(ADMIN, now_reads(desk, panel), "Committee member")
        assert answer["text"] == "Saved."
        assert "Roles: Relations officer" in now_reads(desk, panel).text
        other_id, other_card = await requests.new()
        answer = await desk.press_data(NEWCOMER, other_card, f"staff:accept:{other_id}:1:yes")
        assert answer["text"] == NOT_ALLOWED
        answer = await desk.press_data(NEWCOMER, other_card, f"staff:close:{other_id}:1:yes")
        assert answer["text"] != NOT_ALLOWED
        assert await requests.status(other_id) == ("closed", 2)

        # Removed: no longer staff, even for a plain command.
        answer = await desk.press(ADMIN, now_reads(desk, panel), "Remove from the staff")
        assert answer["text"] == "Removed from the staff."
        assert "Sami" not in now_reads(desk, panel).text
        await desk.say(NEWCOMER, "/queue")
        await desk.group.wait_for_message(predicate=lambda m: m.text == NOT_ALLOWED)

        entries = await audit(desk)
        assert (ADMIN, STAFF_CHAT, "staff_invited", "committee_member (invitation 1)") in entries
        assert (
            NEWCOMER,
            NEWCOMER,
            "staff_joined",
            f"committee_member (invitation 1 from {ADMIN})",
        ) in entries
        changes = [e for e in entries if e[2] in ("staff_add", "staff_drop", "staff_remove")]
        assert changes == [
            (
                ADMIN,
                STAFF_CHAT,
                "staff_add",
                f"{NEWCOMER} (relations_officer): committee_member,relations_officer",
            ),
            (ADMIN, STAFF_CHAT, "staff_drop", f"{NEWCOMER} (committee_member): relations_officer"),
            (ADMIN, STAFF_CHAT, "staff_remove", f"{NEWCOMER} (all): no roles"),
        ]
        assert entries[-1] == (NEWCOMER, STAFF_CHAT, "queue", "role")

    # The roles given through the bot outlive a restart.
    async with open_desk(emu, clock, db_target) as desk:
        listing = await staff_list(desk)
        assert "Sami" not in listing.text


async def test_an_invitation_that_expired_was_used_or_was_forged_is_refused_and_audited(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        late = await invite(desk, "admin")
        used = await invite(desk, "researcher")
        first = newcomer(desk)
        assert "Social researcher" in (await first.command(f"/start {used}")).text

        second = newcomer(desk, 7011, "Muna")
        mark = await last_audit(desk)
        reply = await second.command(f"/start {used}")
        assert reply.text.startswith("This invitation has already been used.")
        assert "ask an admin for a new one" in reply.text
        clock.now += timedelta(hours=24, minutes=1)
        reply = await second.command(f"/start {late}")
        assert reply.text.startswith("This invitation has expired.")
        reply = await second.command("/start join_" + "A" * 43)
        assert reply.text.startswith("This invitation link is not valid.")
        assert await audited_since(desk, mark) == [
            (7011, 7011, "used", "invitation"),
            (7011, 7011, "expired", "invitation"),
            (7011, 7011, "unknown", "invitation"),
        ]
        # Nothing was given: Muna is no one on the staff.
        desk.group.add_member(desk.members[7011], by=desk.members[ADMIN])
        await desk.say(7011, "/queue")
        await desk.group.wait_for_message(predicate=lambda m: m.text == NOT_ALLOWED)
        # Another /start payload is a plain /start.
        assert "Welcome to" in (await second.command("/start website")).text


async def test_only_admins_invite_or_change_roles_and_the_last_admin_stays(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        mark = await last_audit(desk)
        await desk.say(OFFICER, "/invite admin")
        await desk.group.wait_for_message(predicate=lambda m: m.text == NOT_ALLOWED)
        assert await desk.rows("SELECT COUNT(*) FROM staff_invitations") == [(0,)]
        assert await audited_since(desk, mark) == [(OFFICER, STAFF_CHAT, "role", "manage_staff")]
        await desk.say(ADMIN, "/invite boss")
        usage = await desk.group.wait_for_message(predicate=lambda m: "/invite officer" in m.text)
        assert "/invite researcher" in usage.text

        listing = await staff_list(desk)
        # A member's panel and a role change pressed by a non-admin: refused, audited.
        mark = await last_audit(desk)
        for who, data in (
            (COMMITTEE_A, f"team:{OFFICER}"),
            (OFFICER, f"team:set:add:{OFFICER}:admin"),
            (OUTSIDER, f"team:set:remove:{ADMIN}"),
        ):
            answer = await desk.press_data(who, listing, data)
            assert answer["text"] == NOT_ALLOWED and answer["show_alert"], data
        assert await audited_since(desk, mark) == [
            (COMMITTEE_A, STAFF_CHAT, "role", "manage_staff"),
            (OFFICER, STAFF_CHAT, "role", "manage_staff"),
            (OUTSIDER, STAFF_CHAT, "role", "manage_staff"),
        ]
        # Forged by an admin: a role that does not exist, a "remove" with a role, someone who
        # is not on the staff.
        mark = await last_audit(desk)
        for data in (
            f"team:set:add:{OFFICER}:boss",
            f"team:set:remove:{OFFICER}:admin",
            f"team:set:add:{OUTSIDER}:admin",
        ):
            answer = await desk.press_data(ADMIN, listing, data)
            assert answer["text"] == EXPIRED, data
        assert await audited_since(desk, mark) == [
            (ADMIN, STAFF_CHAT, "unknown", "button:team:set"),
            (ADMIN, STAFF_CHAT, "unknown", "button:team:set"),
            (ADMIN, STAFF_CHAT, "not-staff", "staff_add"),
        ]

        # The only admin cannot remove themselves nor drop the role.
        mark = await last_audit(desk)
        for data in (f"team:set:remove:{ADMIN}", f"team:set:drop:{ADMIN}:admin"):
            answer = await desk.press_data(ADMIN, listing, data)
            assert answer["show_alert"] and "keep an admin" in answer["text"], data
        assert await audited_since(desk, mark) == [
            (ADMIN, STAFF_CHAT, "last-admin", "staff_remove"),
            (ADMIN, STAFF_CHAT, "last-admin", "staff_drop"),
        ]
        roles = await desk.rows("SELECT user_id, roles FROM staff_roles")
        assert roles == []
        # With a second admin, the first may step down.
        answer = await desk.press_data(ADMIN, listing, f"team:set:add:{OFFICER}:admin")
        assert answer["text"] == "Saved."
        answer = await desk.press_data(ADMIN, listing, f"team:set:drop:{ADMIN}:admin")
        assert answer["text"] == "Removed from the staff."
        await desk.say(ADMIN, "/staff")
        await desk.group.wait_for_message(predicate=lambda m: m.text == NOT_ALLOWED)


def test_the_two_sides_are_registered_in_the_order_that_routes_right(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    """Group 0 in order: the staff side (the invitation link before the form's /start),
    then the beneficiary's (the form first, its catch-alls last), then the press nobody
    took. Built, not run: the order is what PTB tries."""
    app = build_application(staff_config(db_target, emu), clock=clock)
    group = app.handlers[0]
    callbacks = [getattr(h, "callback", None) for h in group]
    invitation = callbacks.index(roster.join_staff)
    form = next(i for i, h in enumerate(group) if isinstance(h, ConversationHandler))
    assert invitation < form
    last_message = max(i for i, h in enumerate(group) if isinstance(h, MessageHandler))
    assert callbacks.index(talk.route_message) == last_message - 1  # then edits
    assert isinstance(group[-1], CallbackQueryHandler)
    assert group[-1].callback is answer_unclaimed_press
