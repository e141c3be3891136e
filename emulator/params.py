"""Request parsing: JSON, form-urlencoded and multipart bodies into typed accessors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.web_request import FileField


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def chat_migrated(new_chat_id: int) -> ApiError:
    """Any call to a group that became a supergroup; PTB raises ``ChatMigrated``."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_chat_id,
    )


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(slots=True)
class UploadedFile:
    """One multipart file part."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to request parameters whatever the body encoding was.

    Form fields arrive as strings (PTB JSON-encodes complex values inside them);
    JSON bodies arrive typed. The accessors normalise both.
    """

    __slots__ = ("files", "values")

    def __init__(
        self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> None:
        self.values = values
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return name in self.values or name in self.files

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def req_string(self, name: str) -> str:
        value = self.string(name)
        if value is None:
            raise bad_request(f"parameter {name!r} is required")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def req_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"parameter {name!r} is required")
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def obj(self, name: str) -> Any:
        """A complex (JSON) value: reply_markup, entities, media, commands, scope..."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        value = self.values.get(name)
        if value is None:
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None


async def parse_request(request: web.Request) -> Params:
    """Read query string plus body (JSON, urlencoded or multipart) into Params."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values)
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if isinstance(body, dict):
            values.update(body)
    elif ctype.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            data = bytes(await part.read())
            if part.filename is not None:
                files[part.name] = UploadedFile(
                    part.name, part.filename, part.headers.get("Content-Type"), data
                )
            else:
                values[part.name] = data.decode("utf-8")
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                values[key] = value
            elif isinstance(value, FileField):
                files[key] = UploadedFile(
                    key, value.filename, value.content_type, value.file.read()
                )
    return Params(values, files)
