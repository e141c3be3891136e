"""Importing guides and question cards into the database, one transaction per file."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.services.faq import semantic
from bot.services.faq.answerer import section_texts
from bot.services.guides.cards import CARD_SUFFIXES, read_cards
from bot.services.guides.clean import clean_lines
from bot.services.guides.extract import (
    SUPPORTED,
    DocumentError,
    PageProgress,
    read_bytes,
    read_file,
)
from bot.services.guides.numbering import mark_numbered_headings
from bot.services.guides.structure import structure
from bot.services.guides.tables import read_tables
from bot.services.guides.wrapping import join_wrapped
from bot.services.requests import Clock
from storage.guides import GuideInfo, Guides, NewPassage, NewSection
from storage.sql import Database

__all__ = ["GuideImporter", "ImportResult", "Parsed", "Progress", "embed_sections", "parse_file"]

# (files done, with a share of the current one; files in all; the file being read)
Progress = Callable[[float, int, str], None]


@dataclass
class ImportResult:
    path: Path
    slug: str
    title: str = ""
    sections: int = 0
    passages: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    replaced: bool = False


def _slug(path: Path) -> str:
    return path.stem.strip() or path.name


@dataclass(frozen=True)
class Parsed:
    kind: str  # 'guide' | 'cards'
    title: str
    sections: list[NewSection]
    removed: Counter[str]


def parse_file(path: Path) -> Parsed:
    """Read, clean and structure a guide or a card file; raise DocumentError or OSError."""
    kind, title, sections, removed = _parse(path, read_file(path))
    return Parsed(kind, title, sections, removed)


def _parse(
    path: Path, data: bytes, on_page: PageProgress | None = None
) -> tuple[str, str, list[NewSection], Counter[str]]:
    """Return the kind, title and sections of a guide or a card file."""
    suffix = path.suffix.lower()
    if suffix in CARD_SUFFIXES:
        title, sections = read_cards(data, path.name)
        return "cards", title or _slug(path), sections, Counter()
    if suffix not in SUPPORTED:
        known = ", ".join((*SUPPORTED, *CARD_SUFFIXES))
        raise DocumentError(f"unsupported file type {suffix or '(none)'}; use {known}")
    document = read_bytes(data, suffix, on_page)
    lines = document.lines
    if suffix in (".md", ".txt"):
        lines = read_tables(lines, markdown=suffix == ".md")
    if suffix in (".txt", ".pdf"):
        lines = mark_numbered_headings(lines)
    cleaned = clean_lines(lines)
    if suffix in (".txt", ".pdf"):  # after the cleaner: a letterhead is not a paragraph's end
        cleaned = replace(cleaned, lines=join_wrapped(cleaned.lines))
    shaped = structure(cleaned, document.title, _slug(path))
    sections = [
        NewSection(
            s.heading, tuple(NewPassage(p.kind, p.text, lead=p.lead) for p in s.passages), s.path
        )
        for s in shaped.sections
    ]
    if not sections:
        raise DocumentError("no text was left after removing letterheads and contents")
    return "guide", shaped.title, sections, cleaned.removed


def embed_sections(title: str, sections: list[NewSection]) -> tuple[str, list[bytes]] | None:
    """Return the sentence vectors of a guide's passages in order, or None without an embedder."""
    embedder = semantic.load()
    if embedder is None:
        return None
    texts = [
        text
        for s in sections
        for text in section_texts(
            title, s.path, s.heading, [(p.lead, p.text, p.questions) for p in s.passages]
        )
    ]
    matrix = embedder.encode(texts)
    return embedder.name, [semantic.to_blob(row) for row in matrix]


class GuideImporter:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def import_paths(
        self, paths: Sequence[Path], progress: Progress | None = None
    ) -> list[ImportResult]:
        """Import each file in place of its earlier version; a bad file is reported, not fatal."""
        results: list[ImportResult] = []
        for done, path in enumerate(paths):
            if progress:
                progress(done, len(paths), path.name)

            def on_page(page: int, pages: int, done: int = done, name: str = path.name) -> None:
                if progress:
                    progress(done + page / max(pages, 1), len(paths), name)

            results.append(await self.import_path(path, on_page))
        if progress:
            progress(len(paths), len(paths), "")
        return results

    async def import_path(self, path: Path, on_page: PageProgress | None = None) -> ImportResult:
        result = ImportResult(path, _slug(path))
        try:
            # Reading and parsing a large PDF takes a while: off the event loop.
            data = await asyncio.to_thread(read_file, path)
            kind, title, sections, removed = await asyncio.to_thread(_parse, path, data, on_page)
        except OSError as exc:
            result.error = f"cannot read the file ({exc.strerror or exc})"
            return result
        except DocumentError as exc:
            result.error = str(exc)
            return result
        digest = hashlib.sha256(data).hexdigest()
        vectors = await asyncio.to_thread(embed_sections, title, sections)
        async with self.db.transaction() as conn:
            guides = Guides(conn)
            result.replaced = any(g.slug == result.slug for g in await guides.listing())
            await guides.replace(
                result.slug, kind, title, path.name, digest, sections, self.clock(), vectors
            )
        result.title = title
        result.sections = len(sections)
        result.passages = sum(len(s.passages) for s in sections)
        result.removed = removed
        return result

    async def listing(self) -> list[GuideInfo]:
        async with self.db.reading() as conn:
            return await Guides(conn).listing()

    async def remove(self, slug: str) -> bool:
        async with self.db.transaction() as conn:
            return await Guides(conn).remove(slug)
