"""Bot API methods for bot settings and update delivery: commands and webhooks."""

from __future__ import annotations

import json
import re

from emulator.methods_send import Handler
from emulator.params import Params, bad_request
from emulator.records import JSON
from emulator.state import State

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.obj("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.string("language_code") or ""


def set_my_commands(st: State, p: Params) -> bool:
    commands = p.obj("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 items")
    for cmd in commands:
        if not _COMMAND_RE.match(str(cmd.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    st.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(st: State, p: Params) -> list[JSON]:
    return st.commands.get(_commands_key(p), [])


def delete_my_commands(st: State, p: Params) -> bool:
    st.commands.pop(_commands_key(p), None)
    return True


def set_webhook(st: State, p: Params) -> bool:
    url = p.string("url") or ""
    secret = p.string("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    if p.flag("drop_pending_updates"):
        st.updates.clear()
    allowed = p.obj("allowed_updates")
    if isinstance(allowed, list):
        st.allowed_updates = set(allowed) if allowed else None
    st.webhook = (
        None
        if not url
        else {
            "url": url,
            "secret_token": secret,
            "max_connections": p.integer("max_connections", 40),
            "last_error_date": None,
            "last_error_message": None,
        }
    )
    st.webhook_notifier.notify()
    return True


def delete_webhook(st: State, p: Params) -> bool:
    if p.flag("drop_pending_updates"):
        st.updates.clear()
    st.webhook = None
    st.webhook_notifier.notify()
    return True


def get_webhook_info(st: State, p: Params) -> JSON:
    hook = st.webhook or {}
    info: JSON = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(st.updates),
    }
    if hook:
        info["max_connections"] = hook["max_connections"]
        if hook.get("last_error_date"):
            info["last_error_date"] = hook["last_error_date"]
            info["last_error_message"] = hook["last_error_message"]
    if st.allowed_updates is not None:
        info["allowed_updates"] = sorted(st.allowed_updates)
    return info


ADMIN_METHODS: dict[str, Handler] = {
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
