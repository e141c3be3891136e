"""The composition root: build_application() and register_handlers()."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
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
from bot.persistence import DraftStatePersistence
from bot.processing import PerChatUpdateProcessor
from bot.services.requests import Clock, RequestService, utc_now
from bot.transport import AiohttpRequest
from conversations import request_form
from handlers import errors, language, menu, my_requests
from storage.db import Database

log = logging.getLogger(__name__)


def build_services(config: Config, clock: Clock = utc_now) -> Services:
    settings = config.settings
    db = Database(settings.database)
    return Services(
        settings=settings,
        profile=config.profile,
        db=db,
        requests=RequestService(db, config.profile, timezone=settings.timezone, clock=clock),
        catalogs=Catalogs(),
    )


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
        # Interactive replies are not held back by an overall cap: Telegram's ~30 messages
        # a second is a limit for bulk sends, which go through their own paced sender.
        # The limiter still keeps each group within 20 messages a minute, and retries a
        # 429 (after its retry_after) up to three times instead of failing the handler.
        rate_limiter=AIORateLimiter(overall_max_rate=0, max_retries=3),
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


def register_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Register every handler; the one place that knows groups and their order."""
    private = filters.ChatType.PRIVATE
    # Group 0, in order. The form conversation comes first: while a form is open it owns
    # the beneficiary's messages and its buttons (and /start, /new, /cancel).
    app.add_handler(request_form.build_request_form())
    # Commands and menu buttons that work at any time, also in the middle of a form
    # (the conversation does not claim them, so they fall through to here).
    app.add_handler(CommandHandler("language", language.ask_language, filters=private))
    app.add_handler(CallbackQueryHandler(language.ask_language, pattern=r"^menu:language$"))
    app.add_handler(CallbackQueryHandler(language.set_language, pattern=r"^lang:set:\w+$"))
    app.add_handler(CommandHandler("myrequests", my_requests.list_my_requests, filters=private))
    app.add_handler(CallbackQueryHandler(my_requests.list_my_requests, pattern=r"^menu:mine$"))
    app.add_handler(CallbackQueryHandler(menu.show_contact, pattern=r"^menu:contact$"))
    app.add_handler(CommandHandler("help", menu.show_help, filters=private))
    app.add_handler(CommandHandler("menu", menu.show_menu, filters=private))
    app.add_handler(CommandHandler("cancel", request_form.cancel, filters=private))
    # Last: anything else a beneficiary sends outside a form gets the menu.
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, menu.answer_outside_form))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, menu.explain_edits))
    app.add_error_handler(errors.report_error)
    # First of all: an update replayed from the inbox after a crash may also be delivered
    # again by Telegram; the second copy stops here.
    app.add_handler(TypeHandler(Update, _drop_duplicate), group=DEDUPE_GROUP)
    # The last group: an update that got this far was handled; drop it from the inbox.
    app.add_handler(TypeHandler(Update, _forget_update), group=INBOX_GROUP)


CHECKPOINT_SECONDS = 15
DEDUPE_GROUP = -1000
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


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    services: Services = app.bot_data[SERVICES_KEY]
    await services.db.open()
    queue = app.update_queue
    replay = await queue.replay(app.bot) if isinstance(queue, DurableQueue) else []
    if replay:
        log.warning("replaying %d update(s) left unhandled by the last run", len(replay))
    for update in replay:
        await app.update_queue.put(update)
    # Everything loaded so far lives as long as the process: move it out of the garbage
    # collector's view, so that full collections stay short while beneficiaries wait.
    gc.freeze()
    assert app.job_queue is not None
    app.job_queue.run_repeating(_checkpoint, interval=CHECKPOINT_SECONDS, first=CHECKPOINT_SECONDS)
    for locale in LOCALES:
        tr = services.catalogs.get(locale)
        commands = [BotCommand(name, tr.gettext(text)) for name, text in menu.COMMANDS]
        await app.bot.set_my_commands(commands, language_code=locale)
        if locale == services.settings.default_locale:
            await app.bot.set_my_commands(commands)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    services: Services = app.bot_data[SERVICES_KEY]
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
        await app.updater.start_polling(poll_interval=0, timeout=int(poll_timeout) or 1)
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
