"""The composition root: build_application() and register_handlers()."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Config
from bot.context import SERVICES_KEY, AppType, BotContext, Services
from bot.i18n import LOCALES, Catalogs
from bot.inbox import DurableQueue, PollingBot
from bot.logs import remember_personal_values
from bot.persistence import DraftStatePersistence
from bot.processing import PerChatUpdateProcessor
from bot.ratelimit import StaffGroupRateLimiter
from bot.services.broadcasts import BroadcastService
from bot.services.callbacks import CallBackService
from bot.services.faq.answers import FaqAnswers
from bot.services.faq.service import FaqService
from bot.services.feedback import FeedbackService
from bot.services.flood import FloodMeter
from bot.services.followups import FollowUpService
from bot.services.hours import BusinessHours
from bot.services.interviews import InterviewService
from bot.services.lookup import LookupService
from bot.services.mutes import MuteService
from bot.services.notices import Wakeup
from bot.services.privacy import PrivacyService
from bot.services.relay import RelayService
from bot.services.reports import ReportService
from bot.services.requests import Clock, RequestService, utc_now
from bot.services.staff import StaffService
from bot.services.volunteers import VolunteerService
from bot.transport import AiohttpRequest
from conversations import request_form, volunteer_form
from handlers import (
    beneficiary_policy,
    broadcasts,
    callback_desk,
    callbacks,
    contact,
    data_requests,
    errors,
    faq,
    faq_answers,
    feedback,
    groups,
    interviews,
    language,
    menu,
    mutes,
    my_requests,
    privacy,
    reports,
    staff_actions,
    staff_commands,
    staff_members,
    staff_messages,
    staff_roster,
    talk,
    volunteers,
)
from handlers import (
    buttons as b,
)
from handlers.delivery import POLL_SECONDS, Dispatcher
from storage.db import Database

log = logging.getLogger(__name__)


def build_services(config: Config, clock: Clock = utc_now) -> Services:
    settings = config.settings
    profile = config.profile
    db = Database(settings.database)
    wakeup = Wakeup()
    staff_chat = settings.staff_chat_id
    interviews = InterviewService(
        db,
        profile,
        timezone=settings.timezone,
        clock=clock,
        staff_chat_id=staff_chat,
        wakeup=wakeup,
    )
    return Services(
        settings=settings,
        profile=profile,
        db=db,
        requests=RequestService(
            db,
            profile,
            timezone=settings.timezone,
            clock=clock,
            staff_chat_id=staff_chat,
            wakeup=wakeup,
        ),
        staff=StaffService(db, profile, staff_chat_id=staff_chat, clock=clock, wakeup=wakeup),
        relay=RelayService(
            db,
            staff_chat_id=staff_chat,
            quiet_close_hours=profile.staff.quiet_close_hours,
            clock=clock,
            wakeup=wakeup,
            hours=_team_hours(config),
        ),
        lookup=LookupService(db, profile, timezone=settings.timezone, clock=clock),
        feedback=FeedbackService(db, profile, clock),
        followups=FollowUpService(
            db,
            profile,
            timezone=settings.timezone,
            clock=clock,
            staff_chat_id=staff_chat,
            wakeup=wakeup,
            audit_retention_days=settings.audit_retention_days,
            interviews=interviews,
        ),
        broadcasts=BroadcastService(db, timezone=settings.timezone, clock=clock, wakeup=wakeup),
        reports=ReportService(db, profile, timezone=settings.timezone, clock=clock),
        faq=FaqService(db, clock, defaults=config.default_guides()),
        answers=FaqAnswers(db, clock),
        privacy=PrivacyService(db, profile, clock=clock, staff_chat_id=staff_chat, wakeup=wakeup),
        mutes=MuteService(db, staff_chat_id=staff_chat, clock=clock, wakeup=wakeup),
        volunteers=VolunteerService(
            db, profile, clock=clock, staff_chat_id=staff_chat, wakeup=wakeup
        ),
        callbacks=CallBackService(
            db,
            profile,
            hours=_team_hours(config),
            staff_chat_id=staff_chat,
            clock=clock,
            wakeup=wakeup,
        ),
        interviews=interviews,
        flood=FloodMeter(clock),
        catalogs=Catalogs(),
        wakeup=wakeup,
    )


def _team_hours(config: Config) -> BusinessHours | None:
    hours = config.profile.association.contact.hours
    return BusinessHours(hours, config.settings.timezone) if hours is not None else None


def build_application(config: Config, clock: Clock = utc_now, token: str | None = None) -> AppType:
    """Wire settings, services and handlers into a PTB Application."""
    services = build_services(config, clock)
    settings = config.settings
    secret = settings.bot_token.get_secret_value() if settings.bot_token else token
    if not secret:
        raise ValueError("a bot token is needed (TAWASUL_BOT_TOKEN)")
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    queue = DurableQueue(services.db, clock)
    bot = PollingBot(
        secret,
        base_url=settings.api_base_url or "https://api.telegram.org/bot",
        base_file_url=settings.api_base_file_url or "https://api.telegram.org/file/bot",
        request=AiohttpRequest(256),
        get_updates_request=AiohttpRequest(1),
        defaults=defaults,
        # A 429 is retried (after its retry_after) up to three times instead of failing the
        # handler; the staff group is paced to its per-group limit (see bot.ratelimit).
        rate_limiter=StaffGroupRateLimiter(
            settings.staff_chat_id, settings.staff_group_rate, settings.staff_group_period
        ),
        inbox=queue,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .update_queue(queue)
        .context_types(ContextTypes(context=BotContext))
        .persistence(DraftStatePersistence(services.db, {request_form.NAME: request_form.state_of}))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app: AppType = builder.build()  # type: ignore[assignment]
    app.bot_data[SERVICES_KEY] = services
    register_handlers(app)
    return app


# The updates the handlers take: Telegram sends only these, by polling or to the webhook
# (chat_member only because it is named: it tells who leaves the staff group).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]


def register_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Register every handler; the one place that knows groups and their order."""
    services: Services = app.bot_data[SERVICES_KEY]
    private = filters.ChatType.PRIVATE
    staff = filters.Chat(chat_id=services.staff_chat_id) if services.staff_chat_id else None
    # Group 0, in order. The form conversation comes first: while a form is open it owns
    # the beneficiary's messages and its buttons (and /start, /new, /cancel).
    app.add_handler(request_form.build_request_form())
    # Commands and menu buttons that work at any time, also in the middle of a form
    # (the conversation does not claim them, so they fall through to here).
    app.add_handler(CommandHandler("language", language.ask_language, filters=private))
    app.add_handler(CallbackQueryHandler(language.ask_language, pattern=b.MENU_LANGUAGE.matches))
    app.add_handler(b.on_press(b.SetLanguage, language.set_language))
    app.add_handler(CommandHandler("myrequests", my_requests.list_my_requests, filters=private))
    app.add_handler(CallbackQueryHandler(my_requests.list_my_requests, pattern=b.MENU_MINE.matches))
    app.add_handler(CommandHandler("status", my_requests.show_timeline, filters=private))
    app.add_handler(b.on_press(b.ShowRequest, my_requests.show_pressed))
    app.add_handler(CommandHandler("contact", contact.show_contact, filters=private))
    app.add_handler(CallbackQueryHandler(contact.show_contact, pattern=b.MENU_CONTACT.matches))
    app.add_handler(CommandHandler("policy", beneficiary_policy.show_policy, filters=private))
    app.add_handler(
        CallbackQueryHandler(beneficiary_policy.show_policy, pattern=b.MENU_POLICY.matches)
    )
    app.add_handler(CommandHandler("talk", talk.talk_to_person, filters=private))
    app.add_handler(CallbackQueryHandler(talk.talk_to_person, pattern=b.MENU_TALK.matches))
    app.add_handler(CallbackQueryHandler(talk.end_conversation, pattern=b.END_CONVERSATION.matches))
    app.add_handler(b.on_press(b.InfoDone, talk.finish_info))
    app.add_handler(CommandHandler("volunteer", volunteer_form.start_volunteering, filters=private))
    app.add_handler(
        CallbackQueryHandler(volunteer_form.start_volunteering, pattern=b.MENU_VOLUNTEER.matches)
    )
    app.add_handler(b.on_press(b.VolunteerButton, volunteer_form.on_button))
    app.add_handler(CommandHandler("call", callbacks.ask_call_time, filters=private))
    app.add_handler(CallbackQueryHandler(callbacks.ask_call_time, pattern=b.MENU_CALL.matches))
    app.add_handler(b.on_press(b.CallTime, callbacks.pick_call_time))
    app.add_handler(b.on_press(b.CallNumber, callbacks.confirm_number))
    app.add_handler(CommandHandler("suggest", feedback.ask_suggestion, filters=private))
    app.add_handler(CallbackQueryHandler(feedback.ask_suggestion, pattern=b.MENU_SUGGEST.matches))
    app.add_handler(
        CallbackQueryHandler(feedback.cancel_suggestion, pattern=b.CANCEL_SUGGESTION.matches)
    )
    app.add_handler(b.on_press(b.Rate, feedback.receive_rating))
    app.add_handler(b.on_press(b.SkipComment, feedback.skip_comment))
    app.add_handler(b.on_press(b.FaqPick, faq.show_choice))
    app.add_handler(b.on_press(b.FaqSection, faq.show_section))
    app.add_handler(b.on_press(b.FaqHelpful, faq.receive_helpful))
    app.add_handler(b.on_press(b.FaqTalk, faq.talk_about_question))
    app.add_handler(CommandHandler("mydata", privacy.show_my_data, filters=private))
    app.add_handler(CallbackQueryHandler(privacy.send_copy, pattern=b.MY_DATA_COPY.matches))
    app.add_handler(CallbackQueryHandler(privacy.choose_request, pattern=b.MY_DATA_CORRECT.matches))
    app.add_handler(b.on_press(b.CorrectRequest, privacy.pick_request))
    app.add_handler(b.on_press(b.CorrectField, privacy.ask_value))
    app.add_handler(b.on_press(b.CorrectChoice, privacy.pick_option))
    app.add_handler(
        CallbackQueryHandler(privacy.cancel_correction, pattern=b.CANCEL_CORRECTION.matches)
    )
    app.add_handler(CallbackQueryHandler(privacy.explain_erasure, pattern=b.MY_DATA_ERASE.matches))
    app.add_handler(
        CallbackQueryHandler(privacy.confirm_erasure, pattern=b.CONFIRM_ERASURE.matches)
    )
    app.add_handler(CommandHandler("interview", interviews.ask_interview, filters=private))
    app.add_handler(
        CallbackQueryHandler(interviews.ask_interview, pattern=b.MENU_INTERVIEW.matches)
    )
    app.add_handler(b.on_press(b.InterviewAbout, interviews.choose_branch))
    app.add_handler(b.on_press(b.InterviewBranch, interviews.receive_branch))
    app.add_handler(b.on_press(b.InterviewPick, interviews.pick_slot))
    app.add_handler(b.on_press(b.InterviewChange, interviews.change_interview))
    app.add_handler(CommandHandler("help", menu.show_help, filters=private))
    app.add_handler(CommandHandler("menu", menu.show_menu, filters=private))
    app.add_handler(CommandHandler("cancel", request_form.cancel, filters=private))
    # Staff buttons are checked inside (role, staff group, version; approving an answer
    # needs an admin): a press from anywhere else is refused and audited.
    app.add_handler(b.on_press(b.CardButton, staff_actions.on_card_button))
    app.add_handler(b.on_press(b.CloseConversation, staff_messages.close_conversation))
    app.add_handler(b.on_press(b.BroadcastSegment, broadcasts.on_button))
    app.add_handler(b.on_press(b.BroadcastStep, broadcasts.on_button))
    app.add_handler(b.on_press(b.SaveAnswer, faq_answers.save_answer))
    app.add_handler(b.on_press(b.DecideAnswer, faq_answers.decide_answer))
    app.add_handler(b.on_press(b.DataDecision, data_requests.decide))
    app.add_handler(b.on_press(b.AcceptVolunteer, volunteers.accept_volunteer))
    app.add_handler(b.on_press(b.StaffEntry, staff_roster.show_member))
    app.add_handler(b.on_press(b.StaffChange, staff_roster.change_roles))
    app.add_handler(b.on_press(b.CallClaim, callback_desk.claim_call))
    app.add_handler(b.on_press(b.CallOutcome, callback_desk.record_try))
    app.add_handler(b.on_press(b.CallNoNote, callback_desk.skip_note))
    app.add_handler(b.on_press(b.InterviewSlot, interviews.tick_slot))
    app.add_handler(b.on_press(b.InterviewSend, interviews.send_slots))
    if staff is not None:
        app.add_handler(CommandHandler("queue", staff_commands.show_queue, filters=staff))
        app.add_handler(CommandHandler("find", staff_commands.find_requests, filters=staff))
        app.add_handler(CommandHandler("stats", staff_commands.show_stats, filters=staff))
        app.add_handler(CommandHandler("report", reports.show_report, filters=staff))
        app.add_handler(CommandHandler("export", reports.export_requests, filters=staff))
        app.add_handler(CommandHandler("feedback", feedback.show_feedback, filters=staff))
        app.add_handler(CommandHandler("broadcast", broadcasts.start_broadcast, filters=staff))
        app.add_handler(CommandHandler("faq_gaps", faq.show_gaps, filters=staff))
        app.add_handler(CommandHandler("mute", mutes.mute_sender, filters=staff))
        app.add_handler(CommandHandler("unmute", mutes.unmute_sender, filters=staff))
        app.add_handler(CommandHandler("staff", staff_roster.list_staff, filters=staff))
        app.add_handler(CommandHandler("invite", staff_roster.invite_member, filters=staff))
        # Anything else staff write: a typed answer, a note, or a reply to relay.
        app.add_handler(
            MessageHandler(
                # Not the group's service messages (someone joined or left, a topic opened).
                staff & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                staff_messages.relay_to_beneficiary,
            )
        )
        app.add_handler(
            MessageHandler(
                staff & filters.UpdateType.EDITED_MESSAGE, staff_messages.relay_staff_edit
            )
        )
        # Who leaves the staff group loses their role at once; added back, they regain it.
        app.add_handler(
            ChatMemberHandler(
                staff_members.track_staff_member,
                ChatMemberHandler.CHAT_MEMBER,
                chat_id=services.staff_chat_id,
            )
        )
    # A shared location (the "Share my location" key under /contact) finds the nearest
    # branches; a live location's moves arrive as edits and are not edits to complain about.
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.MESSAGE & filters.LOCATION, contact.receive_location
        )
    )
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.EDITED_MESSAGE & filters.LOCATION,
            contact.ignore_live_location,
        )
    )
    # While a volunteer sign-up is open, a typed message answers its question; otherwise
    # (and for commands) it goes on to the handler below.
    app.add_handler(
        MessageHandler(
            private & filters.UpdateType.MESSAGE & ~filters.COMMAND, volunteer_form.receive_answer
        )
    )
    # Last: anything else a beneficiary sends outside a form (information asked for, a
    # message to staff, a question for the guides).
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, talk.route_message))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, talk.relay_edit))
    app.add_handler(ChatMemberHandler(talk.track_block, ChatMemberHandler.MY_CHAT_MEMBER))
    # Last of the buttons: a press nothing above takes (a button from an old message, a
    # forged one: see handlers.buttons) is answered and audited, or the client's spinner
    # would keep turning.
    app.add_handler(CallbackQueryHandler(menu.answer_stale_press))
    app.add_error_handler(errors.report_error)
    # First of all, before anything can log about it: the names and personal answers the
    # update carries are given to the redacting filter (bot.logs).
    app.add_handler(TypeHandler(Update, remember_personal_values), group=PERSONAL_GROUP)
    # Then: an update replayed from the inbox after a crash may also be delivered again by
    # Telegram; the second copy stops here.
    app.add_handler(TypeHandler(Update, _drop_duplicate), group=DEDUPE_GROUP)
    # Then: the bot acts only in private chats and in the configured staff group.
    app.add_handler(TypeHandler(Update, groups.ignore_other_groups), group=GROUPS_GATE)
    # The last group: an update that got this far was handled; drop it from the inbox.
    app.add_handler(TypeHandler(Update, _forget_update), group=INBOX_GROUP)


