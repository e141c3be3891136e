"""The command line: python -m bot {run,demo,check-config,migrate}."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.config import Config, ConfigError, load_config
from bot.logs import configure_logging

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Tawasul: the beneficiary-relations bot."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "run",
        help="run the bot (polling or webhook, per TAWASUL_MODE); without a token, run the demo",
    )
    demo = sub.add_parser(
        "demo", help="run the bot against the local Bot API emulator and chat with it here"
    )
    demo.add_argument("--user-id", type=int, default=1001, help="the beneficiary you play")
    demo.add_argument("--language", default="ar", help="your Telegram language_code")
    sub.add_parser("check-config", help="validate the settings and the association profile")
    sub.add_parser("migrate", help="create or upgrade the database")
    args = parser.parse_args(argv)
    command = args.command or "run"

    try:
        config = load_config()
    except ConfigError as exc:
        print("Tawasul cannot start; fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    configure_logging(config.settings.log_level)

    if command == "check-config":
        print(f"Configuration is valid (profile: {config.profile_source}).")
        return 0
    if command == "migrate":
        asyncio.run(_migrate(config))
        return 0
    if command == "demo" or (command == "run" and config.settings.bot_token is None):
        from bot.demo import run_demo

        return run_demo(
            config, user_id=getattr(args, "user_id", 1001), language=getattr(args, "language", "ar")
        )
    return run_bot(config)


async def _migrate(config: Config) -> None:
    from storage.db import Database

    db = Database(config.settings.database)
    await db.open()
    await db.close()
    print(f"Database ready: {config.settings.database}")


def run_bot(config: Config) -> int:
    """Run until interrupted, by long polling or behind a webhook."""
    from bot.app import build_application

    settings = config.settings
    app = build_application(config)
    if settings.mode == "webhook":
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        log.info("starting the webhook on %s:%d", settings.webhook_listen, settings.webhook_port)
        # Telegram posts to TAWASUL_WEBHOOK_URL; the local server listens on its path.
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"],
        )
    else:
        log.info("starting long polling")
        app.run_polling(
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
