"""Reading a .docx guide with the standard library: paragraphs, headings, lists, pages.

Only the main body (word/document.xml) is read: headers and footers, where letterheads live,
are separate parts and never opened. Paragraphs come in document order, including those in
table cells, content controls (Word's table of contents) and text boxes (after the paragraph
that anchors them; the VML fallback copy is skipped). Deleted revisions and field codes are
left out; the field results (what Word shows) are kept.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import NamedTuple
from xml.etree import ElementTree as ET

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
DOCUMENT_PART = "word/document.xml"
MAX_PART_BYTES = 50 * 1024 * 1024  # uncompressed; a bigger part is a zip bomb, not a guide

P, T, TAB, BR, CR = W + "p", W + "t", W + "tab", W + "br", W + "cr"
RENDERED_BREAK = W + "lastRenderedPageBreak"
# Not text: paragraph/run properties (w:pPr holds tab-stop w:tab elements), deletions,
# the fallback copy of a text box, and text boxes themselves (read as their own paragraphs).
SKIP = frozenset({W + "pPr", W + "rPr", W + "del", W + "moveFrom", MC_FALLBACK, W + "txbxContent"})
HEADING_NAME = re.compile(r"heading\s*([1-9])", re.IGNORECASE)
LIST_NAMES = ("list bullet", "list number", "list paragraph", "listbullet", "listnumber",
              "listparagraph")  # fmt: skip
_NEWLINE, _PAGE, _RENDERED = object(), object(), object()
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
               ValueError, NotImplementedError, RuntimeError, KeyError)  # fmt: skip


class DocxError(ValueError):
    """The .docx cannot be read; the message says why in one English clause."""


class Para(NamedTuple):
    text: str
    heading: int
    bullet: bool
    page: int
    strong: bool = False  # every run with text is bold (a heading typed without a style)


class Style(NamedTuple):
    name: str
    based_on: str | None
    outline: int | None  # w:outlineLvl (0-based; 9 means body text)
    num_id: str | None  # w:numPr/w:numId; "0" switches inherited numbering off


class Docx(NamedTuple):
    paras: list[Para]
    title: str | None
    pages: int


def read_docx(data: bytes) -> Docx:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise DocxError("not a valid .docx file (it is not a ZIP archive)") from exc
    with archive:
        names = set(archive.namelist())
        if DOCUMENT_PART not in names:
            raise DocxError(f"not a valid .docx file ({DOCUMENT_PART} is missing)")
        body = _parse(archive, DOCUMENT_PART)
        styles = _styles(_parse(archive, "word/styles.xml")) if "word/styles.xml" in names else {}
        title = (
            _title(_parse(archive, "docProps/core.xml")) if "docProps/core.xml" in names else None
        )
    try:
        paras, pages = _Walker(styles).run(body)
    except RecursionError as exc:
        raise DocxError("not a valid .docx file (its XML is nested too deeply)") from exc
    return Docx(paras, title, pages)


def _parse(archive: zipfile.ZipFile, name: str) -> ET.Element:
    try:
        info = archive.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise DocxError(f"not a valid .docx file ({name} is larger than 50 MB uncompressed)")
        with archive.open(info) as stream:
            raw = stream.read(MAX_PART_BYTES + 1)
    except _ZIP_ERRORS as exc:
        raise DocxError(f"not a valid .docx file ({name} cannot be unpacked: {exc})") from exc
    if len(raw) > MAX_PART_BYTES:
        raise DocxError(f"not a valid .docx file ({name} is larger than 50 MB uncompressed)")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:  # Word never writes these; entity bombs do
        raise DocxError(f"not a valid .docx file ({name} declares a DTD)")
    try:
        return ET.fromstring(raw)
    except (ET.ParseError, ValueError, LookupError) as exc:
        raise DocxError(f"not a valid .docx file ({name} is not well-formed XML: {exc})") from exc


def _val(elem: ET.Element | None) -> str | None:
    return None if elem is None else elem.get(W + "val")


def _styles(root: ET.Element) -> dict[str, Style]:
    styles: dict[str, Style] = {}
    for style in root.iter(W + "style"):
        if style.get(W + "type", "paragraph") != "paragraph" or not style.get(W + "styleId"):
            continue
        outline = _val(style.find(f"{W}pPr/{W}outlineLvl"))
        styles[style.get(W + "styleId", "")] = Style(
            name=(_val(style.find(W + "name")) or "").strip().lower(),
            based_on=_val(style.find(W + "basedOn")),
            outline=_outline(outline),
            num_id=_val(style.find(f"{W}pPr/{W}numPr/{W}numId")),
        )
    return styles


def _outline(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and len(value) <= 2 else None


def _title(root: ET.Element) -> str | None:
    elem = root.find(DC_TITLE)
    text = (elem.text or "").strip() if elem is not None else ""
    return text or None


def _on(elem: ET.Element | None) -> bool:
    """A w:ST_OnOff toggle such as <w:pageBreakBefore/>: present and not switched off."""
    return elem is not None and _val(elem) not in ("0", "false", "off")


class _Walker:
    def __init__(self, styles: dict[str, Style]) -> None:
        self.styles = styles
        self.page = 1
        self.fresh = True  # no text since the last page break: a rendered break is the same one
        self.paras: list[Para] = []
        self.strong = False  # the paragraph being read is bold throughout

    def run(self, root: ET.Element) -> tuple[list[Para], int]:
        body = root.find(W + "body")
        for para in _paragraphs(root if body is None else body):
            self._paragraph(para)
        return self.paras, self.page

    def _chain(self, style_id: str | None) -> Iterator[Style]:
        seen: set[str] = set()
        while style_id and style_id not in seen and len(seen) < 20:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:  # no styles.xml (or a dangling id): judge the id itself
                yield Style(style_id.lower(), None, None, None)
                return
            yield style
            style_id = style.based_on

    def _kind(self, ppr: ET.Element | None) -> tuple[int, bool]:
        style_id = _val(ppr.find(W + "pStyle")) if ppr is not None else None
        outline = _val(ppr.find(W + "outlineLvl")) if ppr is not None else None
        num_id = _val(ppr.find(f"{W}numPr/{W}numId")) if ppr is not None else None
        level = _outline(outline)
        heading = level + 1 if level is not None else 0
        listed = False
        for style in self._chain(style_id):
            if not heading and style.outline is not None:
                heading = style.outline + 1
            if not heading and (match := HEADING_NAME.fullmatch(style.name)):
                heading = int(match.group(1))
            if not heading and style.name == "title":
                heading = 1
            listed = listed or style.name.startswith(LIST_NAMES)
            num_id = num_id or style.num_id
        heading = heading if heading <= 9 else 0  # outline level 9 is "body text"
        return heading, not heading and num_id != "0" and (num_id is not None or listed)

    def _paragraph(self, para: ET.Element) -> None:
        ppr = para.find(W + "pPr")
        heading, bullet = self._kind(ppr)
        self.strong = not heading and not bullet and _all_bold(para)
        if ppr is not None and _on(ppr.find(W + "pageBreakBefore")):
            self._break(hard=True)
        parts: list[str] = []
        deferred = 0  # rendered breaks inside a line: the line stays whole, its page is its start
        after_page = False
        for token in _tokens(para):
            if isinstance(token, str):
                parts.append(token)
            elif token is _RENDERED:
                if "".join(parts).strip():
                    deferred += 1
                else:
                    self._break(hard=False)
            else:  # a line break or a hard page break ends the line
                text = "".join(parts)
                if token is _NEWLINE or text.strip():
                    self._emit(text, heading, bullet)
                parts, after_page = [], token is _PAGE
                deferred = self._soft_breaks(deferred)
                if after_page:
                    self._break(hard=True)
        text = "".join(parts)
        if text.strip() or not after_page:
            self._emit(text, heading, bullet)
        self._soft_breaks(deferred)

    def _soft_breaks(self, count: int) -> int:
        for _ in range(count):
            self._break(hard=False)
        return 0

    def _break(self, *, hard: bool) -> None:
        if hard or not self.fresh:
            self.page += 1
            self.fresh = True

    def _emit(self, text: str, heading: int, bullet: bool) -> None:
        if text.strip():
            self.fresh = False
        self.paras.append(Para(text, heading, bullet, self.page, self.strong))


def _all_bold(para: ET.Element) -> bool:
    """Tell whether every run of the paragraph that has text is bold (w:b, or w:bCs, the
    bold of Arabic and other complex scripts)."""
    seen = False
    for run in para.iter(W + "r"):
        if not "".join(t.text or "" for t in run.iter(T)).strip():
            continue
        props = run.find(W + "rPr")
        if props is None or not (_on(props.find(W + "b")) or _on(props.find(W + "bCs"))):
            return False
        seen = True
    return seen


def _paragraphs(elem: ET.Element) -> Iterator[ET.Element]:
    """Every w:p under elem in document order; a text box's paragraphs follow their anchor."""
    for child in elem:
        if child.tag == MC_FALLBACK or child.tag == W + "del":
            continue
        if child.tag == P:
            yield child
        yield from _paragraphs(child)


def _tokens(elem: ET.Element) -> Iterator[str | object]:
    """The paragraph's text pieces and break markers, not descending into nested paragraphs."""
    for child in elem:
        tag = child.tag
        if tag == P or tag in SKIP:
            continue
        if tag == T:
            yield child.text or ""
        elif tag == TAB:
            yield "\t"
        elif tag == BR:
            yield _PAGE if child.get(W + "type") == "page" else _NEWLINE
        elif tag == CR:
            yield _NEWLINE
        elif tag == RENDERED_BREAK:
            yield _RENDERED
        elif tag == W + "noBreakHyphen":
            yield "\u2011"
        else:
            yield from _tokens(child)
