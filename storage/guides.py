"""The guides' sections and passages, as imported, and their sentence vectors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection, Row
from storage.values import dt, ts


@dataclass(frozen=True)
class NewPassage:
    kind: str  # 'paragraph' | 'bullet' | 'list' | 'card'
    text: str
    text_en: str | None = None
    questions: tuple[str, ...] = ()
    lead: str = ""  # the lead-in line a bullet follows


@dataclass(frozen=True)
class NewSection:
    heading: str
    passages: tuple[NewPassage, ...]
    path: tuple[str, ...] = ()  # the headings above this one, outermost first


@dataclass(frozen=True)
class GuideInfo:
    id: int
    slug: str
    kind: str
    title: str
    source: str
    digest: str
    imported_at: datetime
    sections: int
    passages: int


@dataclass(frozen=True)
class StoredPassage:
    id: int
    section_id: int
    guide_title: str
    guide_kind: str
    heading: str
    kind: str
    text: str
    text_en: str | None
    questions: tuple[str, ...]
    path: tuple[str, ...] = ()
    lead: str = ""
    guide_slug: str = ""


_PASSAGE_COLUMNS = (
    "p.id, p.section_id, g.title AS guide_title, g.kind AS guide_kind, s.heading, p.kind,"
    " p.text, p.text_en, p.questions, s.path, p.lead, g.slug AS guide_slug"
)
_PASSAGE_JOIN = (
    "guide_passages p JOIN guide_sections s ON s.id = p.section_id"
    " JOIN guides g ON g.id = s.guide_id"
)


def _passage(row: Row) -> StoredPassage:
    questions = tuple(q for q in (row["questions"] or "").split("\n") if q)
    return StoredPassage(
        row["id"],
        row["section_id"],
        row["guide_title"],
        row["guide_kind"],
        row["heading"],
        row["kind"],
        row["text"],
        row["text_en"],
        questions,
        tuple(h for h in (row["path"] or "").split("\n") if h),
        row["lead"] or "",
        row["guide_slug"],
    )


class Guides:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def replace(
        self,
        slug: str,
        kind: str,
        title: str,
        source: str,
        digest: str,
        sections: list[NewSection],
        now: datetime,
        vectors: tuple[str, list[bytes]] | None = None,
    ) -> int:
        """Store a guide in place of the one with the same slug, with its passages' sentence
        vectors when given (model, one blob per passage in reading order); return its id."""
        await self.conn.execute("DELETE FROM guides WHERE slug = ?", (slug,))
        guide_id = await self.conn.fetchval(
            "INSERT INTO guides (slug, kind, title, source, digest, imported_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (slug, kind, title, source, digest, ts(now)),
        )
        assert guide_id is not None
        guide_id = int(guide_id)
        for position, section in enumerate(sections):
            section_id = await self.conn.fetchval(
                "INSERT INTO guide_sections (guide_id, position, heading, path)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                (guide_id, position, section.heading, "\n".join(section.path)),
            )
            await self.conn.executemany(
                "INSERT INTO guide_passages"
                " (section_id, position, kind, text, text_en, questions, lead)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        section_id,
                        i,
                        p.kind,
                        p.text,
                        p.text_en,
                        "\n".join(p.questions) or None,
                        p.lead,
                    )
                    for i, p in enumerate(section.passages)
                ],
            )
        if vectors is not None:
            model, blobs = vectors
            await self.store_vectors(
                model, zip(await self.passage_ids(guide_id), blobs, strict=True)
            )
        return guide_id

    async def passage_ids(self, guide_id: int) -> list[int]:
        """Return a guide's passage ids in reading order."""
        rows = await self.conn.fetchall(
            "SELECT p.id FROM guide_passages p JOIN guide_sections s ON s.id = p.section_id"
            " WHERE s.guide_id = ? ORDER BY s.position, p.position",
            (guide_id,),
        )
        return [int(row["id"]) for row in rows]

    async def store_vectors(self, model: str, vectors: Iterable[tuple[int, bytes]]) -> None:
        await self.conn.executemany(
            # A passage removed by a re-import meanwhile gets no vector (and no error).
            "INSERT INTO passage_vectors (passage_id, model, vector)"
            " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM guide_passages WHERE id = ?)"
            " ON CONFLICT (passage_id) DO UPDATE SET model = excluded.model, vector = excluded.vector",
            [(pid, model, blob, pid) for pid, blob in vectors],
        )

    async def vectors(self, model: str) -> dict[int, bytes]:
        """Return the stored sentence vectors made by model, by passage id."""
        rows = await self.conn.fetchall(
            "SELECT passage_id, vector FROM passage_vectors WHERE model = ?", (model,)
        )
        return {int(row["passage_id"]): bytes(row["vector"]) for row in rows}

    async def remove(self, slug: str) -> bool:
        changed = await self.conn.execute("DELETE FROM guides WHERE slug = ?", (slug,))
        return changed > 0

    async def listing(self) -> list[GuideInfo]:
        rows = await self.conn.fetchall(
            "SELECT g.*, (SELECT COUNT(*) FROM guide_sections s WHERE s.guide_id = g.id) AS sections,"
            " (SELECT COUNT(*) FROM guide_passages p JOIN guide_sections s ON s.id = p.section_id"
            "  WHERE s.guide_id = g.id) AS passages FROM guides g ORDER BY g.slug"
        )
        out = []
        for row in rows:
            imported = dt(row["imported_at"])
            assert imported is not None
            out.append(
                GuideInfo(
                    row["id"],
                    row["slug"],
                    row["kind"],
                    row["title"],
                    row["source"],
                    row["digest"],
                    imported,
                    row["sections"],
                    row["passages"],
                )
            )
        return out

    async def version(self) -> tuple[int, str]:
        """Return what changes whenever a guide is imported or removed."""
        rows = await self.conn.fetchall(
            "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) || '/' || COALESCE(MAX(imported_at), '')"
            " AS last FROM guides"
        )
        row = next(iter(rows))
        return int(row["n"]), str(row["last"])

    async def passages(self) -> list[StoredPassage]:
        rows = await self.conn.fetchall(
            f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_JOIN} ORDER BY g.slug, s.position, p.position"
        )
        return [_passage(row) for row in rows]

    async def passage(self, passage_id: int) -> StoredPassage | None:
        rows = await self.conn.fetchall(
            f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_JOIN} WHERE p.id = ?", (passage_id,)
        )
        row = next(iter(rows), None)
        return _passage(row) if row is not None else None

    async def section(self, section_id: int) -> list[StoredPassage]:
        rows = await self.conn.fetchall(
            f"SELECT {_PASSAGE_COLUMNS} FROM {_PASSAGE_JOIN} WHERE p.section_id = ?"
            " ORDER BY p.position",
            (section_id,),
        )
        return [_passage(row) for row in rows]
