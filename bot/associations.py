"""Many associations in one process: `python -m bot run --associations DIR`.

Each folder of DIR is one association, named by the folder (lowercase letters, digits, `-`
and `_`):

    DIR/al-khair/association.env   its settings: TAWASUL_BOT_TOKEN, TAWASUL_STAFF_CHAT_ID…
    DIR/al-khair/profile.yaml      its profile (guides named in it are beside it)

The process's own settings (the environment and `.env`) are the deployment's: the mode,
the webhook's address and port, `TAWASUL_DATABASE_URL`, logging. An association's file
sets what is its own and may override the rest. By default its data is
`DIR/<name>/tawasul.sqlite3`, or with PostgreSQL the schema `<name>` (dashes as
underscores) of the shared database, which its connection alone searches; its webhook is
the deployment's `TAWASUL_WEBHOOK_URL` followed by `/<name>`, with its own secret.

Each association runs in a supervisor of its own: a revoked token, a Telegram that answers
429 to everything or a guide that cannot be read stops or slows that one only; one that
fails to start is tried again, waiting longer each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from dotenv import dotenv_values
from telegram.error import InvalidToken

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Config, ConfigError, load_config
from bot.context import AppType
from storage.db import with_login

log = logging.getLogger(__name__)

SETTINGS_FILE = "association.env"
PROFILE_FILE = "profile.yaml"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 600.0


@dataclass(frozen=True)
class Association:
    name: str
    folder: Path
    config: Config


def load_associations(
    folder: Path, deployment: Mapping[str, str] | None = None
) -> list[Association]:
    """Read every association of `folder`; raise ConfigError naming each problem found."""
    base = dict(deployment) if deployment is not None else _deployment_env()
    if not folder.is_dir():
        raise ConfigError([f"{folder}: not a folder of associations"])
    found, problems = [], []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if not (sub / SETTINGS_FILE).is_file():
            continue
        try:
            found.append(load_association(sub, base))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if not found and not problems:
        problems.append(f"{folder}: no association (a folder with {SETTINGS_FILE})")
    tokens = [a.config.settings.bot_token for a in found]
    secrets_ = [t.get_secret_value() for t in tokens if t is not None]
    if len(set(secrets_)) < len(secrets_):
        problems.append("two associations have the same TAWASUL_BOT_TOKEN")
    if problems:
        raise ConfigError(problems)
    return found


def load_association(sub: Path, deployment: Mapping[str, str] | None = None) -> Association:
    """One association's folder (DIR/<name>), with the settings `run --associations` gives
    it: `python -m bot --association DIR/<name> COMMAND` acts on it alone."""
    base = dict(deployment) if deployment is not None else _deployment_env()
    if not (sub / SETTINGS_FILE).is_file():
        raise ConfigError([f"{sub}: no {SETTINGS_FILE} (not an association's folder)"])
    if not NAME.fullmatch(sub.name):
        raise ConfigError([f"{sub}: a folder name of lowercase letters, digits, - and _"])
    try:
        return Association(sub.name, sub, load_config(_env_of(sub, base)))
    except ConfigError as exc:
        raise ConfigError([f"{sub.name}: {p}" for p in exc.problems]) from exc


def _deployment_env() -> dict[str, str]:
    """The process's settings: `.env` under the environment (which wins)."""
    env = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    env.update(os.environ)
    return env


def _env_of(sub: Path, base: dict[str, str]) -> dict[str, str]:
    own = {k: v for k, v in dotenv_values(sub / SETTINGS_FILE).items() if v is not None}
    env = {k: v for k, v in base.items() if k.startswith("TAWASUL_")}
    # What belongs to one association is never inherited from the deployment.
    for key in ("TAWASUL_BOT_TOKEN", "TAWASUL_STAFF_CHAT_ID", "TAWASUL_WEBHOOK_SECRET"):
        env.pop(key, None)
    env["TAWASUL_DATABASE"] = str(sub / "tawasul.sqlite3")
    if base.get("TAWASUL_DATABASE_URL"):
        env["TAWASUL_DATABASE_SCHEMA"] = sub.name.replace("-", "_")
    if (sub / PROFILE_FILE).is_file():
        env["TAWASUL_PROFILE"] = str(sub / PROFILE_FILE)
    if base.get("TAWASUL_WEBHOOK_URL"):
        env["TAWASUL_WEBHOOK_URL"] = base["TAWASUL_WEBHOOK_URL"].rstrip("/") + "/" + sub.name
    env.update(own)
    return env


