"""The baseline: a bare python-telegram-bot echo bot, run as ``python -m bench.echo_bot``.

Long polling, PTB's default HTTPXRequest with a large pool, 256 concurrent updates, and
nothing else: no database, no rate limiter, no persistence, no conversation. With
``--aiohttp`` it uses the form bot's transport (bot/transport.py) instead, a reference
that separates the transport's cost from the form's.
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.transport import AiohttpRequest


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None:
        await query.message.chat.send_message(f"pressed {query.data}")


def build() -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(os.environ["TAWASUL_BOT_TOKEN"])
        .base_url(os.environ["TAWASUL_API_BASE_URL"])
        .base_file_url(os.environ["TAWASUL_API_BASE_FILE_URL"])
        .request(
            AiohttpRequest(256)
            if "--aiohttp" in sys.argv
            else HTTPXRequest(connection_pool_size=256)
        )
        .concurrent_updates(256)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


def main() -> None:
    build().run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
