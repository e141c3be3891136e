"""Reading an association's guide (.txt, .md, .docx, .pdf) into a flat list of lines.

This module only reads: each line keeps the structure hints its format gives (headings, list
items, page numbers) and nothing is cleaned beyond NFC, line endings and a byte-order mark.
Cleaning conversion debris and splitting into sections is the next step's job.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import stat
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.services.guides.docx import DocxError, read_docx

if TYPE_CHECKING:
    from pypdf import PdfReader

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
MAX_BYTES = 20 * 1024 * 1024
_USE = "use .txt, .md, .docx or .pdf"
_NO_TEXT_PDF = "the file has no text (a scanned PDF needs OCR first)"
# Arabic presentation forms (shaped letters some PDF producers write) -> base letters.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*")
_MD_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_MD_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_MD_BULLET = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?")
_MD_FENCE = re.compile(r" {0,3}(```|~~~)")
# Emphasis marks around words («**الوصي:**», "__note__"): the reader sees none of them.
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
# A line bold from end to end: authors write headings so when they skip the '#'.
_MD_STRONG_LINE = re.compile(r"[ \t]*(\*\*|__)(?=\S)(.+?)(?<=\S)\1[ \t]*")
# Magic numbers of files that arrive with the wrong name.
_MAGIC = (
    (b"%PDF-", "a PDF; rename it to .pdf"),
    (b"PK\x03\x04", "a ZIP archive (a .docx?); rename it to .docx"),
    (b"\xd0\xcf\x11\xe0", "an old Word .doc file; open it in Word and save it as .docx"),
    (b"{\\rtf", "an RTF file; open it in Word and save it as .docx"),
)


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # one paragraph / line of text, NFC; "" for a blank line
    heading: int = 0  # 1.. when the source marks it as a heading; 0 otherwise
    bullet: bool = False  # the source marks it as a list item (marker removed for md/docx)
    page: int = 1  # 1-based page when the format knows pages (pdf, txt \f, docx breaks)
    strong: bool = False  # the whole line is bold («**شروط التسجيل**»): a heading, if short


@dataclass(frozen=True, slots=True)
class Document:
    lines: list[Line]
    title: str | None  # docx dc:title, pdf /Title, md first '# ' heading; None if absent
    pages: int  # number of pages seen (>= 1)


# (pages done, pages in all): reading a long PDF takes a while.
PageProgress = Callable[[int, int], None]


class DocumentError(Exception):
    """A guide that cannot be read; str(exc) is a one-sentence English reason for the admin."""


def read_file(path: Path) -> bytes:
    """Return a file's bytes after checking, before reading, that it is a regular file of
    at most MAX_BYTES (a device such as /dev/zero never ends, a FIFO blocks forever)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("not a regular file (a device, a pipe or a folder)")
        if info.st_size > MAX_BYTES:
            raise DocumentError(_too_big(info.st_size))
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # the file may have grown since
    except OSError as exc:
        raise DocumentError(f"the file cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_BYTES:
        raise DocumentError(_too_big(len(data)))
    return data


def read_document(path: Path) -> Document:
    """Read a guide from disk; every failure is a DocumentError."""
    suffix = _check_suffix(path.suffix)
    return read_bytes(read_file(path), suffix)


def read_bytes(data: bytes, suffix: str, on_page: PageProgress | None = None) -> Document:
    """Read a guide from memory; suffix is the file's extension, such as ".docx"."""
    suffix = _check_suffix(suffix)
    if len(data) > MAX_BYTES:
        raise DocumentError(_too_big(len(data)))
    if not data:
        raise DocumentError("the file is empty")
    _check_magic(data, suffix)
    if suffix == ".docx":
        try:
            docx = read_docx(data)
        except DocxError as exc:
            raise DocumentError(str(exc)) from exc
        lines = [Line(_nfc(p.text), p.heading, p.bullet, p.page, p.strong) for p in docx.paras]
        title = _nfc(docx.title) if docx.title else None
        document = Document(lines, title, max(docx.pages, 1))
        empty = "the document has no text"
    elif suffix == ".pdf":
        document, empty = _read_pdf(data, on_page), _NO_TEXT_PDF
    else:
        document, empty = _read_text(_decode(data), markdown=suffix == ".md"), "the file is empty"
    if not any(line.text.strip() for line in document.lines):
        raise DocumentError(empty)
    return document


def _check_suffix(suffix: str) -> str:
    suffix = suffix.strip().lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    if suffix not in SUPPORTED:
        shown = f"type {suffix}" if suffix else "type (the name has no extension)"
        hint = " (save it as .docx in Word)" if suffix in (".doc", ".odt") else ""
        raise DocumentError(f"unsupported file {shown}; {_USE}{hint}")
    return suffix


def _check_magic(data: bytes, suffix: str) -> None:
    if (suffix == ".docx" and data.startswith(b"PK")) or (
        suffix == ".pdf" and b"%PDF-" in data[:1024]
    ):
        return
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise DocumentError(f"the file is named {suffix} but is really {what}")


def _too_big(size: int) -> str:
    return f"the file is too large ({size / 1024 / 1024:.1f} MB; the limit is 20 MB)"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- plain text and markdown ----------------------------------------------------------------


def _decode(data: bytes) -> str:
    """BOM-aware UTF-8/UTF-16 (and UTF-32), else strict UTF-8, else Windows Arabic (cp1256)."""
    try:
        for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                           (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                           (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
            if data.startswith(bom):
                return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DocumentError(f"the text is not valid {exc.encoding.upper()} ({exc.reason})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise DocumentError("the file is not plain text (it has NUL bytes); save it as UTF-8 text")
    try:
        return data.decode("cp1256")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            "the text is neither UTF-8, UTF-16 nor Windows Arabic (cp1256)"
        ) from exc


def _read_text(text: str, *, markdown: bool) -> Document:
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError("the file is empty")
    chunks = text.split("\f")
    if len(chunks) > 1 and not chunks[-1].strip("\n"):
        chunks.pop()  # a final form feed ends the last page; it does not start a new one
    raw: list[tuple[str, int]] = []
    for page, chunk in enumerate(chunks, start=1):
        chunk = chunk.removesuffix("\n")
        if chunk:
            raw.extend((_nfc(part), page) for part in chunk.split("\n"))
    if not markdown:
        return Document([Line(text, page=page) for text, page in raw], None, len(chunks))
    lines = _markdown(raw)
    title = next((ln.text.strip() for ln in lines if ln.heading == 1 and ln.text.strip()), None)
    return Document(lines, title, len(chunks))


def _markdown(raw: list[tuple[str, int]]) -> list[Line]:
    lines: list[Line] = []
    fence: str | None = None
    for text, page in raw:
        fenced = _MD_FENCE.match(text)
        if fence is not None or fenced:
            if fenced and (fence is None or fenced.group(1) == fence):
                fence = fenced.group(1) if fence is None else None
            lines.append(Line(text, page=page))  # code is kept as it is, fences included
            continue
        previous = lines[-1] if lines else Line("")
        setext = _MD_SETEXT.fullmatch(text)
        if setext and previous.text.strip() and not previous.heading and not previous.bullet:
            level = 1 if setext.group(1)[0] == "=" else 2
            lines[-1] = Line(previous.text.strip(), level, page=previous.page)
            continue
        if _MD_RULE.fullmatch(text):
            lines.append(Line("", page=page))
        elif heading := _MD_HEADING.fullmatch(text):
            level = len(heading.group(1))
            lines.append(Line(_plain(heading.group(2) or "").strip(), level, page=page))
        elif bullet := _MD_BULLET.fullmatch(text):
            lines.append(Line(_plain(bullet.group(1) or ""), bullet=True, page=page))
        else:
            strong = bool(_MD_STRONG_LINE.fullmatch(text))
            lines.append(Line(_plain(text), page=page, strong=strong))
    return lines


def _plain(text: str) -> str:
    return _MD_EMPHASIS.sub(r"\2", text)


# --- pdf ------------------------------------------------------------------------------------


def _unshape(text: str) -> str:
    return _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def _read_pdf(data: bytes, on_page: PageProgress | None = None) -> Document:
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _pdf_document(data, on_page)
    finally:
        logger.setLevel(level)


def _pdf_document(data: bytes, on_page: PageProgress | None) -> Document:
    # Imported here: only an import of guides reads PDF files, and the running bot
    # should not carry the reader (see bench: idle memory).
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentError("the PDF is encrypted (remove its password and import it again)")
        count = len(reader.pages)
    except DocumentError:
        raise
    except (DependencyError, FileNotDecryptedError) as exc:  # AES needs `cryptography`
        raise DocumentError(f"the PDF is encrypted and cannot be opened ({_reason(exc)})") from exc
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise DocumentError(f"not a valid PDF file ({_reason(exc)})") from exc
    lines: list[Line] = []
    for number in range(1, count + 1):
        if on_page is not None:
            on_page(number - 1, count)
        try:
            text = reader.pages[number - 1].extract_text()
        except Exception as exc:
            raise DocumentError(f"not a valid PDF file (page {number}: {_reason(exc)})") from exc
        text = _unshape(text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", ""))
        text = text.removesuffix("\n")
        if text:
            lines.extend(Line(_nfc(part), page=number) for part in text.split("\n"))
    return Document(lines, _pdf_title(reader), max(count, 1))


def _pdf_title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:  # a damaged info dictionary only costs the title
        return None
    text = _nfc(_unshape(str(title))).strip() if title else ""
    return text or None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".")
    return text[:120] if text else type(exc).__name__