CHECKPOINT_SECONDS = 15
PERSONAL_GROUP = -1001
DEDUPE_GROUP = -1000
GROUPS_GATE = -999
QUIET_CHECK_SECONDS = 60
INBOX_GROUP = 1000


async def _drop_duplicate(update: Update, ctx: BotContext) -> None:
    queue = ctx.application.update_queue
    if isinstance(queue, DurableQueue) and not queue.first_sight(update.update_id):
        raise ApplicationHandlerStop


async def _forget_update(update: Update, ctx: BotContext) -> None:
    queue = ctx.application.update_queue
    if isinstance(queue, DurableQueue):
        queue.mark_handled(update.update_id)


async def _checkpoint(ctx: BotContext) -> None:
    await ctx.services.db.checkpoint()


async def _close_quiet_conversations(ctx: BotContext) -> None:
    await ctx.services.relay.close_quiet()


async def _poke_dispatcher(ctx: BotContext) -> None:
    dispatcher = ctx.bot_data.get(DISPATCHER_KEY)
    if isinstance(dispatcher, Dispatcher):
        dispatcher.poke()


async def _run_followups(ctx: BotContext) -> None:
    run = await ctx.services.followups.run()
    if run.total:
        log.info("follow-ups queued: %s", dict(run.queued))


DISPATCHER_KEY = "dispatcher"


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    services: Services = app.bot_data[SERVICES_KEY]
    await services.db.open()
    # Before any update: the checks and the cards see the roles given through the bot.
    await services.staff.roster.load()
    queue = app.update_queue
    replay = await queue.replay(app.bot) if isinstance(queue, DurableQueue) else []
    if replay:
        log.warning("replaying %d update(s) left unhandled by the last run", len(replay))
    for update in replay:
        await app.update_queue.put(update)
    # The profile's guides answer questions from the first start; then the index is built
    # once here rather than at the first question.
    for result in await services.faq.import_defaults():
        if result.error:
            log.error("guide %s not imported: %s", result.path.name, result.error)
    await services.faq.answerer()
    # Everything loaded so far lives as long as the process: move it out of the garbage
    # collector's view, so that full collections stay short while beneficiaries wait.
    gc.freeze()
    assert app.job_queue is not None
    app.job_queue.run_repeating(_checkpoint, interval=CHECKPOINT_SECONDS, first=CHECKPOINT_SECONDS)
    # Derived from the database each time: a restart loses no quiet-time close.
    app.job_queue.run_repeating(
        _close_quiet_conversations, interval=QUIET_CHECK_SECONDS, first=QUIET_CHECK_SECONDS
    )
    # Reminders, expiries, SLA nudges, rating prompts, follow-ups and the weekly report:
    # each run reads the database and queues what is due, so a restart loses none.
    every = services.settings.followup_check_seconds
    app.job_queue.run_repeating(_run_followups, interval=every, first=min(every, 5.0))
    # Broadcast progress is counted from the outbox: after a restart it goes on as before.
    every = services.settings.broadcast_progress_seconds
    app.job_queue.run_repeating(broadcasts.refresh_progress, interval=every, first=every)
    dispatcher = Dispatcher(app.bot, services)
    app.bot_data[DISPATCHER_KEY] = dispatcher
    dispatcher.start()
    # Commits wake the dispatcher at once; this finds rows that fell due since (retries,
    # scheduled reminders, the morning after quiet hours).
    app.job_queue.run_repeating(_poke_dispatcher, interval=POLL_SECONDS, first=POLL_SECONDS)
    for locale in LOCALES:
        tr = services.catalogs.get(locale)
        commands = [BotCommand(name, tr.gettext(text)) for name, text in menu.COMMANDS]
        await app.bot.set_my_commands(commands, language_code=locale)
        if locale == services.settings.default_locale:
            await app.bot.set_my_commands(commands)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    services: Services = app.bot_data[SERVICES_KEY]
    dispatcher = app.bot_data.get(DISPATCHER_KEY)
    if isinstance(dispatcher, Dispatcher):
        await dispatcher.stop()
    if isinstance(app.update_queue, DurableQueue):
        await app.update_queue.flush_handled()
    await services.db.close()


@asynccontextmanager
async def running(app: AppType, *, poll_timeout: float = 1.0) -> AsyncIterator[AppType]:
    """Run the application by long polling inside the current event loop.

    run_polling() owns the loop and the signals; tests, benchmarks and the demo need the
    bot to share a loop with the emulator, and post_init/post_shutdown still to run.
    """
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=int(poll_timeout) or 1, allowed_updates=ALLOWED_UPDATES
        )
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    finally:
        await app.shutdown()
