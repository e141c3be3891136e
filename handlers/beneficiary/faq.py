"""Questions answered from the association's guides (staff's /faq_gaps: handlers.staff.faq).

A confident answer quotes the passage with its section and guide, asks whether it helped
and offers the whole section; an unsure one offers the best three and a person; a
question the guides do not answer gets an honest "not in the guides" and a person, who
receives the question itself when the beneficiary accepts.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.faq.answerer import Outcome
from bot.services.faq.answers import ANSWERS_SLUG
from bot.services.faq.service import Asked
from handlers.beneficiary.mutes import explain_mute
from handlers.buttons import (
    FaqHelpful,
    FaqPick,
    FaqSection,
    FaqTalk,
    answer_query,
    refuse_press,
)
from handlers.common import end_button, esc, main_menu, reply
from handlers.long_text import fit_html
from storage.guides import StoredPassage

LONG_MESSAGE = 1000  # characters: longer is a story for a person, not a question
LABEL_CHARS = 56


def _rows(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


def _talk(tr: Translator, question_id: int | None, message_id: int) -> list[InlineKeyboardButton]:
    data = FaqTalk(question_id or 0, message_id).encode()
    return [InlineKeyboardButton("🙋 " + tr.gettext("Talk to a person"), callback_data=data)]


def render_passage(
    tr: Translator, passage: StoredPassage, shown: Sequence[StoredPassage] = ()
) -> str:
    """Return an answer as the beneficiary reads it: the passage found among the passages
    shown around it (``FaqService.excerpt``; in bold when it has neighbours), then where
    it comes from."""
    if passage.guide_slug == ANSWERS_SLUG:
        by = tr.gettext("Answered by the association's team.")
        body = _body(tr, [passage], passage)
        return f"💡 <b>{html.escape(passage.heading)}</b>\n{body}\n\n<i>{by}</i>"
    if passage.guide_kind == "cards":
        return f"💡 <b>{html.escape(passage.heading)}</b>\n{_body(tr, [passage], passage)}"
    source = tr.gettext("From “%(guide)s”, section “%(section)s”.") % {
        "guide": esc(passage.guide_title),
        "section": esc(" › ".join((*passage.path, passage.heading))),
    }
    return f"📖 {_body(tr, shown or [passage], passage)}\n\n<i>{source}</i>"


def _body(tr: Translator, shown: Sequence[StoredPassage], found: StoredPassage) -> str:
    lines: list[str] = []
    lead = ""
    for passage in shown:
        english = tr.locale == "en" and bool(passage.text_en)
        text = passage.text_en if english and passage.text_en else passage.text
        if passage.lead and not english and passage.lead != lead:
            # A bullet reads as the guide has it: under the line that introduces it.
            lines.append(f"{html.escape(passage.lead)}:")
        lead = passage.lead
        if passage.kind == "list" or passage.lead:
            items = [f"• {html.escape(item)}" for item in text.split("\n")]
        else:
            items = [html.escape(text)]
        if passage.id == found.id and len(shown) > 1:
            items = [f"<b>{item}</b>" for item in items]
        lines += items
    return "\n".join(lines)


def _label(passage: StoredPassage) -> str:
    first = passage.text.split("\n")[0] if passage.kind != "list" else passage.heading
    text = first if passage.guide_kind != "cards" else passage.heading
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _answer_buttons(
    tr: Translator, asked_id: int, passage: StoredPassage, whole: bool
) -> InlineKeyboardMarkup:
    _ = tr.gettext
    helpful = [
        InlineKeyboardButton(
            "👍 " + _("Yes, it helped"), callback_data=FaqHelpful("yes", asked_id).encode()
        ),
        InlineKeyboardButton(
            "👎 " + tr.pgettext("the answer did not help", "No"),
            callback_data=FaqHelpful("no", asked_id).encode(),
        ),
    ]
    section = (
        [
            InlineKeyboardButton(
                "📖 " + _("Show the whole section"), callback_data=FaqSection(passage.id).encode()
            )
        ]
        if whole
        else []
    )
    return _rows(helpful, section)


def _answer_text(tr: Translator, passage: StoredPassage, shown: Sequence[StoredPassage]) -> str:
    return render_passage(tr, passage, shown) + "\n\n" + tr.gettext("Was this helpful?")


async def answer_question(
    update: Update, ctx: BotContext, tr: Translator, message: Message
) -> None:
    """Answers a question typed outside the form from the guides, or offers a person."""
    services = ctx.services
    user = update.effective_user
    assert user is not None and message.text is not None
    _ = tr.gettext
    if len(message.text) > LONG_MESSAGE:
        text = _(
            "That is a long message. I answer short questions from the association's guides; to tell the team about your situation, talk to a person."
        )
        services.metrics.question("too_long")
        await reply(update, text, _rows(_talk(tr, None, message.message_id)))
        return
    started = time.perf_counter()
    asked = await services.faq.ask(user.id, message.text, message.message_id)
    services.metrics.question(asked.outcome.value, time.perf_counter() - started)
    draft = await services.requests.draft(user.id)
    pointer = (
        "\n\n" + _("You have an unfinished request. Send /start to continue it.") if draft else ""
    )
    if asked.outcome is Outcome.EMPTY or asked.question_id is None:
        text = _(
            "Ask me a question about the association and its services, or choose from the menu."
        )
        await reply(update, text + pointer, main_menu(tr))
        return
    if asked.outcome is Outcome.ANSWERED:
        best = asked.passages[0]
        shown = services.faq.excerpt(best)
        whole = services.faq.section_size(best) > len(shown)
        markup = _answer_buttons(tr, asked.question_id, best, whole)
        await reply(update, _answer_text(tr, best, shown) + pointer, markup)
        await _answer_other(update, ctx, tr, asked)
        return
    talk = _talk(tr, asked.question_id, message.message_id)
    if asked.outcome is Outcome.UNSURE:
        choices = [
            [
                InlineKeyboardButton(
                    _label(p), callback_data=FaqPick(asked.question_id, p.id).encode()
                )
            ]
            for p in asked.passages
        ]
        text = "🤔 " + _("Did you mean one of these?")
        await reply(update, text + pointer, InlineKeyboardMarkup([*choices, talk]))
        await _answer_other(update, ctx, tr, asked)
        return
    text = "🔎 " + _(
        "I could not find an answer to this in the association's guides. A member of the team can answer you."
    )
    if asked.arabizi:
        text += "\n" + _("I read Arabic best in Arabic letters; you can also write in English.")
    await reply(update, text + pointer, _rows(talk))


async def _answer_other(update: Update, ctx: BotContext, tr: Translator, asked: Asked) -> None:
    """Two questions in one message: the second one gets its answer too."""
    if asked.also is not None:
        lead = "❓ " + tr.gettext("About your other question:")
        shown = ctx.services.faq.excerpt(asked.also)
        await reply(update, f"{lead}\n\n{render_passage(tr, asked.also, shown)}")


async def show_choice(update: Update, ctx: BotContext, button: FaqPick) -> None:
    """Shows the suggestion the beneficiary picked from "Did you mean…"."""
    user = update.effective_user
    assert user is not None
    tr = await ctx.translator(update)
    question_id = button.question_id
    passage = await ctx.services.faq.choose(user.id, question_id, button.passage_id)
    if passage is None:  # another person's question, or a guide replaced since
        await _gone(update, ctx, tr)
        return
    await answer_query(update.callback_query)
    shown = ctx.services.faq.excerpt(passage)
    whole = ctx.services.faq.section_size(passage) > len(shown)
    markup = _answer_buttons(tr, question_id, passage, whole)
    await reply(update, _answer_text(tr, passage, shown), markup)


async def _gone(update: Update, ctx: BotContext, tr: Translator) -> None:
    text = tr.gettext("This answer is no longer available. Please ask again.")
    await refuse_press(update, ctx, "stale", alert=True, text=text)


async def show_section(update: Update, ctx: BotContext, button: FaqSection) -> None:
    """Shows every passage of the section an answer came from."""
    tr = await ctx.translator(update)
    passages = await ctx.services.faq.section(button.passage_id)
    if not passages:
        await _gone(update, ctx, tr)
        return
    await answer_query(update.callback_query)
    first = passages[0]
    lines = [f"📖 <b>{html.escape(first.heading)}</b>", ""]
    for passage in passages:
        items = passage.text.split("\n") if passage.kind == "list" else [passage.text]
        lines += [f"• {html.escape(item)}" for item in items]
    source = "<i>" + tr.gettext("From “%(guide)s”.") % {"guide": esc(first.guide_title)} + "</i>"
    await reply(update, fit_html(lines, tail=source))


async def receive_helpful(update: Update, ctx: BotContext, button: FaqHelpful) -> None:
    """Records whether an answer helped; after a "No", offers a person."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    tr = await ctx.translator(update)
    question_id = button.question_id
    helpful = button.verdict == "yes"
    if not await ctx.services.faq.rate(user.id, question_id, helpful):
        await refuse_press(update, ctx, "not-theirs", tr=tr)
        return
    if helpful:
        await answer_query(query, tr.gettext("Thank you!"))
        return
    await answer_query(query)
    text = tr.gettext("Sorry that did not help. A member of the team can answer you.")
    markup = _rows(_talk(tr, question_id, 0))
    await reply(update, text, markup)


async def talk_about_question(update: Update, ctx: BotContext, button: FaqTalk) -> None:
    """Opens a conversation with staff and passes them the question the guides missed."""
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    assert query is not None and user is not None and chat is not None
    await answer_query(query)
    services = ctx.services
    tr = await ctx.translator(update)
    if services.staff_chat_id is None:
        from handlers.beneficiary.talk import talk_to_person

        await talk_to_person(update, ctx)
        return
    if await explain_mute(update, ctx, tr):
        return
    question_id, message_id = button.question_id, button.message_id
    await services.relay.open(user.id, "beneficiary")
    stored = await services.faq.hand_off(user.id, question_id) if question_id else None
    # After 👎 the button knows the question, not its message: the database does.
    message_id = message_id or stored or 0
    if message_id:
        await services.relay.to_staff(user.id, chat.id, message_id, None)
    text = tr.gettext(
        "I have passed your question to the association's team. They will answer you here; you can add anything you like."
    )
    await reply(update, "🙋 " + text, end_button(tr))
