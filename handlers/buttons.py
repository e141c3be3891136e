"""Callback data: one small class per button kind, written and read only here.

A client can send any string as a button's data. Each kind knows its tag and its fields,
and `parse` takes back exactly what `encode` wrote: ids of 1 to 18 ASCII digits (no «١»,
no superscripts, nothing past a 64-bit integer), words from a fixed set, nothing missing
and nothing extra. Anything else parses to None; the press is then answered ("this button
has expired") and audited by `refuse_press`, never acted on.

The wire format is the one the bot has always written, so buttons already in chats work.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Self, TypeVar, get_args, get_origin, get_type_hints

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import LOCALES, Translator
from bot.profile import Role
from bot.services.policy import Action

LIMIT = 64  # bytes of callback data Telegram keeps


async def answer_query(
    query: CallbackQuery | None, text: str | None = None, *, alert: bool = False
) -> None:
    """Acknowledge a button press; a press too old to answer is still acted on.

    Telegram refuses an answer after about 15 s or a second one: that happens to presses
    replayed after a crash or held during an outage, whose action must not be lost.
    """
    if query is None:
        return
    with contextlib.suppress(BadRequest):
        await query.answer(text, show_alert=alert)


async def answer_expired(
    query: CallbackQuery | None, tr: Translator, *, alert: bool = False
) -> None:
    """Answer a press that is old, forged or not the presser's: the button has expired."""
    await answer_query(query, tr.gettext("This button has expired."), alert=alert)


@dataclass(frozen=True)
class Part:
    """How one field is written: the text must match `pattern`; ids become int."""

    pattern: str
    number: bool = False

    def read(self, text: str) -> int | str | None:
        if re.fullmatch(self.pattern, text, re.ASCII) is None:
            return None
        return int(text) if self.number else text


# Written once: no leading zeros, so that each button has a single spelling.
ID = Part("0|[1-9][0-9]{0,17}", number=True)
STARS = Part("[1-5]", number=True)
WORD = Part("[A-Za-z0-9_*-]{1,24}")  # a form choice, a reason key, a researcher's id


def one_of(*values: str) -> Part:
    return Part("|".join(re.escape(v) for v in values))


Id = Annotated[int, ID]


@dataclass(frozen=True)
class Button:
    """A kind of button: TAG, then each field in order, joined by ':'.

    Only the last field may hold a ':' (a broadcast segment such as delivered:2026-05),
    and only trailing fields may be left out (their default is None).
    """

    TAG: ClassVar[str]

    def encode(self) -> str:
        values = [getattr(self, f.name) for f in fields(self)]
        written = [self.TAG] + [str(v) for v in values if v is not None]
        data = ":".join(written)
        assert len(data.encode()) <= LIMIT, data
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button `data` encodes, or None if it is not exactly one of this kind."""
        parts = _parts(cls)
        if not isinstance(data, str) or not data.startswith(cls.TAG + ":") or not parts:
            return None
        texts = data[len(cls.TAG) + 1 :].split(":", len(parts) - 1)
        values: dict[str, Any] = {}
        for (name, part, optional), text in zip(parts, texts + [None] * len(parts), strict=False):
            if text is None:
                if not optional:
                    return None
                continue
            value = part.read(text)
            if value is None:
                return None
            values[name] = value
        return cls(**values)

    @classmethod
    def matches(cls, data: object) -> bool:
        """For CallbackQueryHandler(pattern=…): this data is a button of this kind."""
        return cls.parse(data) is not None


def _parts(kind: type[Button]) -> list[tuple[str, Part, bool]]:
    """Each field's name, its Part (from Annotated[…, Part]) and whether it may be absent."""
    if kind in _PARTS:
        return _PARTS[kind]
    hints = get_type_hints(kind, include_extras=True)
    parts = []
    for f in fields(kind):
        hint = hints[f.name]
        assert get_origin(hint) is Annotated, f"{kind.__name__}.{f.name} needs a Part"
        base, part = get_args(hint)[:2]
        assert isinstance(part, Part)
        parts.append((f.name, part, type(None) in get_args(base)))
    _PARTS[kind] = parts
    return parts


