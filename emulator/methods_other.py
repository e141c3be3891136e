"""Bot API methods that edit, delete, answer callbacks and fetch files."""

from __future__ import annotations

from emulator.formatting import apply_parse_mode
from emulator.methods_admin import ADMIN_METHODS
from emulator.methods_forum import FORUM_METHODS
from emulator.methods_send import MAX_CAPTION, MAX_TEXT, Handler, now, parse_markup
from emulator.params import Params, bad_request
from emulator.records import JSON, BotMessage
from emulator.state import ChatState, State

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MAX_DOWNLOAD = 20 * 1024 * 1024


def get_me(st: State, p: Params) -> JSON:
    return {
        **st.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _target(st: State, p: Params, action: str) -> tuple[ChatState, BotMessage]:
    if p.string("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = st.chat(p.chat_id())
    return chat, chat.get_bot_message(p.req_integer("message_id"), action)


def _apply_edit(chat: ChatState, rec: BotMessage, changes: JSON, drop: tuple[str, ...]) -> JSON:
    old = rec.data
    new = {k: v for k, v in old.items() if k not in drop and k != "edit_date"}
    new.update({k: v for k, v in changes.items() if v})
    if {k: v for k, v in old.items() if k != "edit_date"} == new:
        raise bad_request(NOT_MODIFIED)
    rec.history.append(dict(old))
    new["edit_date"] = now()
    old.clear()
    old.update(new)  # keep the same dict object: chat.messages shares it
    chat.add_event("edit", dict(old))
    return old


def edit_message_text(st: State, p: Params) -> JSON:
    chat, rec = _target(st, p, "edit")
    if "text" not in rec.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = apply_parse_mode(
        p.string("text") or "", p.string("parse_mode"), p.obj("entities")
    )
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    inline, _ = parse_markup(p.obj("reply_markup"))
    changes = {"text": text, "entities": entities, "reply_markup": inline}
    return _apply_edit(chat, rec, changes, ("text", "entities", "reply_markup"))


def edit_message_caption(st: State, p: Params) -> JSON:
    chat, rec = _target(st, p, "edit")
    if "text" in rec.data:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = apply_parse_mode(
        p.string("caption") or "", p.string("parse_mode"), p.obj("caption_entities")
    )
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    inline, _ = parse_markup(p.obj("reply_markup"))
    changes = {"caption": caption, "caption_entities": entities, "reply_markup": inline}
    return _apply_edit(chat, rec, changes, ("caption", "caption_entities", "reply_markup"))


def edit_message_reply_markup(st: State, p: Params) -> JSON:
    chat, rec = _target(st, p, "edit")
    inline, _ = parse_markup(p.obj("reply_markup"))
    return _apply_edit(chat, rec, {"reply_markup": inline}, ("reply_markup",))


def delete_message(st: State, p: Params) -> bool:
    chat = st.chat(p.chat_id())
    if not chat.delete_message(p.req_integer("message_id")):
        raise bad_request("message to delete not found")
    return True


def delete_messages(st: State, p: Params) -> bool:
    chat = st.chat(p.chat_id())
    ids = p.obj("message_ids") or []
    for mid in ids:
        chat.delete_message(int(mid))
    return True


def answer_callback_query(st: State, p: Params) -> bool:
    qid = p.req_string("callback_query_id")
    if qid not in st.callback_answers or st.callback_answers[qid] is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.string("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    st.callback_answers[qid] = {
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.string("url"),
        "cache_time": p.integer("cache_time", 0),
    }
    st.callback_notifier.notify()
    return True


def get_file(st: State, p: Params) -> JSON:
    rec = st.files.get(p.req_string("file_id"))
    if rec is None:
        raise bad_request("invalid file_id")
    if rec.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": rec.file_id,
        "file_unique_id": rec.file_unique_id,
        "file_size": rec.size,
        "file_path": rec.file_path,
    }


def send_chat_action(st: State, p: Params) -> bool:
    chat = st.chat(p.chat_id())
    st.chat_actions.append((chat.id, p.string("action") or ""))
    return True


def _true(st: State, p: Params) -> bool:
    return True


OTHER_METHODS: dict[str, Handler] = {
    **ADMIN_METHODS,
    **FORUM_METHODS,
    "getMe": get_me,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
    "sendChatAction": send_chat_action,
    "close": _true,
    "logOut": _true,
    "setMyDescription": _true,
    "setMyShortDescription": _true,
    "setMyName": _true,
    "setChatMenuButton": _true,
}
