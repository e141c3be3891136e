"""The answerer on small guides and on the seed policies: outcomes, near-copies, cards,
bad input, the evaluation's arithmetic, and the two command-line tools."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.services.faq import answerer, semantic
from bot.services.faq.answerer import Answerer, Outcome
from bot.services.faq.evaluate import Case, EvalPassage, evaluate, padding
from bot.services.faq.service import mask_digits

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "fixtures" / "faq_dev.jsonl"
HELD_OUT = ROOT / "tests" / "fixtures" / "faq_heldout.jsonl"
SEED_GUIDES = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("00*.txt"))

PASSAGES = [
    EvalPassage(1, "مواعيد الصرف", "تصرف المساعدات الشهرية في الأسبوع الأول من كل شهر.", (), "د"),
    EvalPassage(2, "مواعيد الصرف", "تصرف المساعدات الشهرية في الأسبوع الأول من كل شهر", (), "ه"),
    EvalPassage(3, "التسجيل", "يقدم طلب التسجيل عبر الموقع الإلكتروني للجمعية.", (), "د"),
    EvalPassage(4, "التطوع", "نرحب بالمتطوعين في برامج الجمعية وفعالياتها.", (), "د"),
    EvalPassage(
        5, "أوقات الدوام", "من الأحد إلى الخميس.", ("وش اوقات الدوام", "opening hours"), "بطاقات"
    ),
]


@pytest.fixture(scope="module")
def small() -> Answerer:
    return Answerer(PASSAGES, embedder=semantic.load())


def test_a_clear_question_is_answered_with_the_matching_passage(small: Answerer) -> None:
    answer = small.answer("متى تصرفون المساعدات الشهرية؟")
    assert answer.outcome is Outcome.ANSWERED
    assert answer.best is not None and answer.best.key in (1, 2)


def test_near_copies_from_two_guides_are_one_answer(small: Answerer) -> None:
    keys = [hit.key for hit in small.answer("المساعدات الشهرية").hits]
    assert len({1, 2} & set(keys)) == 1


def test_a_card_answers_by_its_phrasings_in_either_language(small: Answerer) -> None:
    for question in ("وش أوقات الدوام عندكم؟", "What are your opening hours?"):
        answer = small.answer(question)
        assert answer.outcome is Outcome.ANSWERED and answer.best is not None
        assert answer.best.key == 5, question


def test_what_the_guides_do_not_mention_is_refused(small: Answerer) -> None:
    assert small.answer("كم سعر تذكرة الطيران لباريس").outcome is Outcome.UNANSWERED
    assert small.answer("what is the weather in Paris tomorrow").outcome is Outcome.UNANSWERED
    # Near the guides' words (the monthly aid) but not in them: never answered outright.
    assert small.answer("هل تعطون قروض بدون فوايد؟").outcome is not Outcome.ANSWERED
    assert small.answer("Do you pay electricity bills?").outcome is Outcome.UNANSWERED


@pytest.mark.parametrize("text", ["🙂🙂", "...", "السلام عليكم", "hello", "\u200b", ""])
def test_greetings_emoji_and_blanks_are_not_questions(small: Answerer, text: str) -> None:
    assert small.answer(text).outcome is Outcome.EMPTY


def test_arabizi_is_read_in_arabic_letters(small: Answerer) -> None:
    answer = small.answer("abi at6awa3 ma3akum")
    assert answer.arabizi
    assert answer.best is not None and answer.best.key == 4


def test_words_of_how_people_write_are_not_evidence_against_an_answer(small: Answerer) -> None:
    # «المهم» and «يعني» are how the message runs on, not what it asks: the guides'
    # silence about them neither counts as an unknown word nor lowers the coverage.
    plain = small.answer("متى تصرفون المساعدات الشهرية")
    chatty = small.answer("المهم يعني متى تصرفون المساعدات الشهرية")
    assert chatty.ranking.unknown == []
    assert chatty.signals.coverage == pytest.approx(plain.signals.coverage)
    # A topic word the guides lack still counts against.
    assert small.answer("متى تصرفون المساعدات الشهرية للحجاج").ranking.unknown == ["للحجاج"]


class _Fixed:
    """An embedder that puts every question at one point (a unit test's stand-in)."""

    name = "fixed"

    def encode(self, texts: Sequence[str]) -> semantic.Matrix:
        return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))


