"""Settings from the environment (and .env) and loading of the association profile.

Every problem is collected before start-up stops, so an operator fixes them all at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.profile import Profile

SAMPLE_PROFILE = "sample"  # the fictional association shipped in bot/profiles/sample.yaml


class Settings(BaseSettings):
    """Deployment settings; every variable is TAWASUL_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="TAWASUL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    database: Path = Path("data/tawasul.sqlite3")
    # postgresql://user:password@host:port/name: PostgreSQL in place of the SQLite file.
    database_url: SecretStr | None = None
    # With PostgreSQL: the association's own schema (one deployment, many associations).
    database_schema: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    profile: str = SAMPLE_PROFILE
    staff_chat_id: int | None = None  # the staff supergroup
    staff_topics: bool = True  # one forum topic per request (False: replies to the card)
    staff_locale: Literal["ar", "en"] | None = None  # the staff group's language
    # Telegram allows a group about 20 messages a minute, all its topics together.
    staff_group_rate: int = Field(default=20, ge=1, le=60)
    staff_group_period: float = Field(default=60.0, gt=0)
    # The outbox's pace: Telegram allows about 30 messages a second in all and one a second
    # per chat; the dispatcher keeps a margin below both.
    outbox_rate: float = Field(default=28.0, gt=0, le=1000)
    outbox_chat_interval: float = Field(default=1.0, ge=0, le=60)
    # How long one send may take before its outcome counts as unknown (then it is retried).
    outbox_timeout: float = Field(default=10.0, gt=0, le=120)
    # How often the follow-up rules are read from the database, and broadcast progress shown.
    followup_check_seconds: float = Field(default=60.0, gt=0)
    # Refused actions are kept this long, then deleted (export them first to keep them).
    audit_retention_days: int = Field(default=730, ge=30)
    broadcast_progress_seconds: float = Field(default=10.0, gt=0)
    default_locale: Literal["ar", "en"] = "ar"
    timezone: str = "Asia/Riyadh"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # /healthz and /metrics on a port of their own (the webhook server serves them too);
    # None: no such port. Loopback by default: metrics are for the operator's Prometheus.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_listen: str = "127.0.0.1"
    # Another Bot API server (a self-hosted one, or the project's emulator).
    api_base_url: str | None = None
    api_base_file_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object a line

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Riyadh)") from exc
        return value

    @field_validator("api_base_url", "api_base_file_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("database")
    @classmethod
    def _writable_folder(cls, value: Path) -> Path:
        folder = value.parent
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent  # the folder is created at start: check its nearest parent
        if not os.access(probe, os.W_OK):
            raise ValueError(f"cannot write in {probe} (the database folder)")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// URL")
        return value

    @property
    def database_target(self) -> Path | str:
        """The database the bot opens: the PostgreSQL URL when set, else the SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.database

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> Settings:
        if self.mode == "webhook":
            if not _webhook_url_ok(self.webhook_url):
                raise ValueError(
                    "TAWASUL_WEBHOOK_URL must be an https:// URL in webhook mode"
                    " (http:// only on this machine, for a local Bot API server)"
                )
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if len(secret) < 16:
                raise ValueError("TAWASUL_WEBHOOK_SECRET must be at least 16 characters")
            if self.metrics_port == self.webhook_port:
                raise ValueError(
                    "TAWASUL_METRICS_PORT must differ from TAWASUL_WEBHOOK_PORT (the webhook"
                    " server answers /healthz and /metrics itself)"
                )
        return self


def _webhook_url_ok(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


class ConfigError(Exception):
    """Start-up cannot go on; `problems` lists every reason with where it comes from."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    settings: Settings
    profile: Profile
    profile_source: str

    def default_guides(self) -> list[Path]:
        """Return the profile's guides and card files, resolved against its folder."""
        folder = profile_folder(self.profile_source)
        listed = (*self.profile.guides.files, *self.profile.guides.cards)
        return [folder / name for name in listed]


def profile_folder(ref: str) -> Path:
    """The folder a profile's relative paths (guides, the policy document) start from;
    `ref` is TAWASUL_PROFILE or where the profile was read from."""
    if ref in (SAMPLE_PROFILE, "bot/profiles/sample.yaml"):
        return Path(str(resources.files("bot") / "profiles"))
    return Path(ref).parent


def load_config(env: dict[str, str] | None = None, env_file: str | None = ".env") -> Config:
    """Read settings and the profile, raising ConfigError with all problems found."""
    problems: list[str] = []
    settings: Settings | None = None
    try:
        if env is None:
            settings = Settings(_env_file=env_file)
        else:
            settings = Settings.model_validate(_from_env(env))
    except ValidationError as exc:
        problems.extend(_settings_problems(exc))
    # With broken settings the profile is still checked, so every problem shows at once.
    raw_env = os.environ if env is None else env
    profile_ref = settings.profile if settings else raw_env.get("TAWASUL_PROFILE", SAMPLE_PROFILE)
    profile, source = None, profile_ref
    try:
        profile, source = load_profile(profile_ref)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems or settings is None or profile is None:
        raise ConfigError(problems)
    return Config(settings=settings, profile=profile, profile_source=source)


def _from_env(env: dict[str, str]) -> dict[str, Any]:
    prefix = "TAWASUL_"
    return {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}


def _settings_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        name = "TAWASUL_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "env"
        message = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return problems


def load_profile(ref: str) -> tuple[Profile, str]:
    """Load a profile from a YAML path, or 'sample' for the shipped one."""
    if ref == SAMPLE_PROFILE:
        text = (resources.files("bot") / "profiles" / "sample.yaml").read_text(encoding="utf-8")
        source = "bot/profiles/sample.yaml"
    else:
        path = Path(ref)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError([f"{source}: cannot read the profile ({exc.strerror})"]) from exc
    return parse_profile(text, source), source


def parse_profile(text: str, source: str) -> Profile:
    """Validate a profile's YAML text, naming the line of every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError([f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    try:
        return Profile.from_data(data)
    except ValidationError as exc:
        problems = _repeated_keys(data, node, source)
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line_of(node, loc)
            path = ".".join(str(p) for p in loc) or "(top)"
            message = str(err["msg"]).removeprefix("Value error, ")
            where = f"{source}:{line}" if line else source
            problems.append(f"{where}: {path}: {message}")
        raise ConfigError(problems) from exc


def _repeated_keys(data: Any, node: yaml.Node | None, source: str) -> list[str]:
    """Report repeated field keys even when other errors stop the model's own check."""
    try:
        keys = [f.get("key") for f in data["form"]["fields"]]
    except (KeyError, TypeError, AttributeError):
        return []
    seen: set[object] = set()
    problems = []
    for index, key in enumerate(keys):
        if key in seen:
            line = _line_of(node, ("form", "fields", index, "key"))
            problems.append(f"{source}:{line}: form.fields.{index}.key: {key} is repeated")
        seen.add(key)
    return problems


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Find the 1-based line of the deepest YAML node on the error's path."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
