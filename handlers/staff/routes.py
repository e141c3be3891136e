"""Where the staff's side is registered: the buttons on cards and prompts, the commands and
messages of the staff group, members leaving it, and the invitation link a new member opens
in a private chat. Registered before the beneficiary's side, which ends with catch-alls."""

from __future__ import annotations

from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import buttons as b
from handlers.common import INVITATION_LINK
from handlers.staff import (
    actions,
    broadcasts,
    calls,
    commands,
    data_requests,
    faq,
    feedback,
    interviews,
    members,
    messages,
    mutes,
    reports,
    roster,
    volunteers,
)


def register(app: Application, staff_chat_id: int | None) -> None:  # type: ignore[type-arg]
    # A staff invitation's link (/start join_…), opened in a private chat: the form's
    # /start leaves it to this handler.
    app.add_handler(
        CommandHandler(
            "start", roster.join_staff, filters=filters.ChatType.PRIVATE & INVITATION_LINK
        )
    )
    # Staff buttons are checked inside (role, staff group, version; approving an answer
    # needs an admin): a press from anywhere else is refused and audited.
    app.add_handler(b.on_press(b.CardButton, actions.on_card_button))
    app.add_handler(b.on_press(b.CloseConversation, messages.close_conversation))
    app.add_handler(b.on_press(b.BroadcastSegment, broadcasts.on_button))
    app.add_handler(b.on_press(b.BroadcastStep, broadcasts.on_button))
    app.add_handler(b.on_press(b.SaveAnswer, faq.save_answer))
    app.add_handler(b.on_press(b.DecideAnswer, faq.decide_answer))
    app.add_handler(b.on_press(b.DataDecision, data_requests.decide))
    app.add_handler(b.on_press(b.AcceptVolunteer, volunteers.accept_volunteer))
    app.add_handler(b.on_press(b.StaffEntry, roster.show_member))
    app.add_handler(b.on_press(b.StaffChange, roster.change_roles))
    app.add_handler(b.on_press(b.CallClaim, calls.claim_call))
    app.add_handler(b.on_press(b.CallOutcome, calls.record_try))
    app.add_handler(b.on_press(b.CallNoNote, calls.skip_note))
    app.add_handler(b.on_press(b.InterviewSlot, interviews.tick_slot))
    app.add_handler(b.on_press(b.InterviewSend, interviews.send_slots))
    if staff_chat_id is None:
        return
    staff = filters.Chat(chat_id=staff_chat_id)
    for name, callback in (
        ("queue", commands.show_queue),
        ("find", commands.find_requests),
        ("stats", commands.show_stats),
        ("report", reports.show_report),
        ("export", reports.export_requests),
        ("feedback", feedback.show_feedback),
        ("broadcast", broadcasts.start_broadcast),
        ("faq_gaps", faq.show_gaps),
        ("mute", mutes.mute_sender),
        ("unmute", mutes.unmute_sender),
        ("staff", roster.list_staff),
        ("invite", roster.invite_member),
    ):
        app.add_handler(CommandHandler(name, callback, filters=staff))
    # Anything else staff write: a typed answer, a note, or a reply to relay; not the
    # group's service messages (someone joined or left, a topic opened).
    written = staff & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(written, messages.relay_to_beneficiary))
    edited = staff & filters.UpdateType.EDITED_MESSAGE
    app.add_handler(MessageHandler(edited, messages.relay_staff_edit))
    # Who leaves the staff group loses their role at once; added back, they regain it.
    app.add_handler(
        ChatMemberHandler(
            members.track_staff_member, ChatMemberHandler.CHAT_MEMBER, chat_id=staff_chat_id
        )
    )
