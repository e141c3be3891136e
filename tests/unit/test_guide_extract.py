"""Reading guides (.txt, .md, .docx, .pdf) into lines: bot.services.guides.extract."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.guides import docx as docx_module
from bot.services.guides.extract import (
    MAX_BYTES,
    SUPPORTED,
    Document,
    DocumentError,
    Line,
    read_bytes,
    read_document,
)

SEEDS = Path("/work/shared/seeds")

# --- building .docx files -------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/header1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>
<Override PartName="/docProps/core.xml"
 ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""
RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{R_NS}/officeDocument" Target="word/document.xml"/>
</Relationships>"""
DOC_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="{R_NS}/header" Target="header1.xml"/>
</Relationships>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>
 <w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="MyHeading"><w:name w:val="Guide Heading"/>
 <w:basedOn w:val="1"/></w:style>
<w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/>
 <w:basedOn w:val="1"/><w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style>
<w:style w:type="paragraph" w:styleId="Numbered"><w:name w:val="Steps"/>
 <w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
<w:style w:type="character" w:styleId="Heading1Char"><w:name w:val="Heading 1 Char"/></w:style>
</w:styles>"""
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties
 xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>  دليل التواصل  </dc:title>
</cp:coreProperties>"""
HEADER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr xmlns:w="{W_NS}"><w:p><w:r><w:t>LETTERHEAD جمعية</w:t></w:r></w:p></w:hdr>"""


def p(text: str = "", style: str | None = None, *, num: str | None = None, extra: str = "") -> str:
    """A paragraph; `extra` is raw run XML appended after the text run."""
    ppr = ""
    if style or num is not None:
        num_xml = f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num}"/></w:numPr>' if num else ""
        style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr = f"<w:pPr>{style_xml}{num_xml}</w:pPr>"
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{ppr}{run}{extra}</w:p>"


def document_xml(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:mc="{MC_NS}"><w:body>{body}'
        f'<w:sectPr><w:headerReference w:type="default" r:id="rId7"/></w:sectPr>'
        f"</w:body></w:document>"
    )


def make_docx(body: str | None, *, styles: bool = True, core: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/_rels/document.xml.rels", DOC_RELS)
        archive.writestr("word/header1.xml", HEADER)
        if body is not None:
            archive.writestr("word/document.xml", document_xml(body))
        if styles:
            archive.writestr("word/styles.xml", STYLES)
        if core:
            archive.writestr("docProps/core.xml", CORE)
    return buffer.getvalue()


PAGE_BREAK = '<w:r><w:br w:type="page"/></w:r>'
RENDERED = "<w:r><w:lastRenderedPageBreak/></w:r>"
TEXT_BOX = (
    '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
    + p("في الصندوق")
    + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
    + p("في الصندوق")
    + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)
GUIDE_BODY = "".join(
    [
        p("مقدمة الدليل", "1"),
        p("الغلاف", "a3"),
        p("فرعي", "Heading2"),  # not in styles.xml: the id itself says heading 2
        p("مخصص", "MyHeading"),  # based on heading 1
        p("المحتويات", "TOCHeading"),  # outline level 9: body text despite its base
        "<w:sdt><w:sdtContent>"
        + p("", extra="<w:r><w:t>3</w:t></w:r><w:r><w:tab/><w:t>تمهيد</w:t></w:r>")
        + "</w:sdtContent></w:sdt>",
        p("البند الأول", "ListParagraph", num="1"),
        p("البند الثاني", num="1"),
        p("بند بالنمط", "ListParagraph"),
        p("خطوة", "Numbered"),
        p("ليس بندا", "ListParagraph", num="0"),
        "<w:tbl><w:tr><w:tc>" + p("خلية 1") + p("خلية 1ب") + "</w:tc><w:tc>" + p("خلية 2"),
        "</w:tc></w:tr></w:tbl>",
        p("سطر أول", extra="<w:r><w:br/><w:t>سطر ثان</w:t></w:r>"),
        p(""),
        p("قبل الفاصل", extra=PAGE_BREAK),
        "<w:p><w:r><w:lastRenderedPageBreak/><w:t>بعد الفاصل</w:t></w:r></w:p>",
        p(
            "رابط ",
            extra=(
                '<w:hyperlink r:id="rId9"><w:r><w:t>هنا</w:t></w:r></w:hyperlink>'
                "<w:del><w:r><w:delText>محذوف</w:delText></w:r></w:del>"
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                "<w:r><w:instrText>PAGE</w:instrText></w:r>"
            ),
        ),
        p("فقرة طويلة", extra=RENDERED + "<w:r><w:t> تكمل في الصفحة التالية</w:t></w:r>"),
        p("الصفحة الثالثة", extra=TEXT_BOX),
        p("\u0627\u0654حمد"),  # alef + combining hamza: NFC makes it U+0623
    ]
)


def texts(document: Document) -> list[str]:
    return [line.text for line in document.lines]


# --- building .pdf files --------------------------------------------------------------------


def make_pdf(
    pages: list[list[bytes]], *, title: bytes | None = None, cmap: dict[int, str] | None = None
) -> bytes:
    """A minimal PDF: Helvetica text, one Tj per line; cmap adds a /ToUnicode map."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree
    font_extra = b""
    if cmap:
        pairs = "".join(f"<{code:02X}> <{ord(char):04X}>\n" for code, char in cmap.items())
        body = (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CMapName /Guide def 1 begincodespacerange <00> <FF> endcodespacerange\n"
            f"{len(cmap)} beginbfchar\n{pairs}endbfchar endcmap\n"
            "CMapName currentdict /CMap defineresource pop end end"
        ).encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body))
        font_extra = b" /ToUnicode %d 0 R" % len(objects)
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding%s >>"
        % font_extra
    )
    font = len(objects)
    kids = []
    for lines in pages:
        ops = b"BT /F1 12 Tf 72 720 Td 14 TL " + b" ".join(b"(%s) Tj T*" % t for t in lines)
        ops += b" ET"
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(ops), ops))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, len(objects))
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    info = b""
    if title is not None:
        objects.append(b"<< /Title (%s) >>" % title)
        info = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


