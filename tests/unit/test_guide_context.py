"""Headings, lead-ins and tables: what a passage is about stays with it, in every format."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.faq import semantic
from bot.services.faq.answerer import Answerer, Outcome
from bot.services.faq.evaluate import EvalPassage, passages_from
from bot.services.guides.extract import Line
from bot.services.guides.importer import GuideImporter
from bot.services.guides.wrapping import join_wrapped
from storage.db import database_at
from storage.guides import Guides
from tests.support import FakeClock

MARKDOWN = """# دليل جمعية المثال

## التعريفات
يُقصد بالألفاظ الآتية أينما وردت في هذا الدليل المعاني المبينة أمام كل منها:
- الوصي: من يتولى شؤون اليتيم بموجب صك.
- الأسرة: الأيتام ووالدتهم.

## شروط الاستحقاق
يُشترط لقبول الطلب ما يلي:
- أن يكون المتقدم سعودي الجنسية.
- ألا يزيد دخل الأسرة على الحد المبين في الجدول.

### حدود الدخل
| عدد أفراد الأسرة | الحد الأعلى للدخل |
|---|---|
| 3 | 4500 |
| 5 | 6000 |
"""

TEXT = """دليل برنامج التمكين

أولاً: مقدمة
يهدف البرنامج إلى تمكين المرأة اقتصادياً.

ثانياً: شروط الالتحاق
يشترط لقبول المتقدمة أن تتوافر فيها الشروط الآتية:
- أن تكون مقيمة في المحافظة.
- ألا يقل عمرها عن ثماني عشرة سنة.

2-1 قائمة الانتظار
تدرج المتقدمة المؤهلة في قائمة الانتظار لمدة ستة أشهر.

