"""Tables in a guide (Markdown pipes, tab- or pipe-separated text) read as rows that stand alone.

A row quoted as an answer must make sense without the table around it: «3 | 4500» says
nothing, «عدد أفراد الأسرة: 3، الحد الأعلى للدخل: 4500» does.  So each data row becomes a
list item that names its columns, and the header row is dropped.  A block of lines whose
cells are separated by tabs or by "|" (plain text often draws a table so: «عدد الأفراد |
الحد الأعلى») is a table only when its lines have as many cells each and its first row is
a header (no cell is a bare number): a table of contents («3<TAB>تمهيد») is left as it is
for the cleaner to remove.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.services.guides.extract import Line

__all__ = ["read_tables"]

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$")
_NUMBER = re.compile(r"^[\s0-9٠-٩.,٫،/%-]+$")
MIN_ROWS = 2


def _pipe_cells(text: str) -> list[str]:
    return [c.strip() for c in text.strip().strip("|").split("|")]


def _tab_cells(text: str) -> list[str]:
    return [c.strip() for c in text.split("\t")]


def _loose_cells(text: str) -> list[str]:
    """The cells of a line separated by tabs, or else by "|" (without a leading "|")."""
    if "\t" in text:
        return _tab_cells(text)
    if "|" in text and not _PIPE_RULE.match(text):
        return _pipe_cells(text)
    return [text]


def _row_text(header: list[str], cells: list[str]) -> str:
    parts = []
    for name, cell in zip(header, cells, strict=False):
        if not cell:
            continue
        parts.append(f"{name}: {cell}" if name and name != cell else cell)
    parts.extend(c for c in cells[len(header) :] if c)
    return "، ".join(parts)


def _block(lines: list[Line], start: int, is_row: Callable[[str], bool]) -> int:
    end = start
    while end < len(lines) and is_row(lines[end].text):
        end += 1
    return end


def read_tables(lines: list[Line], *, markdown: bool) -> list[Line]:
    """Return lines with each table's data rows as list items that name their columns."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if markdown and _PIPE_ROW.match(line.text):
            end = _block(lines, i, lambda t: bool(_PIPE_ROW.match(t)))
            rows = [_pipe_cells(ln.text) for ln in lines[i:end] if not _PIPE_RULE.match(ln.text)]
        elif len(_loose_cells(line.text)) >= 2 and not line.heading and not line.bullet:
            width = len(_loose_cells(line.text))

            def same_width(text: str, width: int = width) -> bool:
                return len(_loose_cells(text)) == width or bool(_PIPE_RULE.match(text))

            end = _block(lines, i, same_width)
            rows = [_loose_cells(ln.text) for ln in lines[i:end] if not _PIPE_RULE.match(ln.text)]
            if len(rows) < MIN_ROWS or any(_NUMBER.match(c) for c in rows[0] if c):
                out.extend(lines[i:end])  # no header row: contents or loose tabs
                i = end
                continue
        else:
            out.append(line)
            i += 1
            continue
        if len(rows) < MIN_ROWS:
            out.extend(Line(" ".join(c for c in r if c), page=line.page) for r in rows)
        else:
            header = rows[0]
            out.extend(Line(_row_text(header, r), bullet=True, page=line.page) for r in rows[1:])
            out.append(Line("", page=line.page))
        i = end
    return out