TWO_PAGES = make_pdf(
    [[b"Guide for beneficiaries", b"Contact us by phone"], [b"Second page text"]],
    title=b"Beneficiary Guide",
)


def encrypted(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def matplotlib_pdf(pages: list[str], title: str) -> bytes:
    """A real text PDF (DejaVu Sans embedded as TrueType, with a ToUnicode map)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with (
        matplotlib.rc_context({"pdf.fonttype": 42, "font.family": "DejaVu Sans"}),
        PdfPages(buffer, metadata={"Title": title}) as pdf,
    ):
        for text in pages:
            figure = plt.figure(figsize=(4, 2))
            figure.text(0.1, 0.5, text)
            pdf.savefig(figure)
            plt.close(figure)
    return buffer.getvalue()


# --- plain text -----------------------------------------------------------------------------


def test_utf8_text_keeps_tabs_and_blank_lines() -> None:
    data = "\ufeffالدليل\r\n\r\n3\tتمهيد\r4\tالهدف\n".encode()
    document = read_bytes(data, ".txt")
    assert texts(document) == ["الدليل", "", "3\tتمهيد", "4\tالهدف"]
    assert all(line.heading == 0 and not line.bullet and line.page == 1 for line in document.lines)
    assert document.title is None and document.pages == 1


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_bom_encodings(codec: str) -> None:
    text = "دليل المستفيد\nالفصل الأول\n"
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):  # the BOM written by hand, as Notepad does
        data = "\ufeff".encode(codec) + data
    assert texts(read_bytes(data, ".txt")) == ["دليل المستفيد", "الفصل الأول"]


def test_cp1256_text() -> None:
    data = "جمعية البر الخيرية\r\nرقم الترخيص: 5389\r\n".encode("cp1256")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert texts(read_bytes(data, ".txt")) == ["جمعية البر الخيرية", "رقم الترخيص: 5389"]


def test_binary_in_a_txt_is_refused() -> None:
    with pytest.raises(DocumentError, match="not plain text"):
        read_bytes(b"\xff\x00\x81abc", ".txt")


def test_form_feeds_are_pages() -> None:
    document = read_bytes("الأولى\nسطر\n\fالثانية\n\f\fالرابعة\n\f".encode(), ".txt")
    assert [(line.text, line.page) for line in document.lines] == [
        ("الأولى", 1),
        ("سطر", 1),
        ("الثانية", 2),
        ("الرابعة", 4),
    ]
    assert document.pages == 4


def test_text_is_nfc() -> None:
    document = read_bytes("\u0627\u0654حمد".encode(), ".txt")
    assert texts(document) == ["أحمد"]


@pytest.mark.parametrize("suffix", SUPPORTED)
def test_empty_file(suffix: str) -> None:
    with pytest.raises(DocumentError, match=r"^the file is empty$"):
        read_bytes(b"", suffix)


@pytest.mark.parametrize("suffix", [".txt", ".md"])
@pytest.mark.parametrize("data", [b" \n\t\r\n ", b"\xef\xbb\xbf\n\n", b"\f\n\f", b"\xff\xfe \x00"])
def test_whitespace_only_file(suffix: str, data: bytes) -> None:
    with pytest.raises(DocumentError, match=r"^the file is empty$"):
        read_bytes(data, suffix)


@pytest.mark.parametrize("suffix", [".rtf", ".doc", "", ".exe"])
def test_unsupported_suffix(suffix: str) -> None:
    with pytest.raises(
        DocumentError, match=r"unsupported file type.*use \.txt, \.md, \.docx or \.pdf"
    ):
        read_bytes(b"hello", suffix)


def test_unsupported_message_is_exact() -> None:
    with pytest.raises(DocumentError) as caught:
        read_bytes(b"{\\rtf1 hello}", ".rtf")
    assert str(caught.value) == "unsupported file type .rtf; use .txt, .md, .docx or .pdf"


def test_suffix_is_case_insensitive_and_dot_optional() -> None:
    assert texts(read_bytes(b"hello", "TXT")) == ["hello"]
    assert texts(read_bytes(b"hello", ".Md")) == ["hello"]


def test_a_file_with_the_wrong_name() -> None:
    with pytest.raises(DocumentError, match=r"named \.txt but is really a PDF"):
        read_bytes(TWO_PAGES, ".txt")
    with pytest.raises(DocumentError, match=r"named \.pdf but is really a ZIP"):
        read_bytes(make_docx(p("x")), ".pdf")
    with pytest.raises(DocumentError, match=r"old Word \.doc file"):
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ".docx")


def test_size_limit(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="too large"):
        read_bytes(b"a" * (MAX_BYTES + 1), ".txt")
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: refused before it is read
    with pytest.raises(DocumentError, match="too large"):
        read_document(big)


def test_read_document_errors(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot be read"):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="unsupported"):
        read_document(tmp_path / "guide.odt")


def test_read_document_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "Guide.DOCX"
    path.write_bytes(make_docx(GUIDE_BODY))
    assert read_document(path) == read_bytes(path.read_bytes(), ".docx")


@pytest.mark.skipif(not any(SEEDS.glob("*.txt")), reason="the seed guides are not here")
@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name)
def test_seed_guides_line_by_line(path: Path) -> None:
    document = read_document(path)
    expected = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    assert texts(document) == expected
    assert any("\t" in line.text for line in document.lines)  # the contents keep their tabs
    assert all(line.page == 1 and not line.heading for line in document.lines)
    assert document.pages == 1 and document.title is None


# --- markdown -------------------------------------------------------------------------------


def test_markdown_headings_bullets_and_title() -> None:
    md = "\n".join(
        [
            "مقدمة بلا عنوان",
            "# دليل المستفيد #",
            "",
            "## القنوات",
            "- الهاتف",
            "* البريد",
            "+ الموقع",
            "1. أولا",
            "2) ثانيا",
            "١. بالأرقام العربية",
            "#وسم ليس عنوانا",
            "3\tتمهيد",
            "",
            "---",
            "عنوان سطري",
            "===",
            "```",
            "# ليس عنوانا",
            "```",
            "####### سبعة",
            "# عنوان ثان",
        ]
    )
    document = read_bytes(md.encode(), ".md")
    assert document.title == "دليل المستفيد"
    assert [(line.text, line.heading, line.bullet) for line in document.lines] == [
        ("مقدمة بلا عنوان", 0, False),
        ("دليل المستفيد", 1, False),
        ("", 0, False),
        ("القنوات", 2, False),
        ("الهاتف", 0, True),
        ("البريد", 0, True),
        ("الموقع", 0, True),
        ("أولا", 0, True),
        ("ثانيا", 0, True),
        ("بالأرقام العربية", 0, True),
        ("#وسم ليس عنوانا", 0, False),
        ("3\tتمهيد", 0, False),
        ("", 0, False),
        ("", 0, False),  # a thematic break
        ("عنوان سطري", 1, False),
        ("```", 0, False),
        ("# ليس عنوانا", 0, False),
        ("```", 0, False),
        ("####### سبعة", 0, False),
        ("عنوان ثان", 1, False),
    ]


def test_markdown_dashes_under_text_are_a_level_two_heading() -> None:
    document = read_bytes("القنوات\n---\n- الهاتف\n".encode(), ".md")
    assert document.lines == [Line("القنوات", heading=2), Line("الهاتف", bullet=True)]


def test_markdown_without_a_level_one_heading_has_no_title() -> None:
    document = read_bytes("## فرعي\nنص\n".encode(), ".md")
    assert document.title is None
    assert document.lines[0] == Line("فرعي", heading=2)


# --- docx -----------------------------------------------------------------------------------


def test_docx_structure() -> None:
    document = read_bytes(make_docx(GUIDE_BODY), ".docx")
    assert document.title == "دليل التواصل"
    rows = [(line.text, line.heading, line.bullet, line.page) for line in document.lines]
    assert rows == [
        ("مقدمة الدليل", 1, False, 1),
        ("الغلاف", 1, False, 1),
        ("فرعي", 2, False, 1),
        ("مخصص", 1, False, 1),
        ("المحتويات", 0, False, 1),
        ("3\tتمهيد", 0, False, 1),
        ("البند الأول", 0, True, 1),
        ("البند الثاني", 0, True, 1),
        ("بند بالنمط", 0, True, 1),
        ("خطوة", 0, True, 1),
        ("ليس بندا", 0, False, 1),
        ("خلية 1", 0, False, 1),
        ("خلية 1ب", 0, False, 1),
        ("خلية 2", 0, False, 1),
        ("سطر أول", 0, False, 1),
        ("سطر ثان", 0, False, 1),
        ("", 0, False, 1),
        ("قبل الفاصل", 0, False, 1),
        ("بعد الفاصل", 0, False, 2),  # the rendered break after a hard one is the same break
        ("رابط هنا", 0, False, 2),  # hyperlink text kept; deletions and field codes not
        ("فقرة طويلة تكمل في الصفحة التالية", 0, False, 2),  # a soft break keeps it whole
        ("الصفحة الثالثة", 0, False, 3),
        ("في الصندوق", 0, False, 3),  # a text box once (its fallback copy is skipped)
        ("أحمد", 0, False, 3),
    ]
    assert document.pages == 3
    assert not any("LETTERHEAD" in line.text for line in document.lines)


def test_docx_without_styles_or_core() -> None:
    body = p("عنوان", "Heading1") + p("العنوان الرئيس", "Title") + p("بند", "ListBullet")
    document = read_bytes(make_docx(body, styles=False, core=False), ".docx")
    assert document.lines == [Line("عنوان", 1), Line("العنوان الرئيس", 1), Line("بند", bullet=True)]
    assert document.title is None


def test_docx_page_break_paragraphs() -> None:
    body = (
        p("أ")
        + f"<w:p>{PAGE_BREAK}</w:p>"
        + p("ب")
        + p("ج", extra=PAGE_BREAK + "<w:r><w:t>د</w:t></w:r>")
    )
    document = read_bytes(make_docx(body), ".docx")
    assert [(line.text, line.page) for line in document.lines] == [
        ("أ", 1),
        ("ب", 2),
        ("ج", 2),
        ("د", 3),
    ]
    before = "<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>هـ</w:t></w:r></w:p>"
    document = read_bytes(make_docx(p("أ") + before), ".docx")
    assert [(line.text, line.page) for line in document.lines] == [("أ", 1), ("هـ", 2)]


def test_docx_with_no_text() -> None:
    with pytest.raises(DocumentError, match="has no text"):
        read_bytes(make_docx(p("") + p("   ")), ".docx")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x13\x37 not a zip at all" * 10, r"not a valid \.docx file \(it is not a ZIP archive\)"),
        (make_docx(None), r"word/document\.xml is missing"),
        (make_docx("<w:p><w:r><w:t>broken</w:r></w:p>"), r"document\.xml is not well-formed XML"),
    ],
    ids=["random-bytes", "no-document-xml", "broken-xml"],
)
def test_corrupt_docx(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        read_bytes(data, ".docx")


def test_docx_truncated_archive() -> None:
    data = make_docx(GUIDE_BODY)
    with pytest.raises(DocumentError, match=r"not a valid \.docx file"):
        read_bytes(data[: len(data) // 2], ".docx")


def test_docx_zip_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b" " * (docx_module.MAX_PART_BYTES + 1))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(DocumentError, match="larger than 50 MB"):
        read_bytes(buffer.getvalue(), ".docx")


def test_docx_nested_too_deeply() -> None:
    depth = 2000
    body = "<w:tbl><w:tr><w:tc>" * depth + p("x") + "</w:tc></w:tr></w:tbl>" * depth
    with pytest.raises(DocumentError, match="nested too deeply"):
        read_bytes(make_docx(body), ".docx")


def test_docx_entity_declarations_are_refused() -> None:
    xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", xml)
    with pytest.raises(DocumentError, match="DTD"):
        read_bytes(buffer.getvalue(), ".docx")


# --- pdf ------------------------------------------------------------------------------------


def test_pdf_two_pages_round_trip() -> None:
    document = read_bytes(TWO_PAGES, ".pdf")
    assert [(line.text, line.page) for line in document.lines] == [
        ("Guide for beneficiaries", 1),
        ("Contact us by phone", 1),
        ("Second page text", 2),
    ]
    assert document.pages == 2
    assert document.title == "Beneficiary Guide"


def test_pdf_arabic_from_matplotlib() -> None:
    data = matplotlib_pdf(["Hello page one", "مرحبا"], title="دليل المستفيد")
    document = read_bytes(data, ".pdf")
    assert [(line.text, line.page) for line in document.lines] == [
        ("Hello page one", 1),
        ("مرحبا", 2),
    ]
    assert document.title == "دليل المستفيد" and document.pages == 2


def test_pdf_presentation_forms_become_letters() -> None:
    # Shaped glyphs in visual order (left to right), as some producers write them; pypdf
    # turns the run around, and the reader maps the forms to letters: «مرحبا».
    visual = "\ufe8e\ufe92\ufea3\ufeae\ufee3"  # final alef ... initial meem
    data = make_pdf([[b"ABCDE"]], cmap={0x41 + i: char for i, char in enumerate(visual)})
    assert texts(read_bytes(data, ".pdf")) == ["مرحبا"]


def test_pdf_repairs_are_silent(caplog: pytest.LogCaptureFixture) -> None:
    shifted = TWO_PAGES.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%shifted offsets\n", 1)
    with caplog.at_level(logging.DEBUG):
        document = read_bytes(shifted, ".pdf")  # pypdf logs "incorrect startxref pointer"
    assert texts(document)[-1] == "Second page text"
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]
    assert logging.getLogger("pypdf").level == logging.NOTSET  # restored


def test_pdf_with_no_text() -> None:
    with pytest.raises(DocumentError) as caught:
        read_bytes(make_pdf([[], []]), ".pdf")
    assert str(caught.value) == "the file has no text (a scanned PDF needs OCR first)"


def test_pdf_encrypted() -> None:
    with pytest.raises(DocumentError, match="the PDF is encrypted"):
        read_bytes(encrypted(TWO_PAGES, "secret"), ".pdf")
    document = read_bytes(encrypted(TWO_PAGES, ""), ".pdf")  # opens with an empty password
    assert texts(document)[0] == "Guide for beneficiaries"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\ngarbage", TWO_PAGES[:200], b"%PDF-1.7\n" + bytes(range(256)) * 4],
    ids=["garbage", "truncated", "binary"],
)
def test_invalid_pdf(data: bytes) -> None:
    with pytest.raises(DocumentError, match=r"not a valid PDF file|has no text"):
        read_bytes(data, ".pdf")


# --- never anything but a Document or a DocumentError --------------------------------------


def _read_or_refuse(data: bytes, suffix: str) -> None:
    try:
        document = read_bytes(data, suffix)
    except DocumentError as exc:
        assert str(exc)
    else:
        assert isinstance(document, Document) and document.pages >= 1
        assert any(line.text.strip() for line in document.lines)


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([*SUPPORTED, ".rtf"]))
def test_arbitrary_bytes(data: bytes, suffix: str) -> None:
    _read_or_refuse(data, suffix)


@settings(max_examples=50, deadline=None)
@given(data=st.text(max_size=300).map(str.encode), suffix=st.sampled_from(SUPPORTED))
def test_arbitrary_text(data: bytes, suffix: str) -> None:
    _read_or_refuse(data, suffix)


DOCX = make_docx(GUIDE_BODY, styles=True)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    suffix_and_base=st.sampled_from([(".docx", DOCX), (".pdf", TWO_PAGES)]),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    cut=st.integers(min_value=0),
)
def test_damaged_files(
    suffix_and_base: tuple[str, bytes], edits: list[tuple[int, int]], cut: int
) -> None:
    suffix, base = suffix_and_base
    data = bytearray(base)
    for position, value in edits:
        data[position % len(data)] = value
    if cut % 3 == 0:
        del data[cut % len(data) :]
    _read_or_refuse(bytes(data), suffix)