_PARTS: dict[type[Button], list[tuple[str, Part, bool]]] = {}


@dataclass(frozen=True)
class Fixed:
    """A button that carries nothing but what it is (menu:talk, relay:end)."""

    data: str

    def matches(self, data: object) -> bool:
        return data == self.data


MENU_NEW = Fixed("menu:new")
MENU_MINE = Fixed("menu:mine")
MENU_TALK = Fixed("menu:talk")
MENU_SUGGEST = Fixed("menu:suggest")
MENU_LANGUAGE = Fixed("menu:language")
MENU_CONTACT = Fixed("menu:contact")
MENU_POLICY = Fixed("menu:policy")
MENU_VOLUNTEER = Fixed("menu:volunteer")
MY_DATA_COPY = Fixed("data:copy")
MY_DATA_CORRECT = Fixed("data:correct")
MY_DATA_ERASE = Fixed("data:erase")
CONFIRM_ERASURE = Fixed("data:erase:yes")
CANCEL_CORRECTION = Fixed("data:cancel")
END_CONVERSATION = Fixed("relay:end")
CANCEL_SUGGESTION = Fixed("suggest:cancel")
MENU_CALL = Fixed("menu:call")
MENU_INTERVIEW = Fixed("menu:interview")


# The beneficiary's buttons.


@dataclass(frozen=True)
class SetLanguage(Button):
    TAG = "lang:set"
    locale: Annotated[str, one_of(*LOCALES)]


@dataclass(frozen=True)
class Consent(Button):
    """The privacy notice's buttons, with the version shown (absent on older buttons)."""

    TAG = "consent"
    choice: Annotated[str, one_of("agree", "decline")]
    version: Annotated[int | None, ID] = None


@dataclass(frozen=True)
class ShowRequest(Button):
    TAG = "mine:show"
    request_id: Id


@dataclass(frozen=True)
class InfoDone(Button):
    """The beneficiary sent what staff asked for (the request at the version asked)."""

    TAG = "info:done"
    request_id: Id
    version: Id


@dataclass(frozen=True)
class Rate(Button):
    TAG = "rate"
    request_id: Id
    stars: Annotated[int, STARS]


@dataclass(frozen=True)
class SkipComment(Button):
    TAG = "rate:skip"
    request_id: Id


@dataclass(frozen=True)
class FaqPick(Button):
    """A passage picked from "Did you mean…" for the question asked."""

    TAG = "faq:pick"
    question_id: Id
    passage_id: Id


@dataclass(frozen=True)
class FaqSection(Button):
    TAG = "faq:sect"
    passage_id: Id


@dataclass(frozen=True)
class FaqHelpful(Button):
    TAG = "faq"
    verdict: Annotated[str, one_of("yes", "no")]
    question_id: Id


@dataclass(frozen=True)
class FaqTalk(Button):
    """Talk to a person about a question (0: not known) and its message (0: not known)."""

    TAG = "faq:talk"
    question_id: Id
    message_id: Id


@dataclass(frozen=True)
class CorrectRequest(Button):
    """Correct an answer of this request (of the presser's own)."""

    TAG = "data:fix"
    request_id: Id


@dataclass(frozen=True)
class CorrectField(Button):
    """Correct this answer: the form's field at `index`."""

    TAG = "data:field"
    request_id: Id
    index: Id


@dataclass(frozen=True)
class CorrectChoice(Button):
    """The corrected answer to a choice question: the option's key."""

    TAG = "data:pick"
    key: Annotated[str, WORD]


@dataclass(frozen=True)
class InterviewAbout(Button):
    """/interview: about this request of the presser's (0: about none); the branch next."""

    TAG = "iv:about"
    request_id: Id


@dataclass(frozen=True)
class InterviewBranch(Button):
    """/interview: at this branch (a profile key), about the request (0: none)."""

    TAG = "iv:branch"
    request_id: Id
    branch: Annotated[str, WORD]