Runner = Callable[[AppType], Awaitable[None]]


async def supervise(
    association: Association,
    run: Runner,
    stop: asyncio.Event,
    *,
    first_wait: float = FIRST_RETRY_SECONDS,
    on_app: Callable[[AppType | None], None] = lambda app: None,
) -> None:
    """Run one association until stop is set; after a failure, build it anew and try
    again, waiting twice as long each time (up to ten minutes)."""
    wait = first_wait
    while not stop.is_set():
        try:
            app = build_application(association.config)
        except Exception:
            log.exception("association %s cannot be built", association.name)
            return
        on_app(app)
        try:
            await run(app)
        except InvalidToken:
            # Its message quotes the token: only what happened is said.
            log.error(
                "association %s: Telegram refused its token (revoked, or mistyped in %s);"
                " trying again in %.0f s",
                association.name,
                SETTINGS_FILE,
                wait,
            )
        except Exception:
            log.error(
                "association %s stopped; starting it again in %.0f s",
                association.name,
                wait,
                exc_info=True,
            )
        else:
            return  # stop was set
        finally:
            on_app(None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        wait = min(wait * 2, MAX_RETRY_SECONDS)


def _current(
    associations: list[Association],
) -> tuple[dict[str, AppType | None], Callable[[str], Callable[[AppType | None], None]]]:
    """Each association's Application as its supervisor sets it, and the setter for one."""
    current: dict[str, AppType | None] = {a.name: None for a in associations}

    def remember(name: str) -> Callable[[AppType | None], None]:
        def set_app(app: AppType | None) -> None:
            current[name] = app

        return set_app

    return current, remember


async def serve_polling(
    associations: list[Association],
    stop: asyncio.Event,
    *,
    poll_timeout: float = 10.0,
    first_wait: float = FIRST_RETRY_SECONDS,
    metrics_listen: str = "127.0.0.1",
    metrics_port: int | None = None,
) -> None:
    """Every association's bot polls Telegram, each under its own supervisor; /healthz and
    /metrics for all of them on the side port (if any)."""
    from bot.health import deployment_side_server
    from bot.polling import serve

    current, remember = _current(associations)

    async def run(app: AppType) -> None:
        await serve(app, stop=stop, poll_timeout=poll_timeout)

    async with deployment_side_server(lambda: current, metrics_listen, metrics_port):
        await asyncio.gather(
            *(
                supervise(a, run, stop, first_wait=first_wait, on_app=remember(a.name))
                for a in associations
            )
        )


async def serve_webhooks(
    associations: list[Association],
    stop: asyncio.Event,
    *,
    listen: str,
    port: int,
    metrics_listen: str = "127.0.0.1",
    metrics_port: int | None = None,
) -> None:
    """One server for every association's webhook: each on its own path, each checking
    its own secret; an association not running answers 503 (Telegram posts again). The
    same server answers /healthz and /metrics for all of them."""
    from bot.health import add_deployment_routes, deployment_side_server
    from bot.webhook import MAX_BODY, add_webhook, run_behind_webhook

    server = web.Application(client_max_size=MAX_BODY)
    current, remember = _current(associations)
    add_deployment_routes(server, lambda: current)
    taking: dict[str, asyncio.Event] = {a.name: asyncio.Event() for a in associations}

    def route(name: str, url: str, secret: str) -> None:
        add_webhook(
            server,
            lambda: current[name],
            urlsplit(url).path,
            secret,
            accepting=lambda: taking[name].is_set() and not stop.is_set(),
        )

    for a in associations:
        settings = a.config.settings
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        route(a.name, settings.webhook_url, settings.webhook_secret.get_secret_value())
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()

    def runs(a: Association) -> Runner:
        settings = a.config.settings
        assert settings.webhook_url is not None and settings.webhook_secret is not None

        async def run(app: AppType) -> None:
            taking[a.name].clear()
            await run_behind_webhook(
                app,
                settings.webhook_url or "",
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else "",
                ALLOWED_UPDATES,
                stop,
                taking[a.name],
            )

        return run

    try:
        await web.TCPSite(runner, listen, port).start()
        async with deployment_side_server(lambda: current, metrics_listen, metrics_port):
            await asyncio.gather(
                *(supervise(a, runs(a), stop, on_app=remember(a.name)) for a in associations)
            )
    finally:
        await runner.cleanup()


def _load_or_say(folder: Path) -> list[Association]:
    """The associations of folder; none, after printing every problem, if any is wrong."""
    try:
        return load_associations(folder)
    except ConfigError as exc:
        print("Tawasul cannot read the associations; fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return []


def run_associations(folder: Path) -> int:
    """`python -m bot run --associations DIR`: until SIGINT or SIGTERM."""
    from bot.app import stop_on_signals
    from bot.logs import configure_logging

    associations = _load_or_say(folder)
    if not associations:
        return 2
    first = associations[0].config.settings
    configure_logging(first.log_level, first.log_format)
    log.info(
        "serving %d associations (%s) by %s",
        len(associations),
        ", ".join(a.name for a in associations),
        first.mode,
    )

    async def main() -> None:
        stop = stop_on_signals()
        if first.mode == "webhook":
            await serve_webhooks(
                associations,
                stop,
                listen=first.webhook_listen,
                port=first.webhook_port,
                metrics_listen=first.metrics_listen,
                metrics_port=first.metrics_port,
            )
        else:
            await serve_polling(
                associations,
                stop,
                metrics_listen=first.metrics_listen,
                metrics_port=first.metrics_port,
            )

    asyncio.run(main())
    return 0


def role_name(schema: str) -> str:
    """The PostgreSQL role of the association whose schema this is."""
    return f"tawasul_{schema}"


def roles_sql(associations: list[Association], passwords: Mapping[str, str]) -> str:
    """SQL that gives each association a login role of its own, owner of its schema and of
    every table in it, and no right to any other association's schema: the wall between
    associations then holds for a statement the bot never runs, too. Run it once as the
    database's owner; existing schemas (made under the deployment's shared role) are handed
    over with their tables. `passwords`: by association name."""
    lines = [
        "-- One role per association (python -m bot associations-roles). Run as the",
        "-- database's owner, then give each association its TAWASUL_DATABASE_URL below.",
        "BEGIN;",
    ]
    for a in associations:
        schema = a.config.settings.database_schema
        if schema is None:
            raise ConfigError([f"{a.name}: not on PostgreSQL (no TAWASUL_DATABASE_URL)"])
        role = role_name(schema)
        secret = passwords[a.name].replace("'", "''")
        lines += [
            f"-- {a.name}",
            f"CREATE ROLE {role} LOGIN PASSWORD '{secret}';",
            f"CREATE SCHEMA IF NOT EXISTS {schema};",
            f"ALTER SCHEMA {schema} OWNER TO {role};",
            "DO $$ DECLARE t record; BEGIN",
            f"  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{schema}' LOOP",
            f"    EXECUTE format('ALTER TABLE {schema}.%I OWNER TO {role}', t.tablename);",
            "  END LOOP;",
            "END $$;",
        ]
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def role_url(database_url: str, schema: str, password: str) -> str:
    """The deployment's database URL with the association's role and password in it."""
    return with_login(database_url, role_name(schema), password)


def print_roles(folder: Path) -> int:
    """`python -m bot associations-roles DIR`: the SQL on stdout, each association's
    TAWASUL_DATABASE_URL line in it as a comment (new passwords each time)."""
    associations = _load_or_say(folder)
    if not associations:
        return 2
    url = _deployment_env().get("TAWASUL_DATABASE_URL")
    if not url:
        print("associations-roles needs TAWASUL_DATABASE_URL (PostgreSQL)", file=sys.stderr)
        return 2
    passwords = {a.name: secrets.token_urlsafe(24) for a in associations}
    try:
        sql = roles_sql(associations, passwords)
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 2
    print(sql, end="")
    for a in associations:
        schema = a.config.settings.database_schema or ""
        line = role_url(url, schema, passwords[a.name])
        print(f"-- {a.folder / SETTINGS_FILE}: TAWASUL_DATABASE_URL={line}")
    return 0
