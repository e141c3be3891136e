"""The beneficiary's side of talking with staff: "Talk to a person", relayed messages and
edits, the information staff asked for, and what a message outside all of these gets."""

from __future__ import annotations

from telegram import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.staff import Done
from domain.models import InfoItem, Request
from handlers.beneficiary import calls as callbacks
from handlers.beneficiary import faq, feedback, flood, mutes, privacy
from handlers.buttons import MENU_TALK, InfoDone, answer_query, refuse_press
from handlers.common import done_button, edited_content, end_button, main_menu, reply


def talk_button(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🙋 " + tr.gettext("Talk to a person"), callback_data=MENU_TALK.data
                )
            ]
        ]
    )


async def talk_to_person(update: Update, ctx: BotContext) -> None:
    """Opens a conversation with the association's staff."""
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    if ctx.services.staff_chat_id is None:
        await reply(
            update,
            tr.gettext(
                "Talking to a person is not available yet. Please use the contact details in the menu."
            ),
            main_menu(tr),
        )
        return
    if await mutes.explain_mute(update, ctx, tr):
        return
    _, opened = await ctx.services.relay.open(user.id, "beneficiary")
    if opened:
        text = tr.gettext(
            "You can write your message now: text, photos, documents or voice notes. A member of the association's team will answer you here."
        )
    else:
        text = tr.gettext(
            "You are already talking with the association's team. Write your message here."
        )
    await reply(update, "🙋 " + text, end_button(tr))


async def end_conversation(update: Update, ctx: BotContext) -> None:
    """The beneficiary ends their conversation with staff."""
    await answer_query(update.callback_query)
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    closed = await ctx.services.relay.close(user.id, "beneficiary")
    text = (
        tr.gettext("The conversation has ended. Thank you.")
        if closed
        else tr.gettext("There is no open conversation.")
    )
    await reply(update, text, main_menu(tr))


async def route_message(update: Update, ctx: BotContext) -> None:
    """Routes a message outside the form: requested information, a conversation, a question."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    services = ctx.services
    tr = await ctx.translator(update)
    if message.text and message.text.startswith("/"):
        # A command none of the handlers knows (a staff command, a typo): never a question
        # for the guides, an answer or a message to relay.
        text = tr.gettext("I do not know this command. Send /help to see what I can do.")
        await reply(update, text, main_menu(tr))
        return
    if await feedback.take_typed(update, ctx) or await privacy.take_correction(update, ctx):
        return
    if await callbacks.take_number(update, ctx, tr):
        return
    waiting = await services.staff.open_info_request(user.id)
    if waiting is not None:
        await receive_info(update, ctx, tr, waiting, message)
        return
    if await flood.slowed(update, ctx, tr):
        return
    if await mutes.silenced(update, ctx, tr):
        # Never relayed to staff; a question is still answered from the guides.
        if message.text:
            await faq.answer_question(update, ctx, tr, message)
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    if await services.relay.to_staff(user.id, message.chat.id, message.message_id, reply_to):
        return
    if message.text:
        # Free text outside the form, with no conversation open, is a question.
        await faq.answer_question(update, ctx, tr, message)
        return
    draft = await services.requests.draft(user.id)
    if draft is not None:
        # A form is open or paused: say how to get back to it rather than guess.
        await reply(
            update,
            tr.gettext("You have an unfinished request. Send /start to continue it."),
            main_menu(tr),
        )
        return
    text = tr.gettext(
        "I answer questions typed as text. To send this to the association's team, talk to a person."
    )
    markup = main_menu(tr)
    if services.staff_chat_id is not None:
        markup = InlineKeyboardMarkup([*talk_button(tr).inline_keyboard, *markup.inline_keyboard])
    await reply(update, text, markup)


async def receive_info(
    update: Update, ctx: BotContext, tr: Translator, request: Request, message: Message
) -> None:
    """Keeps a piece of the information staff asked for and copies it to the thread."""
    services = ctx.services
    item = info_item(message)
    if item is None:
        await reply(update, tr.gettext("Please send text, a photo or a document."))
        return
    if not await services.staff.add_info(request, item):
        return  # the same message again (a replay after a crash)
    thread = await services.relay.thread_for_request(request.id)
    if thread is not None:
        await services.relay.copy_to_staff(
            request.user_id, message.chat.id, message.message_id, thread.id
        )
    await reply(
        update,
        "📥 " + tr.gettext("Received. Send anything else, then press “Done”."),
        done_button(tr, request),
    )


def info_item(message: Message) -> InfoItem | None:
    when = message.date
    if message.text:
        return InfoItem("text", message.text[:4000], None, None, message.message_id, when)
    if message.photo:
        photo = message.photo[-1]
        return InfoItem("photo", message.caption, photo.file_id, None, message.message_id, when)
    if message.document:
        doc = message.document
        return InfoItem(
            "document", message.caption, doc.file_id, doc.file_name, message.message_id, when
        )
    if message.voice:
        return InfoItem("voice", None, message.voice.file_id, None, message.message_id, when)
    return None


async def finish_info(update: Update, ctx: BotContext, button: InfoDone) -> None:
    """The beneficiary pressed "Done": the request goes back to the committee."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    tr = await ctx.translator(update)
    rid = button.request_id
    try:
        outcome = await ctx.services.staff.finish_info(user.id, rid, button.version)
    except LookupError:
        await refuse_press(update, ctx, "not-theirs", tr=tr, request_id=rid, alert=True)
        return
    if not isinstance(outcome, Done):
        await refuse_press(update, ctx, "stale", tr=tr, request_id=rid, alert=True)
        return
    await answer_query(query)
    await query.edit_message_reply_markup(None)
    await reply(
        update,
        "✅ "
        + tr.gettext(
            "Thank you. Your information was sent and your request is under review again."
        ),
        main_menu(tr),
    )


async def relay_edit(update: Update, ctx: BotContext) -> None:
    """Carries an edit over to staff, or explains that the form does not read edits."""
    message = update.edited_message
    assert message is not None
    muted = message.from_user is not None and await mutes.is_muted(ctx, message.from_user.id)
    content = edited_content(message)
    if not muted and await ctx.services.relay.edit(message.chat.id, message.message_id, content):
        return
    tr = await ctx.translator(update)
    await reply(
        update,
        tr.gettext(
            "I do not read edited messages. To change an answer, send it again, or use the review screen before you sign."
        ),
    )


async def track_block(update: Update, ctx: BotContext) -> None:
    """Notes that a beneficiary blocked or unblocked the bot (staff see it in the thread)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type != change.chat.PRIVATE:
        return
    blocked = change.new_chat_member.status == change.new_chat_member.BANNED
    await ctx.services.relay.mark_blocked(change.chat.id, blocked)