def test_the_best_passage_has_its_cosine_even_beyond_the_semantic_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sentence vectors put two other passages first; the words find passage 1, which
    # wins the fusion. Its cosine (0.6) is a signal of the confidence: not a 0 because
    # it fell outside the vectors' pool.
    monkeypatch.setattr(answerer, "POOL", 2)
    passages = [
        EvalPassage(1, "التطوع", "نرحب بالمتطوعين في برامج الجمعية.", (), "د"),
        EvalPassage(2, "الدوام", "من الأحد إلى الخميس.", (), "د"),
        EvalPassage(3, "الموقع", "في حي الريان.", (), "د"),
    ]
    vectors = {1: [0.6, 0.8], 2: [1.0, 0.0], 3: [1.0, 0.0]}
    answer = Answerer(
        passages,
        embedder=_Fixed(),
        vectors={k: np.array(v, dtype=np.float32) for k, v in vectors.items()},
    ).answer("المتطوعين")
    assert answer.best is not None and answer.best.key == 1
    assert answer.signals.cosine == pytest.approx(0.6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=4000))
def test_any_text_gets_an_outcome(text: str) -> None:
    answer = Answerer(PASSAGES).answer(text)
    assert answer.outcome in Outcome
    assert len(answer.hits) <= 3


def test_names_in_latin_letters_are_spelt_as_the_guides_spell_them() -> None:
    passages = [
        EvalPassage(1, "من نحن", "جمعية ترياق للخدمات الصحية، ترخيص رقم (5389)", (), "د"),
        EvalPassage(2, "التطوع", "نرحب بالمتطوعين في برامج الجمعية.", (), "د"),
    ]
    answer = Answerer(passages).answer("What is the licence number of Tiryaq?")
    assert answer.best is not None and answer.best.key == 1
    assert answer.outcome is Outcome.ANSWERED


def test_the_evaluation_counts_what_it_says() -> None:
    cases = [
        Case("متى تصرفون المساعدات الشهرية", ("الأسبوع الأول",), True),
        Case("كيف اسجل", ("الموقع الإلكتروني",), True),
        Case("كم سعر تذكرة الطيران لباريس", (), False),
        Case("ابي اتطوع", ("خدمة التطوع",), True),  # the passage says «بالمتطوعين»: wrong
    ]
    report = evaluate(Answerer(PASSAGES, embedder=semantic.load()), PASSAGES, cases)
    assert (report.answerable, report.unanswerable) == (3, 1)
    assert (report.top1, report.top3, report.handed, report.refused) == (2, 2, 1, 0)
    assert len(report.latencies) == 3 * len(cases)


def test_padding_adds_sections_of_made_up_words() -> None:
    extra = padding(PASSAGES, 50)
    assert len(extra) == 50 and len({p.id for p in extra}) == 50
    assert min(p.id for p in extra) > max(p.id for p in PASSAGES)


def test_digits_that_could_be_an_id_or_a_phone_are_masked() -> None:
    assert (
        mask_digits("رقمي ١٠٢٣٤٥٦٧٨٩ وجوالي 055 123 4567") == "رقمي •••••••••• وجوالي ••••••••••••"
    )
    assert mask_digits("عندي 5 أطفال منذ 2020") == "عندي 5 أطفال منذ 2020"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("TAWASUL_DATABASE", str(tmp_path / "t.sqlite3"))
    root = logging.getLogger()  # the command line configures logging: put it back after
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    return tmp_path


FIGURES = (
    "top-1 accuracy",
    "top-3 accuracy",
    "unanswerable handed to person",
    "answerable wrongly refused",
    "median latency",
)


def _figures(printed: str) -> dict[str, float]:
    """Return the first figure of each summary line (the share before its interval)."""
    out: dict[str, float] = {}
    for line in printed.splitlines():
        name, _, rest = line.partition(":")
        if name.strip() in FIGURES and name.strip() not in out:
            out[name.strip()] = float(rest.split()[0])
    return out


