"""User message content: text with command entities, photos, documents, voice, stickers."""

from __future__ import annotations

from typing import Any

from emulator.formatting import command_entities
from emulator.records import JSON
from emulator.state import State


def text_content(text: str) -> JSON:
    content: JSON = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content


def caption_content(caption: str) -> JSON:
    """``caption`` (+ ``caption_entities`` for /commands) of a media message."""
    content: JSON = {"caption": caption}
    entities = command_entities(caption)
    if entities:
        content["caption_entities"] = entities
    return content


def _fake_bytes(size: int, head: bytes) -> bytes | None:
    if size > 2 * 1024 * 1024:
        return None  # reported size only; downloads are refused (> 20 MB) or zero-filled
    return (head + b"\0" * size)[:size] if size >= len(head) else head[:size]


class ContentMixin:
    """Builders of user message content (files registered so the bot can download them)."""

    state: State

    def photo_content(
        self,
        size: int = 50_000,
        width: int = 1280,
        height: int = 960,
        caption: str | None = None,
        content: bytes | None = None,
    ) -> JSON:
        """A photo; ``content`` (a real image, e.g. uploaded in the web sandbox) sets ``size``."""
        data = _fake_bytes(size, b"\xff\xd8\xff\xe0") if content is None else content
        size = size if content is None else len(content)
        ext = "png" if content is not None and content.startswith(b"\x89PNG") else "jpg"
        full = self.state.add_file("photos", data, size=size, extension=ext)
        thumb = self.state.add_file("thumbnails", data, size=min(size, 2000), extension=ext)
        out: JSON = {
            "photo": [
                {
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.file_unique_id,
                    "width": 90,
                    "height": max(1, 90 * height // max(width, 1)),
                    "file_size": thumb.size,
                },
                {
                    "file_id": full.file_id,
                    "file_unique_id": full.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": size,
                },
            ]
        }
        if caption:
            out["caption"] = caption
        return out

    def document_content(
        self,
        file_name: str = "file.pdf",
        mime_type: str = "application/pdf",
        content: bytes | None = None,
        size: int | None = None,
        caption: str | None = None,
    ) -> JSON:
        if content is None:
            content = _fake_bytes(size or 1000, b"%PDF-1.4\n")
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        rec = self.state.add_file(
            "documents", content, size=size, mime_type=mime_type, file_name=file_name, extension=ext
        )
        out: JSON = {
            "document": {
                "file_id": rec.file_id,
                "file_unique_id": rec.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": rec.size,
            }
        }
        if caption:
            out["caption"] = caption
        return out

    def voice_content(self, duration: int = 3, size: int = 8000) -> JSON:
        rec = self.state.add_file(
            "voice", _fake_bytes(size, b"OggS"), size=size, mime_type="audio/ogg", extension="oga"
        )
        return {
            "voice": {
                "file_id": rec.file_id,
                "file_unique_id": rec.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": size,
            }
        }

    def sticker_content(self, emoji: str = "👍") -> JSON:
        rec = self.state.add_file("stickers", _fake_bytes(3000, b"RIFF"), extension="webp")
        return {
            "sticker": {
                "file_id": rec.file_id,
                "file_unique_id": rec.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": rec.size,
            }
        }


def content_from_kwargs(view: ContentMixin, kind: str, args: dict[str, Any], sender: JSON) -> JSON:
    """Build message content by kind name (used by the HTTP API)."""
    if kind == "text":
        return text_content(str(args["text"]))
    if kind == "photo":
        return view.photo_content(**args)
    if kind == "document":
        return view.document_content(**args)
    if kind == "voice":
        return view.voice_content(**args)
    if kind == "sticker":
        return view.sticker_content(**args)
    if kind == "location":
        return {
            "location": {"latitude": float(args["latitude"]), "longitude": float(args["longitude"])}
        }
    if kind == "contact":
        return {
            "contact": {
                "phone_number": str(args["phone_number"]),
                "first_name": str(args.get("first_name") or sender["first_name"]),
                "user_id": int(args.get("user_id") or sender["id"]),
            }
        }
    raise ValueError(f"unknown content kind {kind!r}")