اسم الدورة\tالمدة
الخياطة\t8 أسابيع
التسويق الإلكتروني\t3 أسابيع
"""


@pytest.fixture
def guides(tmp_path: Path) -> list[Path]:
    md = tmp_path / "orphans.md"
    md.write_text(MARKDOWN, encoding="utf-8")
    txt = tmp_path / "women.txt"
    txt.write_text(TEXT, encoding="utf-8")
    return [md, txt]


def _read(tmp_path: Path, name: str, text: str) -> list[EvalPassage]:
    """The passages of a guide file written with this text."""
    guide = tmp_path / name
    guide.write_text(text, encoding="utf-8")
    return passages_from([guide])


def test_a_lead_in_under_a_heading_keeps_the_heading_and_introduces_each_bullet(
    guides: list[Path],
) -> None:
    passages = passages_from(guides[:1])
    guardian = next(p for p in passages if p.text.startswith("الوصي"))
    assert guardian.heading == "التعريفات"
    assert guardian.lead.startswith("يُقصد بالألفاظ الآتية")
    saudi = next(p for p in passages if "سعودي الجنسية" in p.text and p.kind == "bullet")
    assert saudi.heading == "شروط الاستحقاق" and saudi.lead == "يُشترط لقبول الطلب ما يلي"
    # The whole list is an answer too: "what are the conditions?" asks for all of them.
    whole = next(p for p in passages if p.kind == "list" and "سعودي" in p.text)
    assert "الحد المبين" in whole.text


def test_a_subsection_keeps_its_parents_and_table_rows_name_their_columns(
    guides: list[Path],
) -> None:
    passages = passages_from(guides[:1])
    row = next(p for p in passages if "4500" in p.text)
    assert row.path == ("شروط الاستحقاق",) and row.heading == "حدود الدخل"
    assert row.text == "عدد أفراد الأسرة: 3، الحد الأعلى للدخل: 4500"
    assert not any("---" in p.text or p.text.startswith("|") for p in passages)


def test_plain_text_numbering_marks_headings_and_their_depth(guides: list[Path]) -> None:
    passages = passages_from(guides[1:])
    resident = next(p for p in passages if "مقيمة في المحافظة" in p.text and p.kind == "bullet")
    assert resident.heading == "ثانياً: شروط الالتحاق"
    assert resident.lead.startswith("يشترط لقبول المتقدمة")
    waiting = next(p for p in passages if "قائمة الانتظار لمدة" in p.text)
    assert waiting.heading == "2-1 قائمة الانتظار" and waiting.path == ("ثانياً: شروط الالتحاق",)
    sewing = next(p for p in passages if "الخياطة" in p.text)
    assert sewing.text == "اسم الدورة: الخياطة، المدة: 8 أسابيع"


def test_headings_answer_short_questions_in_the_guides_words(guides: list[Path]) -> None:
    passages = passages_from(guides)
    answerer = Answerer(passages, embedder=semantic.load())
    by_id = {p.id: p for p in passages}
    answer = answerer.answer("وش الشروط؟")
    assert answer.outcome is not Outcome.UNANSWERED and answer.best is not None
    assert "شروط" in by_id[answer.best.key].heading
    definitions = answerer.answer("وش معنى الوصي")
    assert definitions.best is not None and by_id[definitions.best.key].text.startswith("الوصي")


async def test_heading_paths_lead_ins_and_vectors_are_stored_at_import(
    db_target: Path | str, guides: list[Path], tmp_path: Path
) -> None:
    db = database_at(db_target)
    await db.open()
    try:
        results = await GuideImporter(db, FakeClock()).import_paths(guides)
        assert [r.error for r in results] == [None, None]
        async with db.reading() as conn:
            stored = await Guides(conn).passages()
            vectors = await Guides(conn).vectors(semantic.MODEL)
        row = next(p for p in stored if "4500" in p.text)
        assert row.path == ("شروط الاستحقاق",) and row.heading == "حدود الدخل"
        assert any(p.lead.startswith("يُشترط لقبول الطلب") for p in stored)
        assert set(vectors) == {p.id for p in stored}
        assert all(len(v) == 512 * 4 for v in vectors.values())
    finally:
        await db.close()


def test_an_english_guide_without_headings_answers_english_and_arabic_questions(
    tmp_path: Path,
) -> None:
    guide = tmp_path / "plain.txt"
    guide.write_text(
        "Applications are decided by the research committee within fourteen days.\n\n"
        "Beneficiaries may complain by email to care@example.org or by phone.\n\n"
        "The association is open from Sunday to Thursday, 8 am to 3 pm.\n",
        encoding="utf-8",
    )
    passages = passages_from([guide])
    assert len(passages) >= 3 and all(p.path == () for p in passages)
    answerer = Answerer(passages, embedder=semantic.load())
    by_id = {p.id: p for p in passages}
    for question in ("How long until the committee decides?", "when are you open"):
        answer = answerer.answer(question)
        assert answer.best is not None and answer.outcome is not Outcome.UNANSWERED
    decided = answerer.answer("How long until the committee decides?")
    assert decided.best is not None and "fourteen days" in by_id[decided.best.key].text
    # Long, greeting-only, emoji and mixed-script messages get an outcome, never an error.
    for text in (
        "طلب " * 1000,
        "السلام عليكم ورحمة الله وبركاته",
        "🙂🙂🙂",
        "ابي complain لو سمحت",
    ):
        assert answerer.answer(text).outcome in set(Outcome)
    assert answerer.answer("السلام عليكم ورحمة الله وبركاته").outcome is Outcome.EMPTY


def test_a_docx_keeps_its_heading_levels_and_lead_ins(tmp_path: Path) -> None:
    from tests.unit.test_guide_extract import make_docx, p

    body = (
        p("دليل الدعم", "Title")
        + p("الاستحقاق", "1")
        + p("شروط الاستحقاق", "Heading2")
        + p("يُشترط لقبول الطلب ما يلي:")
        + p("أن يكون المتقدم مقيمًا في المحافظة.", num="1")
        + p("ألا يقل عمر المتقدم عن إحدى وعشرين سنة.", num="1")
    )
    guide = tmp_path / "support.docx"
    guide.write_bytes(make_docx(body))
    passages = passages_from([guide])
    age = next(p for p in passages if "إحدى وعشرين" in p.text and p.kind == "bullet")
    assert age.path == ("الاستحقاق",) and age.heading == "شروط الاستحقاق"
    assert age.lead == "يُشترط لقبول الطلب ما يلي"


def test_a_bold_paragraph_of_its_own_is_a_heading_in_a_docx(tmp_path: Path) -> None:
    from tests.unit.test_guide_extract import make_docx, p

    def bold(text: str, tag: str = "w:bCs") -> str:
        return (
            f'<w:p><w:r><w:rPr><{tag}/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
        )

    body = (
        bold("دليل الدعم")  # a bold first line is the title (the file has no metadata)
        + bold("شروط الاستحقاق")
        + p("أن يكون المتقدم مقيمًا في المحافظة.")
        + bold("التواصل", "w:b")
        + p("الهاتف 920000000")
        + p(
            "بعض النص",
            extra='<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> المهم</w:t></w:r>',
        )
    )
    guide = tmp_path / "support.docx"
    guide.write_bytes(make_docx(body, core=False))
    passages = passages_from([guide])
    assert {p.guide_title for p in passages} == {"دليل الدعم"}
    by_text = {p.text: p for p in passages}
    assert by_text["أن يكون المتقدم مقيمًا في المحافظة."].heading == "شروط الاستحقاق"
    assert by_text["الهاتف 920000000"].heading == "التواصل"
    assert "بعض النص المهم" in by_text  # one bold word does not make a heading


def test_a_pdf_keeps_numbered_headings_and_lead_ins(tmp_path: Path) -> None:
    from tests.unit.test_guide_extract import make_pdf

    guide = tmp_path / "support.pdf"
    guide.write_bytes(
        make_pdf(
            [
                [
                    b"Support Guide",
                    b"",
                    b"Part 1: Eligibility",
                    b"The applicant must meet the following conditions:",
                    b"- live in the province for two years",
                    b"- be at least twenty-one years old",
                    b"1.1 Income limits",
                    b"A family of five may earn up to six thousand riyals a month.",
                ]
            ]
        )
    )
    passages = passages_from([guide])
    years = next(p for p in passages if "twenty-one" in p.text and p.kind == "bullet")
    assert years.heading == "Part 1: Eligibility"
    assert years.lead == "The applicant must meet the following conditions"
    income = next(p for p in passages if "six thousand" in p.text)
    assert income.heading == "1.1 Income limits" and income.path == ("Part 1: Eligibility",)


def test_a_plain_heading_line_keeps_its_words_when_a_lead_in_follows(tmp_path: Path) -> None:
    guide = tmp_path / "plain.txt"
    guide.write_text(
        "دليل المستفيد\n\nتمهيد\n\nيوضح هذا الدليل حقوق المستفيد.\n\nالتعريفات\n\n"
        "يقصد بالألفاظ الآتية المعاني المبينة أمامها:\n- الوصي: ولي أمر اليتيم.\n"
        "- الأسرة: الأيتام ووالدتهم.\n",
        encoding="utf-8",
    )
    guardian = next(p for p in passages_from([guide]) if p.text.startswith("الوصي"))
    assert guardian.heading == "التعريفات"
    assert guardian.lead == "يقصد بالألفاظ الآتية المعاني المبينة أمامها"


def test_a_short_line_right_above_its_paragraph_is_a_heading(tmp_path: Path) -> None:
    # Plain text often has no blank line under a heading; the title stays the title.
    passages = _read(
        tmp_path,
        "plain.md",
        "Green Valley Food Bank - Beneficiary Guide\n\n"
        "Who can register\nFamilies in Abha whose income per person is below 1,200 riyals.\n\n"
        "Documents\nBring the national ID of the head of the family and the family record.\n\n"
        "Documents we return\n- The original deed\n- The salary certificate\n",
    )
    assert {p.guide_title for p in passages} == {"Green Valley Food Bank - Beneficiary Guide"}
    by_text = {p.text.split()[0]: p for p in passages}
    assert by_text["Families"].heading == "Who can register"
    assert by_text["Bring"].heading == "Documents"
    assert by_text["The"].heading == "Documents we return"
    assert all(p.text not in ("Documents", "Who can register") for p in passages)


def test_a_table_drawn_with_pipes_in_plain_text_is_read_as_rows(tmp_path: Path) -> None:
    # «1 - 2 | 3000 ريال» is a row, not a subsection «1-2»; the plain heading above the
    # lead-in stays the section's heading, not a second title line.
    passages = _read(
        tmp_path,
        "plain.txt",
        "دليل الخدمات\n\nحدود الدخل\nيحدد الحد الأعلى للدخل حسب عدد أفراد الأسرة كما يلي:\n"
        "عدد الأفراد | الحد الأعلى للدخل\n1 - 2 | 3000 ريال\n3 - 4 | 4500 ريال\n\n"
        "التواصل\nالرقم الموحد 920000000 من الأحد إلى الخميس.\n",
    )
    assert {p.guide_title for p in passages} == {"دليل الخدمات"}
    row = next(p for p in passages if p.kind == "bullet" and "4500" in p.text)
    assert row.text == "عدد الأفراد: 3 - 4، الحد الأعلى للدخل: 4500 ريال"
    assert row.heading == "حدود الدخل"
    assert row.lead == "يحدد الحد الأعلى للدخل حسب عدد أفراد الأسرة كما يلي"
    # One line with a "|" in it is not a table.
    single = _read(tmp_path, "one.txt", "التواصل\n\nالهاتف 920000000 | البريد care@example.org\n")
    (contact,) = [p for p in single if "920000000" in p.text]
    assert contact.text == "الهاتف 920000000 | البريد care@example.org"


def test_a_bold_line_of_its_own_is_a_heading_in_markdown(tmp_path: Path) -> None:
    passages = _read(
        tmp_path,
        "bold.md",
        "# دليل المستفيد\n\n**شروط التسجيل**\nأن يكون المتقدم سعودي الجنسية\n\n"
        "__التواصل__\nالهاتف: 920000000\n\n**الوصي:** من يتولى شؤون اليتيم.\n",
    )
    by_text = {p.text: p for p in passages}
    assert by_text["أن يكون المتقدم سعودي الجنسية"].heading == "شروط التسجيل"
    assert by_text["الهاتف: 920000000"].heading == "التواصل"
    # Bold words leading a sentence are not a heading.
    assert "الوصي: من يتولى شؤون اليتيم." in by_text


WRAPPED = (
    "Green Valley Food Bank Guide\n\n"
    "Eligibility\n"
    "Families living in the city of Abha whose monthly income per\n"
    "person is below 1,200 riyals can register with the bank, and\n"
    "a family registers once and renews its file every twelve\n"
    "months at the warehouse or through the website.\n\n"
    "Baskets\n"
    "Each registered family receives one food basket every month\n"
    "and families of six or more receive two baskets, collected\n"
    "from the warehouse on the first Saturday of every month by\n"
    "the head of the family or someone with a written proxy.\n"
)


def test_a_guide_wrapped_at_a_width_is_read_in_paragraphs(tmp_path: Path) -> None:
    # Saved from an editor that wraps: a sentence is one passage again, and the heading
    # above its paragraph is seen.
    passages = _read(tmp_path, "wrapped.txt", WRAPPED)
    assert {p.guide_title for p in passages} == {"Green Valley Food Bank Guide"}
    income = next(p for p in passages if "1,200 riyals" in p.text)
    assert "income per person is below" in income.text and income.heading == "Eligibility"
    baskets = next(p for p in passages if "two baskets" in p.text)
    assert baskets.text.endswith("someone with a written proxy.")
    assert baskets.heading == "Baskets"


def test_a_list_of_lines_without_full_stops_is_not_taken_for_wrapped_text() -> None:
    # Guides often leave the full stop off list lines; short ones make no width.
    items = [
        "صورة الهوية الوطنية لرب الأسرة",
        "صورة سجل الأسرة كاملا",
        "تعريف بالراتب أو إفادة الضمان الاجتماعي",
        "عقد الإيجار الموثق إن وجد",
        "تقرير طبي حديث لمن لديه مرض مزمن",
        "صورة صك الولاية أو الوصاية",
        "فاتورة الكهرباء لآخر شهر",
        "رقم الآيبان باسم المستفيد",
        "شهادة وفاة الأب عند الحاجة",
    ]
    lines = [Line(text) for text in items]
    assert join_wrapped(lines) == lines


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab .:\n", max_size=90), max_size=30))
def test_joining_wrapped_lines_keeps_every_word_in_order(texts: list[str]) -> None:
    lines = [Line(t.replace("\n", " ")) for t in texts]
    joined = join_wrapped(lines)
    assert " ".join(ln.text for ln in joined).split() == " ".join(t.text for t in lines).split()


def test_the_tens_alone_number_a_part(tmp_path: Path) -> None:
    passages = _read(
        tmp_path,
        "plain.txt",
        "دليل البرنامج\n\nتاسع عشر: الخصوصية\n- تحفظ البيانات بسرية.\n\n"
        "عشرون: قنوات التواصل\n- الرقم الموحد: 920000000.\n",
    )
    phone = next(p for p in passages if "920000000" in p.text)
    assert phone.heading == "عشرون: قنوات التواصل" and phone.path == ()


async def test_a_device_or_a_pipe_is_refused_before_it_is_read(
    db_target: Path | str, tmp_path: Path
) -> None:
    import os

    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")  # reading it would never end
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)  # reading it would wait for a writer forever
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    db = database_at(db_target)
    await db.open()
    try:
        results = await GuideImporter(db, FakeClock()).import_paths([zero, pipe, folder])
        assert all(r.error and "not a regular file" in r.error for r in results)
    finally:
        await db.close()