@dataclass(frozen=True)
class InterviewPick(Button):
    """The beneficiary picks a slot sent (minutes since the epoch) at the version sent."""

    TAG = "iv:pick"
    interview_id: Id
    version: Id
    slot: Id


@dataclass(frozen=True)
class InterviewChange(Button):
    """The beneficiary cancels the interview or asks for other slots."""

    TAG = "iv"
    step: Annotated[str, one_of("cancel", "other")]
    interview_id: Id


FORM_ACTIONS = (
    "choose",
    "skip",
    "back",
    "edit",
    "review",
    "confirm",
    "sign",
    "resume",
    "restart",
    "cancel",
    "keep",
    "discard",
)


@dataclass(frozen=True)
class FormButton(Button):
    """A form button: the draft and its version (seq), so an older screen's button expires."""

    TAG = "form"
    action: Annotated[str, one_of(*FORM_ACTIONS)]
    draft_id: Id
    seq: Id
    arg: Annotated[str | None, WORD] = None


@dataclass(frozen=True)
class CallTime(Button):
    """A call-back window, its start and end in minutes since the epoch (0, 0: as soon as
    possible)."""

    TAG = "call:at"
    start: Id
    end: Id


@dataclass(frozen=True)
class CallNumber(Button):
    """Call the number shown ("yes"), or type another one."""

    TAG = "call:num"
    choice: Annotated[str, one_of("yes", "other")]
    call_id: Id


VOLUNTEER_ACTIONS = ("choose", "skip", "back", "edit", "review", "confirm", "cancel")


@dataclass(frozen=True)
class VolunteerButton(Button):
    """A volunteer form button: the sign-up and its version, as a FormButton carries a draft."""

    TAG = "vol"
    action: Annotated[str, one_of(*VOLUNTEER_ACTIONS)]
    draft_id: Id
    seq: Id
    arg: Annotated[str | None, WORD] = None


# The staff group's buttons.


@dataclass(frozen=True)
class AcceptVolunteer(Button):
    """Accept a volunteer and thank them."""

    TAG = "vol:ok"
    volunteer_id: Id


@dataclass(frozen=True)
class CardButton(Button):
    """A request card's button: the request and the version the card shows.

    verb: an Action, or "card" (back to the card). arg: "yes" to confirm, a rejection
    reason's key ("*": type one), or a researcher's id.
    """

    TAG = "staff"
    verb: Annotated[str, one_of("card", *(a.value for a in Action))]
    request_id: Id
    version: Id
    arg: Annotated[str | None, WORD] = None


@dataclass(frozen=True)
class CloseConversation(Button):
    TAG = "relay:close"
    user_id: Id


@dataclass(frozen=True)
class BroadcastSegment(Button):
    TAG = "bc:seg"
    broadcast_id: Id
    segment: Annotated[str, Part("everyone|open|delivered:[0-9]{4}-[0-9]{2}")]


@dataclass(frozen=True)
class BroadcastStep(Button):
    TAG = "bc"
    step: Annotated[str, one_of("send", "cancel", "stop")]
    broadcast_id: Id


@dataclass(frozen=True)
class SaveAnswer(Button):
    """Save a staff reply as an FAQ answer to the question it answered."""

    TAG = "faq:save"
    question_id: Id


@dataclass(frozen=True)
class DecideAnswer(Button):
    TAG = "faq"
    decision: Annotated[str, one_of("approve", "discard")]
    answer_id: Id


@dataclass(frozen=True)
class DataDecision(Button):
    """Staff apply or decline a correction, or approve or decline an erasure."""

    TAG = "data:decide"
    decision: Annotated[str, one_of("apply", "decline")]
    data_request_id: Id


@dataclass(frozen=True)
class StaffEntry(Button):
    """/staff: one member's roles with the buttons that change them (0: back to the list)."""

    TAG = "team"
    user_id: Id


@dataclass(frozen=True)
class StaffChange(Button):
    """Give a member a role ("add"), take it back ("drop") or remove them from the staff."""

    TAG = "team:set"
    change: Annotated[str, one_of("add", "drop", "remove")]
    user_id: Id
    role: Annotated[str | None, one_of(*(r.value for r in Role))] = None


