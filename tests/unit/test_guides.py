"""Guides from file to sections: debris removed, headings and bullets found, cards read,
re-imports replacing the old version in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.guides.cards import read_cards
from bot.services.guides.clean import clean_lines
from bot.services.guides.extract import DocumentError, Line, read_bytes
from bot.services.guides.importer import GuideImporter, parse_file
from bot.services.guides.structure import structure
from storage.db import database_at
from storage.guides import Guides
from tests.support import FakeClock

GUIDES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "seeds"
TRIAQ = GUIDES / "000_5b005e872d1d007f.txt"
SAFA = GUIDES / "001_9395d545bddb9e84.txt"


def _lines(text: str) -> list[Line]:
    return read_bytes(text.encode(), ".txt").lines


def test_letterhead_repeated_on_every_page_is_kept_once_with_its_ocr_variants() -> None:
    page = "الرقم:\nالمملكة العربية السعودية\nجمعية النور {}\nترخيص رقم (77)\n\n"
    text = (
        page.format("بالرياض")
        + "تمهيد :-\n\nنص أول.\n\n"
        + page.format("بالرياظ")
        + "نص ثان.\n\n"
        + page.format("بلرياض")
        + "نص ثالث."
    )
    cleaned = clean_lines(_lines(text))
    body = [line.text for line in cleaned.lines if line.text]
    assert body == ["تمهيد :-", "نص أول.", "نص ثان.", "نص ثالث."]
    assert cleaned.letterhead == [
        "المملكة العربية السعودية",
        "جمعية النور بالرياض",
        "ترخيص رقم (77)",
    ]
    assert cleaned.removed["letterhead"] == 12


def test_contents_lines_go_and_name_the_headings() -> None:
    text = (
        "جدول المحتويات\n3\tتمهيد\nالهدف العام ....... 4\n"
        "Error! Bookmark not defined.\tاعتماد المجلس\n\nتمهيد\nنص التمهيد.\n"
    )
    cleaned = clean_lines(_lines(text))
    assert cleaned.contents == ["تمهيد", "الهدف العام", "اعتماد المجلس"]
    assert [line.text for line in cleaned.lines if line.text] == ["تمهيد", "نص التمهيد."]
    shaped = structure(cleaned, "دليل", "x")
    # The first section says who issued the guide (its title, and letterhead if any).
    assert [(s.heading, [p.text for p in s.passages]) for s in shaped.sections] == [
        ("دليل", ["دليل"]),
        ("تمهيد", ["نص التمهيد."]),
    ]


def test_words_split_by_a_stray_space_are_mended_and_page_numbers_dropped() -> None:
    text = "يتم التعامل على مختل ف المستويات.\nمن طال ب الدعم ومن طالب آخر.\nأفضل 6.والممارسات هنا."
    cleaned = clean_lines(_lines(text))
    assert [line.text for line in cleaned.lines] == [
        "يتم التعامل على مختلف المستويات.",
        "من طالب الدعم ومن طالب آخر.",
        "أفضل والممارسات هنا.",
    ]
    assert cleaned.removed["split words"] == 2


def test_the_conjunction_waw_standing_alone_is_not_glued() -> None:
    cleaned = clean_lines(_lines("مطابقة البيانات و التأكيد من صلاحيتها"))
    assert cleaned.lines[0].text == "مطابقة البيانات و التأكيد من صلاحيتها"


def test_the_first_seed_guide_imports_into_its_sections() -> None:
    parsed = parse_file(TRIAQ)
    headings = [s.heading for s in parsed.sections]
    assert parsed.title == "سياسة تنظيم العلاقة مع المستفيدين لجمعية ترياق للخدمات الصحية"
    assert headings[1:4] == ["تمهيد", "الهدف العام", "الأهداف التفصيلية"]
    assert headings[-1] == "اعتماد مجلس الإدارة"
    # The letterhead (four copies, one line spelt three ways by OCR) is one passage, first.
    assert parsed.sections[0].passages[0].text.endswith("ترخيص رقم (5389)")
    everything = "\n".join(p.text for s in parsed.sections for p in s.passages)
    for debris in ("الرقم:", "جدول المحتويات", "مختل ف", "\t", "بعمقية", "بعمانية"):
        assert debris not in everything
    # The date on its own line finishes the approval sentence.
    approval = parsed.sections[-1].passages[0].text
    assert "الاجتماع رقم (11)" in approval and approval.endswith("2025/6/1")
    # Eight contact channels are one list; the treatment steps are seven bullets.
    channels = next(s for s in parsed.sections if s.heading.startswith("القواسم"))
    assert [p.kind for p in channels.passages] == ["list"]
    assert len(channels.passages[0].text.split("\n")) == 8
    steps = next(s for s in parsed.sections if s.heading.startswith("ويتم التعامل"))
    assert [p.kind for p in steps.passages] == ["bullet"] * 7
    assert "أسبوعين" in steps.passages[4].text


def test_the_second_seed_guide_imports_and_the_bookmark_error_goes() -> None:
    parsed = parse_file(SAFA)
    assert parsed.title == "سياسة تنظيم العلاقة مع المستفيدين لجمعية المالية السعودية صفا"
    everything = "\n".join(p.text for s in parsed.sections for p in s.passages)
    assert "Error!" not in everything and "طال ب" not in everything
    assert "طالب الدعم" in everything and "6." not in everything
    assert parsed.removed["contents"] == 8


def test_markdown_headings_and_bullets_shape_the_sections() -> None:
    data = (
        "# دليل الخدمات\n\n## الدعم\n\n- بند أول طويل بما يكفي ليكون بندا مستقلا هنا\n- بند ثان\n"
    )
    document = read_bytes(data.encode(), ".md")
    shaped = structure(clean_lines(document.lines), document.title, "x")
    assert shaped.title == "دليل الخدمات"
    support = next(s for s in shaped.sections if s.heading == "الدعم")
    assert [p.kind for p in support.passages] == ["bullet", "bullet"]


def test_cards_are_read_with_their_phrasings_and_both_languages() -> None:
    data = (
        "title: معلومات\ncards:\n"
        "  - questions: [وش اوقات الدوام, opening hours]\n"
        "    answer: {ar: من ٨ إلى ٣, en: 8 to 3}\n"
        "  - questions: وين مقركم\n    answer: الرياض\n    heading: الموقع\n"
    ).encode()
    title, sections = read_cards(data, "c.yaml")
    assert title == "معلومات"
    first, second = sections
    assert first.heading == "وش اوقات الدوام"
    assert first.passages[0].questions == ("وش اوقات الدوام", "opening hours")
    assert (first.passages[0].text, first.passages[0].text_en) == ("من ٨ إلى ٣", "8 to 3")
    assert second.heading == "الموقع" and second.passages[0].text_en is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"cards: [", "not valid YAML at line"),
        (b"title: x\n", "needs a 'cards:' list"),
        (b"cards:\n  - answer: x\n", "'questions' must list"),
        (b"cards:\n  - questions: [q]\n", "the answer must be"),
        (b"cards:\n  - questions: [q]\n    answer: {fr: x}\n", "takes 'ar' and/or 'en'"),
        (b"cards:\n  - questions: [q]\n    answer: a\n    colour: red\n", "unknown key"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_broken_card_file_is_refused_with_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        read_cards(data, "c.yaml")


async def test_reimport_replaces_a_guide_and_a_bad_file_leaves_the_old_one(
    db_target: Path | str, tmp_path: Path
) -> None:
    db = database_at(db_target)
    await db.open()
    try:
        importer = GuideImporter(db, FakeClock())
        guide = tmp_path / "rules.md"
        guide.write_text("# القواعد\n\n## الدوام\n\nنعمل صباحا.\n", encoding="utf-8")
        first = await importer.import_path(guide)
        assert (first.error, first.replaced, first.passages) == (None, False, 2)
        guide.write_text("# القواعد\n\n## الدوام\n\nنعمل مساء.\n\n## العنوان\n\nالرياض.\n", "utf-8")
        again = await importer.import_path(guide)
        assert (again.replaced, again.sections) == (True, 3)
        async with db.reading() as conn:
            texts = [p.text for p in await Guides(conn).passages()]
        assert texts == ["القواعد", "نعمل مساء.", "الرياض."]
        guide.write_bytes(b"")
        failed = await importer.import_path(guide)
        assert failed.error == "the file is empty"
        async with db.reading() as conn:
            assert [p.text for p in await Guides(conn).passages()] == texts
        assert [g.slug for g in await importer.listing()] == ["rules"]
    finally:
        await db.close()


async def test_an_unsupported_or_corrupt_file_is_reported_not_raised(
    db_target: Path | str, tmp_path: Path
) -> None:
    db = database_at(db_target)
    await db.open()
    try:
        importer = GuideImporter(db, FakeClock())
        rtf = tmp_path / "guide.rtf"
        rtf.write_text("{\\rtf1}")
        docx = tmp_path / "guide.docx"
        docx.write_bytes(b"PK\x03\x04 this is not really a zip")
        seen: list[tuple[int, int, str]] = []
        results = await importer.import_paths([rtf, docx, TRIAQ], lambda *a: seen.append(a))
        assert "unsupported file type .rtf" in (results[0].error or "")
        assert "docx" in (results[1].error or "")
        assert results[2].error is None and results[2].passages > 20
        assert seen[-1] == (3, 3, "") and [s[0] for s in seen] == [0, 1, 2, 3]
    finally:
        await db.close()


async def test_a_docx_and_a_pdf_import_with_their_headings_and_page_progress(
    db_target: Path | str,
    tmp_path: Path,
) -> None:
    from tests.unit.test_guide_extract import TWO_PAGES, make_docx, p

    body = (
        p("دليل خدمات البحث الاجتماعي", "Title")
        + p("الزيارات المنزلية", "1")
        + p("يزور الباحث الاجتماعي الأسرة خلال أسبوع من تقديم الطلب.")
        + p("يكتب الباحث تقريره ويرفعه للجنة.")
    )
    docx = tmp_path / "research.docx"
    docx.write_bytes(make_docx(body))
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(TWO_PAGES)
    db = database_at(db_target)
    await db.open()
    try:
        seen: list[tuple[float, int, str]] = []
        results = await GuideImporter(db, FakeClock()).import_paths(
            [docx, pdf], lambda *a: seen.append(a)
        )
        assert [r.error for r in results] == [None, None]
        assert results[0].title == "دليل خدمات البحث الاجتماعي"
        async with db.reading() as conn:
            stored = await Guides(conn).passages()
        visits = [s.text for s in stored if s.heading == "الزيارات المنزلية"]
        assert len(visits) == 2 and visits[0].startswith("يزور الباحث")
        # The PDF's pages move the bar within its file: 1 + 0/2, then 1 + 1/2.
        assert (1.5, 2, "guide.pdf") in seen and seen[-1] == (2, 2, "")
    finally:
        await db.close()
