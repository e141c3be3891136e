"""A real telegram.ext.Application polling the emulator, driven from the user side."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import BotApiEmulator

from .conftest import TOKEN


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.effective_user is not None
    payload = " ".join(context.args or [])
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("طلب", callback_data="req"),
                InlineKeyboardButton("شكوى", callback_data="complaint"),
            ]
        ]
    )
    await update.message.reply_text(
        f"أهلاً {update.effective_user.first_name} [{payload}]", reply_markup=markup
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text("echo: " + update.message.text, do_quote=True)


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    photo = await update.message.photo[-1].get_file()
    data = await photo.download_as_bytearray()
    await update.message.reply_text(f"photo bytes: {len(data)}")


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"chosen {query.data}")
    await query.edit_message_text(f"you chose {query.data}")


async def test_application_polling_round_trip(emu: BotApiEmulator) -> None:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(CallbackQueryHandler(button))
    user = emu.user(1001, first_name="Sara", language_code="ar")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await user.send_command("/start campaign7")
            welcome = await user.wait_for_message(timeout=5)
            assert welcome.text == "أهلاً Sara [campaign7]"
            assert welcome.button_labels == ["طلب", "شكوى"]

            query_id = await user.press_button(welcome, "شكوى")
            answer = await user.wait_for_callback_answer(query_id, timeout=5)
            assert answer["text"] == "chosen complaint"
            edited = await user.wait_for_edit(welcome, timeout=5)
            assert edited.text == "you chose complaint" and edited.buttons == []

            sent = await user.send_text("السلام عليكم")
            reply = await user.wait_for_message(timeout=5)
            assert reply.text == "echo: السلام عليكم"
            assert reply["reply_to_message"]["message_id"] == sent["message_id"]
            assert reply.received_at > emu.update_created_at(emu.state.next_update_id - 1)

            await user.send_photo(size=1234)
            got = await user.wait_for_message(timeout=5)
            assert got.text == "photo bytes: 1234"
        finally:
            await app.updater.stop()
            await app.stop()
    methods = {r.method for r in emu.requests_log}
    assert {
        "getMe",
        "getUpdates",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "getFile",
    } <= methods