@dataclass(frozen=True)
class InterviewSlot(Button):
    """Staff tick (or untick) a slot of the card (minutes since the epoch)."""

    TAG = "iv:tick"
    interview_id: Id
    version: Id
    slot: Id


@dataclass(frozen=True)
class InterviewSend(Button):
    """Staff send the slots ticked on the card."""

    TAG = "iv:send"
    interview_id: Id
    version: Id


@dataclass(frozen=True)
class CallClaim(Button):
    """A staff member takes a call-back request ("I'll call")."""

    TAG = "call:claim"
    call_id: Id


@dataclass(frozen=True)
class CallOutcome(Button):
    TAG = "call:try"
    outcome: Annotated[str, one_of("reached", "no_answer", "wrong_number")]
    call_id: Id


@dataclass(frozen=True)
class CallNoNote(Button):
    """No note on this try of a call."""

    TAG = "call:nonote"
    try_id: Id


# The kinds whose buttons the bot puts in the staff group: any other press there is refused.
STAFF_KINDS: tuple[type[Button], ...] = (
    AcceptVolunteer,
    DataDecision,
    StaffEntry,
    StaffChange,
    CardButton,
    CloseConversation,
    BroadcastSegment,
    BroadcastStep,
    SaveAnswer,
    DecideAnswer,
    CallClaim,
    CallOutcome,
    CallNoNote,
    InterviewSlot,
    InterviewSend,
)


def is_staff_button(data: object) -> bool:
    return any(kind.matches(data) for kind in STAFF_KINDS)


def is_button(data: object) -> bool:
    """Any button of ours, as the bot writes it."""
    return data in _FIXED or any(kind.matches(data) for kind in Button.__subclasses__())


B = TypeVar("B", bound=Button)
Pressed = Callable[[Update, BotContext, B], Awaitable[Any]]


def on_press(kind: type[B], callback: Pressed[B]) -> CallbackQueryHandler[BotContext, Any]:
    """A handler for presses of this kind: `callback` gets the parsed button."""

    async def run(update: Update, ctx: BotContext) -> Any:
        query = update.callback_query
        button = kind.parse(query.data if query else None)
        if button is None:  # the pattern took it, so only a changed update gets here
            return await refuse_press(update, ctx, "unknown")
        return await callback(update, ctx, button)

    return CallbackQueryHandler(run, pattern=kind.matches)


async def refuse_press(
    update: Update,
    ctx: BotContext,
    reason: str,
    *,
    tr: Translator | None = None,
    request_id: int | None = None,
    alert: bool = False,
    text: str | None = None,
) -> None:
    """Answer a press that is old, forged or not the presser's, and audit who made it.

    reason: "unknown" (no button of ours), "stale" (its subject moved on or is gone),
    "not-theirs" (another person's button), "role", "outside", "audience" (see groups).
    The answer is "This button has expired." unless `text` says something more useful.
    """
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    data = query.data if query and isinstance(query.data, str) else ""
    await ctx.services.staff.refuse(
        user.id if user else None,
        chat.id if chat else None,
        "button:" + _tag_of(data),
        reason,
        request_id,
    )
    if text is not None:
        await answer_query(query, text, alert=alert)
    else:
        await answer_expired(query, tr or await ctx.translator(update), alert=alert)


def _tag_of(data: str) -> str:
    """What the press claimed to be, short and free of anything it carried."""
    for tag in _TAGS:
        if data == tag or data.startswith(tag + ":"):
            return tag
    return "unknown"


_FIXED = frozenset(v.data for v in list(globals().values()) if isinstance(v, Fixed))
_TAGS = sorted([kind.TAG for kind in Button.__subclasses__()] + list(_FIXED), key=len, reverse=True)


async def answer_unclaimed_press(update: Update, ctx: BotContext) -> None:
    """Answers a press no handler takes (an old or forged button), so the spinner stops,
    and audits who made it."""
    await refuse_press(update, ctx, "unknown")
