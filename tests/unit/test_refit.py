"""A profile whose form changed under open drafts: answers that still fit are kept."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_profile
from bot.profile import Profile
from bot.services.requests import RequestService
from domain.models import DraftStage
from storage.db import database_at
from tests.support import FakeClock


def _without(profile: Profile, *keys: str) -> Profile:
    data = profile.model_dump(mode="json", exclude_defaults=False)
    data["form"]["fields"] = [f for f in data["form"]["fields"] if f["key"] not in keys]
    return Profile.model_validate(data)


async def test_a_removed_question_moves_the_draft_on(db_target: Path | str, tmp_path: Path) -> None:
    db = database_at(db_target)
    await db.open()
    try:
        profile, _ = load_profile("sample")
        old = RequestService(db, profile, clock=FakeClock())
        await old.enrol(9, 9, "Sam", "en")
        draft = await old.start_draft(9)
        draft = await old.record_answer(draft, "full_name", "Sam Ahmed")
        draft = await old.record_answer(draft, "national_id", "1000000008")
        assert draft.field_key == "mobile"
        # The association drops the mobile and ID questions from its form.
        new = RequestService(db, _without(profile, "mobile", "national_id"), clock=FakeClock())
        refitted = await new.draft(9)
        assert refitted is not None
        assert refitted.field_key == "birth_date"
        assert refitted.stage is DraftStage.ANSWERING
        assert refitted.answers == {"full_name": "Sam Ahmed"}
        assert (await new.draft(9)) == refitted  # written once, stable afterwards
    finally:
        await db.close()
