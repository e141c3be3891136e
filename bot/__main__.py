"""The command line: python -m bot {run,demo,check-config,migrate,export,import-guides,faq-eval,
faq-answers,backup,restore}."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot import backup_cli, guides_cli
from bot.config import Config, ConfigError, load_config
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.services.reports import Export

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Tawasul: the beneficiary-relations bot."
    )
    parser.add_argument(
        "--association",
        type=Path,
        metavar="DIR/NAME",
        help="act on one association of a `run --associations DIR` deployment (its folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run the bot (polling or webhook, per TAWASUL_MODE); without a token, run the demo",
    )
    run.add_argument(
        "--associations",
        type=Path,
        metavar="DIR",
        help="serve every association of DIR (a folder each: association.env, profile.yaml)",
    )
    demo = sub.add_parser(
        "demo", help="run the bot against the local Bot API emulator and chat with it here"
    )
    demo.add_argument("--user-id", type=int, default=1001, help="the beneficiary you play")
    demo.add_argument("--language", default="ar", help="your Telegram language_code")
    sub.add_parser(
        "outbox-worker",
        help="only send what the outbox holds, beside the bot (PostgreSQL; several may run)",
    )
    roles = sub.add_parser(
        "associations-roles",
        help="print the SQL that gives each association of DIR a PostgreSQL role of its own",
    )
    roles.add_argument("folder", type=Path, metavar="DIR")
    sub.add_parser("check-config", help="validate the settings and the association profile")
    sub.add_parser("migrate", help="create or upgrade the database")
    export = sub.add_parser(
        "export", help="write the requests submitted in a date range as XLSX and CSV files"
    )
    export.add_argument("--from", dest="first", type=_day, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="last", type=_day, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    guides_cli.add_commands(sub)
    backup_cli.add_commands(sub)
    args = parser.parse_args(argv)
    if args.command == "export" and args.first > args.last:
        parser.error("--from comes after --to")
    command = args.command or "run"
    if command == "associations-roles":
        from bot.associations import print_roles

        return print_roles(args.folder)
    if command == "run" and getattr(args, "associations", None) is not None:
        from bot.associations import run_associations

        return run_associations(args.associations)

    try:
        config = _one_association(args.association) if args.association else load_config()
    except ConfigError as exc:
        print("Tawasul cannot start; fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    configure_logging(config.settings.log_level, config.settings.log_format)

    if command == "check-config":
        print(f"Configuration is valid (profile: {config.profile_source}).")
        return 0
    if command == "migrate":
        asyncio.run(_migrate(config))
        return 0
    if command == "outbox-worker":
        from bot.worker import run_worker

        return run_worker(config)
    if command == "export":
        asyncio.run(_export(config, args.first, args.last, args.out))
        return 0
    if command == "import-guides":
        return asyncio.run(guides_cli.import_guides(config, args))
    if command == "faq-eval":
        return guides_cli.faq_eval(config, args)
    if command == "faq-answers":
        return asyncio.run(guides_cli.export_answers(config, args))
    if command == "backup":
        return backup_cli.backup(config, args)
    if command == "restore":
        return asyncio.run(backup_cli.restore(config, args))
    if command == "demo" or (command == "run" and config.settings.bot_token is None):
        from bot.demo import run_demo

        return run_demo(
            config, user_id=getattr(args, "user_id", 1001), language=getattr(args, "language", "ar")
        )
    return run_bot(config)


def _one_association(folder: Path) -> Config:
    from bot.associations import load_association

    return load_association(folder).config


async def _migrate(config: Config) -> None:
    from storage.db import database_at

    db = database_at(config.settings.database_target, config.settings.database_schema)
    await db.open()
    await db.close()
    print(f"Database ready: {db.describe()}")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


async def _export(config: Config, first: date, last: date, out: Path) -> None:
    """Write the workbook and the CSV files of the requests submitted from first to last."""
    from bot.services.reports import ReportService
    from bot.services.requests import utc_now
    from storage.db import database_at

    db = database_at(config.settings.database_target, config.settings.database_schema)
    await db.open()
    try:
        service = ReportService(
            db, config.profile, timezone=config.settings.timezone, clock=utc_now
        )
        export = await service.export(first, last)
    finally:
        await db.close()
    for path in _write_export(export, out):
        print(path)
    for sheet in export.sheets:
        print(f"{sheet.name}: {len(sheet.rows)} rows")


def _write_export(export: Export, out: Path) -> list[Path]:
    from bot.services.export_files import write_csv, write_xlsx

    out.mkdir(parents=True, exist_ok=True)
    return [write_xlsx(export, out / f"{export.stem}.xlsx"), *write_csv(export, out)]


def run_bot(config: Config) -> int:
    """Run until interrupted, by long polling or behind a webhook."""
    from bot.app import ALLOWED_UPDATES, build_application

    settings = config.settings
    app = build_application(config)
    if settings.mode == "webhook":
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        log.info("starting the webhook on %s:%d", settings.webhook_listen, settings.webhook_port)
        from bot.webhook import run_webhook

        # Telegram posts to TAWASUL_WEBHOOK_URL; the local server listens on its path.
        run_webhook(
            app,
            url=settings.webhook_url,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            secret=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            metrics_listen=settings.metrics_listen,
            metrics_port=settings.metrics_port,
        )
    else:
        log.info("starting long polling")
        from bot.polling import run_polling

        run_polling(app, metrics_listen=settings.metrics_listen, metrics_port=settings.metrics_port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
