"""Where the beneficiary's side is registered: everything a person meets in a private chat
with the bot, in the order PTB tries it (group 0, after the staff side's routes)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from conversations import request_form, volunteer_form
from handlers import buttons as b
from handlers.beneficiary import (
    calls,
    contact,
    faq,
    feedback,
    interviews,
    language,
    menu,
    my_requests,
    policy,
    privacy,
    talk,
)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE

    def command(name: str, callback: Callback) -> None:
        app.add_handler(CommandHandler(name, callback, filters=private))

    def menu_press(button: b.Fixed, callback: Callback) -> None:
        app.add_handler(CallbackQueryHandler(callback, pattern=button.matches))

    # The form conversation comes first: while a form is open it owns the beneficiary's
    # messages and its buttons (and /start, /new, /cancel).
    app.add_handler(request_form.build_request_form())
    # Commands and menu buttons that work at any time, also in the middle of a form
    # (the conversation does not claim them, so they fall through to here).
    command("language", language.ask_language)
    menu_press(b.MENU_LANGUAGE, language.ask_language)
    app.add_handler(b.on_press(b.SetLanguage, language.set_language))
    command("myrequests", my_requests.list_my_requests)
    menu_press(b.MENU_MINE, my_requests.list_my_requests)
    command("status", my_requests.show_timeline)
    app.add_handler(b.on_press(b.ShowRequest, my_requests.show_pressed))
    command("contact", contact.show_contact)
    menu_press(b.MENU_CONTACT, contact.show_contact)
    command("policy", policy.show_policy)
    menu_press(b.MENU_POLICY, policy.show_policy)
    command("talk", talk.talk_to_person)
    menu_press(b.MENU_TALK, talk.talk_to_person)
    menu_press(b.END_CONVERSATION, talk.end_conversation)
    app.add_handler(b.on_press(b.InfoDone, talk.finish_info))
    command("volunteer", volunteer_form.start_volunteering)
    menu_press(b.MENU_VOLUNTEER, volunteer_form.start_volunteering)
    app.add_handler(b.on_press(b.VolunteerButton, volunteer_form.on_button))
    command("call", calls.ask_call_time)
    menu_press(b.MENU_CALL, calls.ask_call_time)
    app.add_handler(b.on_press(b.CallTime, calls.pick_call_time))
    app.add_handler(b.on_press(b.CallNumber, calls.confirm_number))
    command("suggest", feedback.ask_suggestion)
    menu_press(b.MENU_SUGGEST, feedback.ask_suggestion)
    menu_press(b.CANCEL_SUGGESTION, feedback.cancel_suggestion)
    app.add_handler(b.on_press(b.Rate, feedback.receive_rating))
    app.add_handler(b.on_press(b.SkipComment, feedback.skip_comment))
    app.add_handler(b.on_press(b.FaqPick, faq.show_choice))
    app.add_handler(b.on_press(b.FaqSection, faq.show_section))
    app.add_handler(b.on_press(b.FaqHelpful, faq.receive_helpful))
    app.add_handler(b.on_press(b.FaqTalk, faq.talk_about_question))
    command("mydata", privacy.show_my_data)
    menu_press(b.MY_DATA_COPY, privacy.send_copy)
    menu_press(b.MY_DATA_CORRECT, privacy.choose_request)
    app.add_handler(b.on_press(b.CorrectRequest, privacy.pick_request))
    app.add_handler(b.on_press(b.CorrectField, privacy.ask_value))
    app.add_handler(b.on_press(b.CorrectChoice, privacy.pick_option))
    menu_press(b.CANCEL_CORRECTION, privacy.cancel_correction)
    menu_press(b.MY_DATA_ERASE, privacy.explain_erasure)
    menu_press(b.CONFIRM_ERASURE, privacy.confirm_erasure)
    command("interview", interviews.ask_interview)
    menu_press(b.MENU_INTERVIEW, interviews.ask_interview)
    app.add_handler(b.on_press(b.InterviewAbout, interviews.choose_branch))
    app.add_handler(b.on_press(b.InterviewBranch, interviews.receive_branch))
    app.add_handler(b.on_press(b.InterviewPick, interviews.pick_slot))
    app.add_handler(b.on_press(b.InterviewChange, interviews.change_interview))
    command("help", menu.show_help)
    command("menu", menu.show_menu)
    command("cancel", request_form.cancel)
    # A shared location (the "Share my location" key under /contact) finds the nearest
    # branches; a live location's moves arrive as edits and are not edits to complain about.
    message, edited = filters.UpdateType.MESSAGE, filters.UpdateType.EDITED_MESSAGE
    app.add_handler(MessageHandler(private & message & filters.LOCATION, contact.receive_location))
    app.add_handler(
        MessageHandler(private & edited & filters.LOCATION, contact.ignore_live_location)
    )
    # While a volunteer sign-up is open, a typed message answers its question; otherwise
    # (and for commands) it goes on to the handler below.
    app.add_handler(
        MessageHandler(private & message & ~filters.COMMAND, volunteer_form.receive_answer)
    )
    # Last: anything else a beneficiary sends outside a form (information asked for, a
    # message to staff, a question for the guides, a command the bot does not know).
    app.add_handler(MessageHandler(private & message, talk.route_message))
    app.add_handler(MessageHandler(private & edited, talk.relay_edit))
    # Who blocks the bot is unreachable: their notices stop being retried.
    app.add_handler(ChatMemberHandler(talk.track_block, ChatMemberHandler.MY_CHAT_MEMBER))
