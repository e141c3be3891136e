"""The steps every form's buttons share: a choice, skip, back, edit, review.

The request form and the volunteer form keep their drafts in their own tables and end
differently (a signed declaration, a sign-up card), but walk their questions the same
way: both services offer these steps (the walk itself is FormEngine's).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from bot.i18n import Translator
from bot.services.forms import FormEngine, RawAnswer
from bot.services.validators import ValidationError
from conversations import form_screens as screens
from domain.models import Draft, DraftStage

SHARED_ACTIONS = frozenset({"choose", "skip", "back", "edit", "review"})


class Steps(Protocol):
    async def record_answer(
        self, draft: Draft, field_key: str, value: Any, message_id: int | None = None
    ) -> Draft: ...

    async def skip(self, draft: Draft, field_key: str) -> Draft: ...

    async def go_back(self, draft: Draft) -> Draft: ...

    async def edit(self, draft: Draft, field_key: str) -> Draft: ...

    async def review(self, draft: Draft) -> Draft: ...


async def take_step(
    steps: Steps,
    form: FormEngine,
    tr: Translator,
    draft: Draft,
    action: str,
    arg: str | None,
    today: date,
) -> Draft | str:
    """Apply a shared step: the draft after it, or the error to show with the same screen.
    An action that does not apply where the draft stands (a choice on the review screen,
    skipping a required question, editing a question that does not exist) changes nothing."""
    if action == "choose" and draft.stage is DraftStage.ANSWERING and draft.field_key:
        form_field = form.field(draft.field_key)
        try:
            value = form.validate(form_field, RawAnswer(choice=arg), today)
        except ValidationError as err:
            return screens.error_text(tr, form_field, err)
        return await steps.record_answer(draft, form_field.key, value)
    if action == "skip" and draft.field_key and not form.field(draft.field_key).required:
        return await steps.skip(draft, draft.field_key)
    if action == "back":
        return await steps.go_back(draft)
    if action == "edit" and arg and arg.isdigit() and int(arg) < len(form.fields):
        return await steps.edit(draft, form.fields[int(arg)].key)
    if action == "review":
        return await steps.review(draft)
    return draft
