"""The form engine: navigation over the profile's fields and answer checks per kind."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.config import load_profile
from bot.services.forms import FileInfo, FormEngine, RawAnswer
from bot.services.validators import ValidationError
from domain.models import REVIEW, Draft, DraftStage, Step

TODAY = date(2026, 11, 22)


@pytest.fixture
def engine() -> FormEngine:
    return FormEngine(load_profile("sample")[0])


def test_navigation(engine: FormEngine) -> None:
    assert engine.first_key() == "full_name"
    assert engine.next_key("full_name") == "national_id"
    assert engine.previous_key("full_name") is None
    assert engine.next_key("medical_report") is None
    assert engine.position("mobile") == 3
    assert engine.first_unanswered({"full_name": "x"}) == "national_id"


def _draft(stage: DraftStage, field_key: str | None, editing: bool = False) -> Draft:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    return Draft(1, 7, stage, field_key, editing, {}, 1, 0, now, now)


@pytest.mark.parametrize("form", ["request", "volunteer"])
def test_every_form_walks_its_questions_in_order_then_to_the_review(form: str) -> None:
    profile = load_profile("sample")[0]
    assert profile.volunteer_form is not None
    engine = FormEngine(profile, profile.volunteer_form if form == "volunteer" else None)
    asked, key = [], engine.first_key()
    step = Step(DraftStage.ANSWERING, key, editing=False)
    while step.field_key is not None:
        asked.append(step.field_key)
        step = engine.after_answer(_draft(step.stage, step.field_key), step.field_key)
    assert asked == [f.key for f in engine.fields] and step == REVIEW
    # Back: from the review to the last question, then one by one, never before the first.
    here = engine.back(_draft(DraftStage.REVIEWING, None))
    assert here == Step(DraftStage.ANSWERING, engine.fields[-1].key, editing=False)
    first = engine.first_key()
    assert engine.back(_draft(DraftStage.ANSWERING, first)).field_key == first
    # A question changed from the review goes back to the review, whichever it was.
    for f in engine.fields:
        assert engine.edit(f.key) == Step(DraftStage.ANSWERING, f.key, editing=True)
        assert engine.after_answer(_draft(DraftStage.ANSWERING, f.key, True), f.key) == REVIEW


@pytest.mark.parametrize("typed", ["Food basket", "سلة غذائية", "4", "٤", " food BASKET "])
def test_a_choice_can_be_typed(engine: FormEngine, typed: str) -> None:
    field = engine.field("service_type")
    assert engine.validate(field, RawAnswer(text=typed), TODAY) == "food_basket"


def test_a_choice_outside_the_options_is_refused(engine: FormEngine) -> None:
    field = engine.field("service_type")
    for raw in (RawAnswer(text="9"), RawAnswer(choice="spaceship"), RawAnswer(other="sticker")):
        with pytest.raises(ValidationError) as caught:
            engine.validate(field, raw, TODAY)
        assert caught.value.code == "answer.need_choice"


def _file(kind: str, mime: str | None, size: int | None) -> RawAnswer:
    return RawAnswer(file=FileInfo(kind, "id", "uid", "f", mime, size))


def test_files(engine: FormEngine) -> None:
    field = engine.field("id_document")
    stored = engine.validate(field, _file("photo", None, 1000), TODAY)
    assert stored["mime_type"] == "image/jpeg" and stored["file_unique_id"] == "uid"
    assert engine.validate(field, _file("document", "application/pdf", 20 * 1024 * 1024), TODAY)
    for raw, code in [
        (_file("document", "application/pdf", 20 * 1024 * 1024 + 1), "file.too_large"),
        (_file("document", "application/zip", 10), "file.type"),
        (_file("document", None, 10), "file.type"),
        (RawAnswer(text="here"), "answer.need_file"),
    ]:
        with pytest.raises(ValidationError) as caught:
            engine.validate(field, raw, TODAY)
        assert caught.value.code == code


def test_dates_are_stored_in_both_calendars(engine: FormEngine) -> None:
    field = engine.field("birth_date")
    stored = engine.validate(field, RawAnswer(text="١٤١٠/٠٥/٢٠"), TODAY)
    assert stored["calendar"] == "hijri"
    assert stored["hijri"] == "1410-05-20"
    assert date.fromisoformat(stored["gregorian"]).year == 1989
    with pytest.raises(ValidationError) as caught:
        engine.validate(field, RawAnswer(text="2026-11-23"), TODAY)  # tomorrow
    assert caught.value.code == "date.too_late"
