"""A cleaned guide split into its title, sections and the passages that answer questions.

Decisions:

* **Headings** are what the source marks as headings, lines named in the contents, and
  short lines that end with a colon («تمهيد :-») or stand alone between blank lines
  before a list or paragraph.  The colon and dash are trimmed from the heading shown.
* **Heading paths**: every section keeps the headings above its own (guide › section ›
  subsection), so a passage is found by its parents' words too.  A heading the source
  marks with a level nests by that level; a heading found another way (a colon, the
  contents, a short line) sits under the last marked heading.
* **Lead-ins**: a line ending with a colon right under a marked heading («يُشترط لقبول
  الطلب ما يلي:»), or too long to be a heading, introduces what follows: it is kept with
  each bullet after it (``Passage.lead``), and the section keeps its real heading.
* **Passages** are the units an answer quotes: each paragraph and each bullet.  A list of
  short items (the contact channels, the staff's tools) is one passage: the question
  "how can I reach you?" is answered by the whole list, not by «الخطابات» alone.
* A line that is only a date or a number finishes the paragraph before it («...المنعقد في»
  then «2025/6/1»).
* The first letterhead block becomes a passage of its own at the top (heading: the
  guide's title), so that the association's name and licence number stay answerable.
* The title is a level-1 heading that opens the document, else the file's metadata
  title, else the short lines before the first heading, else the file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.services.guides.clean import Cleaned
from bot.services.guides.extract import Line
from bot.services.textnorm import clean_text, normalize_digits

__all__ = ["Passage", "Section", "Structured", "structure"]

_BULLET = re.compile(
    r"^(?P<indent>\s*)(?:[-–—•▪◦●○*+·]\s*(?:[0-9٠-٩]{1,3}\s*[-.)]\s*)?"
    r"|[0-9٠-٩]{1,3}\s*[-.)]\s*(?![0-9٠-٩/])"
    r"|[أابتثجحخدذ]\s*[-.)]\s+)"
)
_COLON_END = re.compile(r"\s*[:：]\s*[-–—]?\s*$")
_ONLY_DATE = re.compile(r"^[\s0-9٠-٩/\\.\-–()]+(?:هـ|م|ه)?\.?$")
SHORT_ITEM_WORDS = 6
WHOLE_LIST_WORDS = 150
HEADING_WORDS = 14


@dataclass
class Passage:
    text: str
    kind: str  # "paragraph", "bullet" or "list"
    lead: str = ""  # the line that introduced this bullet or list («…ما يلي:»)


@dataclass
class Section:
    heading: str
    passages: list[Passage] = field(default_factory=list)
    path: tuple[str, ...] = ()  # the headings above this one, outermost first
    marked: bool = False  # the source marked the heading (a level)
    guessed: bool = False  # a heading found otherwise (a short line, the contents, a colon)


IMPLICIT = 99  # the level of a heading the source did not mark: under every marked one


@dataclass
class Structured:
    title: str
    sections: list[Section]


def structure(cleaned: Cleaned, title: str | None, fallback_title: str) -> Structured:
    """Return the guide's title and its sections."""
    known = {_heading_key(t) for t in cleaned.contents}
    lines = cleaned.lines
    leading: list[str] = []
    start = 0
    first = next((i for i, line in enumerate(lines) if line.text), None)
    if first is not None and lines[first].heading == 1:
        # A title the reader sees (Word's Title style, a leading "# ") beats the file's
        # metadata, which is often a template's or empty.
        title, start = _trim_heading(lines[first].text), first + 1
    elif title is None:
        # Lines before the first heading or bullet, if short, are the title («سياسة ...»).
        while start < len(lines) and not _is_heading(lines, start, known, weak=False):
            text = lines[start].text
            if not text:
                start += 1
                continue
            if len(text.split()) > HEADING_WORDS or _BULLET.match(text) or len(leading) >= 3:
                break
            below = lines[start + 1] if start + 1 < len(lines) else None
            if leading and below is not None and below.text and _opens_body(below):
                break  # a heading right above its paragraph, not a second title line
            leading.append(text)
            start += 1
        if not any(_is_heading(lines, i, known) for i in range(start, len(lines))):
            start, leading = 0, []  # no headings at all: the lines were the body
        title = " ".join(leading) if leading else None
    title = title or fallback_title
    sections: list[Section] = []
    # Who issued the guide: its title and letterhead answer "what is the association's
    # name / licence number?".
    sections.append(Section(title, [Passage("\n".join([title, *cleaned.letterhead]), "paragraph")]))
    current = Section(title)
    items: list[tuple[int, str]] = []
    stack: list[tuple[int, str]] = []  # the open headings: (level, text)
    lead = ""
    for i in range(start, len(lines)):
        line = lines[i]
        text = line.text
        if not text:
            continue
        if _is_lead(current, items, line, text):
            _flush_items(current, items, lead)
            items, lead = [], _trim_heading(text)
            if len(text.split()) > HEADING_WORDS:
                current.passages.append(Passage(text, "paragraph"))
            continue
        if _is_heading(lines, i, known):
            _finish(current, items, sections, lead)
            level = line.heading or IMPLICIT
            while stack and stack[-1][0] >= level:
                stack.pop()
            heading = _trim_heading(text)
            current = Section(
                heading,
                path=tuple(h for _, h in stack),
                marked=bool(line.heading),
                guessed=not line.heading,
            )
            stack.append((level, heading))
            items, lead = [], ""
            continue
        bullet = _BULLET.match(text)
        if bullet or line.bullet:
            level = len(bullet.group("indent")) if bullet else 0
            body = text[bullet.end() :] if bullet else text
            if body.strip():
                items.append((level, clean_text(body)))
            continue
        if _ONLY_DATE.match(text) and (items or current.passages):
            _append_to_last(current, items, text)
            continue
        _flush_items(current, items, lead)
        items, lead = [], ""
        current.passages.append(Passage(text, "paragraph"))
    _finish(current, items, sections, lead)
    return Structured(title, [s for s in sections if s.passages])