def test_faq_eval_meets_the_targets_on_the_dev_questions(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = [str(p) for p in SEED_GUIDES]
    args = ["faq-eval", str(DEV), "--sections", "200", "--repeats", "0"]
    assert main([*args, "--guides", *seeds]) == 0
    figures = _figures(capsys.readouterr().out)
    # Measured: 0.967, 1.000, 0.500, 0.000.  The confidence model refuses less than the
    # coverage rule it replaced (which handed 1.000 but refused 0.20 of the held-out).
    assert figures["top-1 accuracy"] >= 0.9
    assert figures["top-3 accuracy"] >= 0.95
    assert figures["unanswerable handed to person"] >= 0.45
    assert figures["answerable wrongly refused"] <= 0.05
    assert "median latency" in figures  # measured; its size is the benchmark's business


def test_held_out_questions_stay_at_their_measured_level(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Written apart from the ranker and its word lists (see README); these floors sit a
    # little under what was measured (0.844, 0.667, 0.000; before this ranker 0.689,
    # 1.000, 0.200) to catch a regression.
    seeds = [str(p) for p in SEED_GUIDES]
    args = ["faq-eval", str(HELD_OUT), "--sections", "0", "--repeats", "0"]
    assert main([*args, "--guides", *seeds]) == 0
    figures = _figures(capsys.readouterr().out)
    assert figures["top-1 accuracy"] >= 0.78
    assert figures["unanswerable handed to person"] >= 0.6
    assert figures["answerable wrongly refused"] <= 0.1


BLIND = ROOT / "tests" / "fixtures" / "blind"


@pytest.mark.parametrize(
    ("questions", "guides", "floor"),
    [
        # Held-out halves of the first blind bed, and the second bed whole; floors a
        # little under what was measured (0.487, 0.523, 0.540, 0.692; 0.634, 0.683).
        ("orphan_care.jsonl", ["guides/orphan_care.md"], 0.44),
        ("housing.jsonl", ["guides/housing.md"], 0.47),
        ("women_empowerment.jsonl", ["guides/women_empowerment.txt"], 0.48),
        ("seed_chatty.jsonl", [], 0.62),
        ("../blind2/disability.jsonl", ["../blind2/guides/disability.txt"], 0.58),
        ("../blind2/food_bank.jsonl", ["../blind2/guides/food_bank.md"], 0.63),
    ],
)
def test_blind_held_out_questions_stay_at_their_measured_level(
    cli: Path, capsys: pytest.CaptureFixture[str], questions: str, guides: list[str], floor: float
) -> None:
    paths = [str(BLIND / g) for g in guides] or [str(p) for p in SEED_GUIDES]
    whole = questions.startswith("../blind2/")  # the second bed is held out whole
    args = ["faq-eval", str(BLIND / questions), "--sections", "0", "--repeats", "0"]
    args += [] if whole else ["--part", "held-out"]
    assert main([*args, "--guides", *paths]) == 0
    figures = _figures(capsys.readouterr().out)
    assert figures["top-1 accuracy"] >= floor


@pytest.mark.parametrize("bed", [BLIND, BLIND.with_name("blind2")])
def test_the_blind_sets_are_the_frozen_ones(bed: Path) -> None:
    # Written before any tuning; their hashes were committed with them (SHA256SUMS).
    lines = (bed / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 4
    for line in lines:
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((bed / name).read_bytes()).hexdigest() == digest, name


def test_import_guides_reports_each_file_and_lists_the_guides(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = cli / "hours.yaml"
    good.write_text("cards:\n  - questions: [متى تفتحون]\n    answer: الثامنة\n", "utf-8")
    empty = cli / "empty.txt"
    empty.write_bytes(b"")
    assert main(["import-guides", str(good), str(empty)]) == 1
    captured = capsys.readouterr()
    assert "✓ hours.yaml imported: «hours», 1 sections, 1 passages" in captured.out
    assert "✗" in captured.err and "the file is empty" in captured.err
    assert main(["import-guides", "--list"]) == 0
    assert "hours\tcards\t1 sections\t1 passages" in capsys.readouterr().out
    assert main(["import-guides", "--remove", "hours"]) == 0
    assert main(["import-guides", "--remove", "hours"]) == 1


async def test_a_question_belongs_to_its_asker_and_is_kept_without_long_digits(
    db_target: Path | str,
    tmp_path: Path,
) -> None:
    from bot.services.faq.service import FaqService
    from storage.db import database_at
    from tests.support import FakeClock

    db = database_at(db_target)
    await db.open()
    try:
        guides = SEED_GUIDES
        service = FaqService(db, FakeClock(), defaults=guides)
        assert [r.error for r in await service.import_defaults()] == [None, None]
        assert await service.import_defaults() == []  # only into an empty database
        asked = await service.ask(1, "رقمي 1012345678 ، كم ياخذ وقت الرد على طلبي؟", 77)
        assert asked.question_id is not None and asked.passages
        qid, pid = asked.question_id, asked.passages[0].id
        # Buttons carry ids: another user's forged press changes nothing.
        assert await service.rate(2, qid, True) is False
        assert await service.choose(2, qid, pid) is None
        assert await service.hand_off(2, qid) is None
        assert await service.rate(1, qid, False) is True
        assert await service.hand_off(1, qid) == 77
        gaps = await service.gaps()
        assert [(g.reason, g.times) for g in gaps] == [("unhelpful", 1)]
        assert "1012345678" not in gaps[0].text and "••••••••••" in gaps[0].text
    finally:
        await db.close()
