"""The composition root: build_application() and register_handlers()."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
    Updater,
)

from bot.config import Config
from bot.context import SERVICES_KEY, AppType, BotContext, Services
from bot.delivery.dispatcher import POLL_SECONDS, Dispatcher
from bot.i18n import LOCALES, Catalogs
from bot.inbox import DurableQueue, PollingBot
from bot.logs import remember_personal_values
from bot.metrics import Metrics
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
from conversations import request_form
from handlers import buttons as b
from handlers import errors, groups
from handlers.beneficiary import menu
from handlers.beneficiary import routes as beneficiary_routes
from handlers.staff import broadcasts
from handlers.staff import routes as staff_routes
from storage.db import database_at

log = logging.getLogger(__name__)


def build_services(config: Config, clock: Clock = utc_now) -> Services:
    settings = config.settings
    profile = config.profile
    db = database_at(settings.database_target, settings.database_schema)
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
        metrics=Metrics(),
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
            settings.staff_chat_id,
            settings.staff_group_rate,
            settings.staff_group_period,
            on_retry_after=services.metrics.told_to_wait,
        ),
        inbox=queue,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .update_queue(queue)
        .context_types(ContextTypes(context=BotContext))
        .persistence(DraftStatePersistence(services.db, {request_form.NAME: request_form.state_of}))
        .concurrent_updates(PerChatUpdateProcessor(observe=services.metrics.update_handled))
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
    # Group 0, in order: the staff side (its buttons, the staff group, the invitation
    # link), then the beneficiary's (the form first, catch-alls last); the two take
    # different updates, so only the catch-alls' place matters.
    staff_routes.register(app, services.staff_chat_id)
    beneficiary_routes.register(app)
    # Last of the buttons: a press nothing above takes (a button from an old message, a
    # forged one: see handlers.buttons) is answered and audited, or the client's spinner
    # would keep turning.
    app.add_handler(CallbackQueryHandler(b.answer_unclaimed_press))
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
    ctx.services.metrics.queued(run.queued)
    if run.total:
        log.info("follow-ups queued: %s", dict(run.queued))


DISPATCHER_KEY = "dispatcher"
INDEX_KEY = "faq-index"


async def _build_index(services: Services) -> None:
    try:
        await services.faq.answerer()
    except Exception:
        log.exception("the guides' index could not be built: the first question tries again")
    else:
        gc.freeze()  # the index lives as long as the process, as what post_init loaded


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
    # The profile's guides answer questions from the first start.
    for result in await services.faq.import_defaults():
        if result.error:
            log.error("guide %s not imported: %s", result.path.name, result.error)
    # Everything loaded so far lives as long as the process: move it out of the garbage
    # collector's view, so that full collections stay short while beneficiaries wait.
    gc.freeze()
    # The guides' index (and the sentence encoder under it: a second at start-up) is built
    # while the bot already takes updates, not at the first question: one that comes
    # before it is ready waits for it.
    app.bot_data[INDEX_KEY] = asyncio.create_task(_build_index(services), name="faq-index")
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


async def stop_sending(app: Application) -> None:  # type: ignore[type-arg]
    """Stop the outbox: nothing more is claimed, and sends under way finish (a few seconds
    at most), so that a restart finds none whose outcome is unknown."""
    dispatcher = app.bot_data.get(DISPATCHER_KEY)
    if isinstance(dispatcher, Dispatcher):
        await dispatcher.stop()


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    services: Services = app.bot_data[SERVICES_KEY]
    index = app.bot_data.get(INDEX_KEY)
    if isinstance(index, asyncio.Task) and not index.done():
        index.cancel()  # stopped soon after the start: the index is not needed any more
        await asyncio.gather(index, return_exceptions=True)
    await stop_sending(app)
    if isinstance(app.update_queue, DurableQueue):
        await app.update_queue.flush_handled()
    await services.db.close()


@asynccontextmanager
async def running(app: AppType, *, poll_timeout: float = 1.0) -> AsyncIterator[AppType]:
    """Run the application by long polling inside the current event loop.

    `python -m bot run` polls through this too (bot.polling, once the side port is up; PTB's
    run_polling() would own the loop and the signals, and shut the HTTP session before
    post_shutdown, under the outbox's last sends). It stops in the order that loses nothing: no new update, then the outbox's
    sends under way finish, then the handlers, then the database closes.
    """
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        bot = app.bot
        await app.updater.start_polling(
            poll_interval=0,
            timeout=int(poll_timeout) or 1,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=bot.poll_errors.failed if isinstance(bot, PollingBot) else None,
        )
        await app.start()
        try:
            yield app
        finally:
            await stop_polling(app.updater)
            await stop_sending(app)
            await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    finally:
        await app.shutdown()


# How long a stop waits for the polling loop. It is asleep for a 429's retry_after (or
# the back-off after a failed call) between calls, which can be longer than a supervisor
# gives; nothing is lost by not waiting: the updates fetched are in the inbox, and those
# not yet confirmed to Telegram come again at the next start and are known there.
POLLING_STOP_SECONDS = 2.0


async def stop_polling(updater: Updater) -> None:
    """Stop fetching updates, without waiting out a sleep of the polling loop."""
    if isinstance(updater.bot, PollingBot):
        updater.bot.stopping()
    try:
        await asyncio.wait_for(updater.stop(), POLLING_STOP_SECONDS)
    except TimeoutError:
        log.info("polling was waiting to call Telegram again; stopped without waiting")


def stop_on_signals() -> asyncio.Event:
    """An event that SIGTERM (a supervisor's stop) or SIGINT (Ctrl+C) sets."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
    return stop