def _heading_key(text: str) -> str:
    return re.sub(r"[\s:：\-–—]+", " ", normalize_digits(text)).strip()


def _trim_heading(text: str) -> str:
    return _COLON_END.sub("", text).strip(" -–—")


def _is_heading(lines: list[Line], i: int, known: set[str], *, weak: bool = True) -> bool:
    line = lines[i]
    text = line.text
    if not text:
        return False
    if line.heading:
        return True
    if line.bullet or _BULLET.match(text):
        return False
    words = len(text.split())
    if words > HEADING_WORDS:
        return False
    if _heading_key(text) in known or _COLON_END.search(text):
        return True
    if not weak:
        return False
    if line.strong and not text.endswith((".", "،", ",", "؟", "?", "!")):
        return True  # a bold line of its own («**التواصل**»); the first may be the title
    # A short line with no sentence end, after a blank line, before more text: alone
    # between blank lines, or right above a paragraph or a list ("Documents" then
    # "Bring the national ID of…"; a paragraph's own lines are longer).
    before = i == 0 or not lines[i - 1].text
    after = i + 1 < len(lines) and (not lines[i + 1].text or _opens_body(lines[i + 1]))
    return (
        words <= 6
        and before
        and after
        and not text.endswith((".", "،", ",", "؟", "?", "!"))
        and not _ONLY_DATE.match(text)
        and any(line.text for line in lines[i + 1 :])
    )


def _opens_body(line: Line) -> bool:
    """Tell whether a line starts a paragraph or a list (what a heading stands above)."""
    text = line.text
    if line.heading:
        return False
    if line.bullet or _BULLET.match(text):
        return True
    if _COLON_END.search(text):  # a lead-in: «يشترط ما يلي:»
        return True
    return len(text.split()) > HEADING_WORDS or text.endswith((".", "؟", "?", "!"))


def _is_lead(section: Section, items: list[tuple[int, str]], line: Line, text: str) -> bool:
    """Tell whether a line introduces what follows rather than heading a new section."""
    if line.heading or line.bullet or _BULLET.match(text) or not _COLON_END.search(text):
        return False
    if len(text.split()) > HEADING_WORDS:
        return True
    # Right under a heading: «## التعريفات» (or «التعريفات» alone on its line) then
    # «يُقصد بالألفاظ…:».  The guide's own opening section has no heading to keep.
    return (section.marked or section.guessed) and not section.passages and not items


def _flush_items(section: Section, items: list[tuple[int, str]], lead: str = "") -> None:
    if not items:
        last = section.passages[-1].text if section.passages else ""
        if lead and _trim_heading(last) != lead:
            section.passages.append(Passage(lead, "paragraph"))  # a lead-in leading nowhere
        return
    if len(items) >= 3 and all(len(text.split()) <= SHORT_ITEM_WORDS for _, text in items):
        section.passages.append(Passage("\n".join(text for _, text in items), "list", lead))
        return
    for _, text in items:
        section.passages.append(Passage(text, "bullet", lead))
    # A list its lead-in introduces (the conditions, the documents) is also one answer:
    # "what are the conditions?" asks for all of them.
    if lead and len(items) >= 2 and sum(len(t.split()) for _, t in items) <= WHOLE_LIST_WORDS:
        section.passages.append(Passage("\n".join(text for _, text in items), "list", lead))


def _finish(
    section: Section, items: list[tuple[int, str]], sections: list[Section], lead: str = ""
) -> None:
    _flush_items(section, items, lead)
    if section.passages:
        sections.append(section)


def _append_to_last(section: Section, items: list[tuple[int, str]], text: str) -> None:
    if items:
        level, last = items[-1]
        items[-1] = (level, f"{last} {text}")
    else:
        section.passages[-1].text += " " + text
