"""The form engine: the profile's fields in order, and each answer checked against its field.

Plain Python: it takes what the beneficiary sent as a RawAnswer and returns the value to
store (JSON-ready), or raises ValidationError with a code the handlers translate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from bot.profile import FieldKind, Form, FormField, Profile
from bot.services.validators import (
    ValidationError,
    clean_text,
    parse_date,
    parse_integer,
    parse_mobile,
    parse_national_id,
    parse_text,
    strip_diacritics,
)
from domain.models import REVIEW, Draft, DraftStage, Step

TEXT_KINDS = frozenset(
    {FieldKind.TEXT, FieldKind.NUMBER, FieldKind.MOBILE, FieldKind.NATIONAL_ID, FieldKind.DATE}
)


@dataclass(frozen=True)
class FileInfo:
    kind: str  # "photo" or "document"
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None


@dataclass(frozen=True)
class RawAnswer:
    """What a message or button carried, stripped of Telegram types."""

    text: str | None = None
    choice: str | None = None
    file: FileInfo | None = None
    other: str | None = None  # a kind the form cannot use: sticker, voice, location...


class FormEngine:
    """Walks a form's fields (the request form unless another is given) and validates answers."""

    def __init__(self, profile: Profile, form: Form | None = None) -> None:
        self.profile = profile
        self.fields = (form or profile.form).fields
        self._index = {f.key: i for i, f in enumerate(self.fields)}

    def field(self, key: str) -> FormField:
        return self.fields[self._index[key]]

    def has(self, key: str | None) -> bool:
        return key is not None and key in self._index

    def position(self, key: str) -> int:
        """Return the 1-based number of the question."""
        return self._index[key] + 1

    def first_key(self) -> str:
        return self.fields[0].key

    def next_key(self, key: str) -> str | None:
        i = self._index[key] + 1
        return self.fields[i].key if i < len(self.fields) else None

    def previous_key(self, key: str) -> str | None:
        i = self._index[key] - 1
        return self.fields[i].key if i >= 0 else None

    def first_unanswered(self, answers: dict[str, Any]) -> str | None:
        """Return the first required field without an answer (None: the form is complete)."""
        for f in self.fields:
            if f.key not in answers and f.required:
                return f.key
        return None

    # Where a draft goes next: the same walk for every form, whichever table keeps it.

    def after_answer(self, draft: Draft, field_key: str) -> Step:
        """After field_key is answered or skipped: the next question, or the review after
        the last one or after an answer changed from the review."""
        next_key = None if draft.editing else self.next_key(field_key)
        if next_key is not None:
            return Step(DraftStage.ANSWERING, next_key, editing=False)
        return REVIEW

    def back(self, draft: Draft) -> Step:
        """The previous question (from the review: the last question)."""
        if draft.stage is DraftStage.REVIEWING or draft.field_key is None:
            target = self.fields[-1].key
        else:
            target = self.previous_key(draft.field_key) or draft.field_key
        return Step(DraftStage.ANSWERING, target, editing=False)

    @staticmethod
    def edit(field_key: str) -> Step:
        """One question asked again from the review screen."""
        return Step(DraftStage.ANSWERING, field_key, editing=True)

    def validate(self, form_field: FormField, raw: RawAnswer, today: date) -> Any:
        """Return the value to store for this answer, or raise ValidationError."""
        kind = form_field.kind
        if kind in (FieldKind.PHOTO, FieldKind.DOCUMENT):
            return self._validate_file(form_field, raw)
        if kind is FieldKind.CHOICE:
            return self._validate_choice(form_field, raw)
        if raw.text is None:
            raise ValidationError("answer.need_text")
        text = raw.text
        if kind is FieldKind.TEXT:
            return parse_text(
                text,
                min_length=form_field.min_length,
                max_length=form_field.max_length,
                letters_only=form_field.letters_only,
            )
        if kind is FieldKind.NUMBER:
            return parse_integer(text, minimum=form_field.minimum, maximum=form_field.maximum)
        if kind is FieldKind.MOBILE:
            return parse_mobile(text)
        if kind is FieldKind.NATIONAL_ID:
            return parse_national_id(text)
        if kind is FieldKind.DATE:
            parsed = parse_date(
                text,
                minimum=today if form_field.not_before else None,
                maximum=today if form_field.not_after else None,
            )
            return {
                "gregorian": parsed.gregorian.isoformat(),
                "hijri": "{:04d}-{:02d}-{:02d}".format(*parsed.hijri),
                "calendar": parsed.calendar,
            }
        raise AssertionError(f"unhandled field kind {kind}")  # pragma: no cover

    def _validate_choice(self, form_field: FormField, raw: RawAnswer) -> str:
        options = self.profile.options_for(form_field)
        keys = {o.key for o in options}
        if raw.choice is not None:
            if raw.choice in keys:
                return raw.choice
            raise ValidationError("answer.need_choice")
        if raw.text is not None:
            # A typed answer may name an option (in either language) or give its number.
            wanted = _fold(raw.text)
            for number, option in enumerate(options, start=1):
                labels = {_fold(option.label.ar), _fold(option.label.en), str(number)}
                if wanted in labels:
                    return option.key
            try:
                number = parse_integer(raw.text, minimum=1, maximum=len(options))
            except ValidationError:
                pass
            else:
                return options[number - 1].key
        raise ValidationError("answer.need_choice")

    def _validate_file(self, form_field: FormField, raw: RawAnswer) -> dict[str, Any]:
        file = raw.file
        if file is None:
            raise ValidationError("answer.need_file")
        accept = form_field.accept or ("image/jpeg", "image/png")
        mime = file.mime_type or ("image/jpeg" if file.kind == "photo" else None)
        if mime is None or mime.lower() not in accept:
            raise ValidationError("file.type", accepted=", ".join(_short_types(accept)))
        if file.size is not None and file.size > form_field.max_size_mb * 1024 * 1024:
            raise ValidationError("file.too_large", max_mb=form_field.max_size_mb)
        return asdict(file) | {"mime_type": mime}


def _fold(text: str) -> str:
    return strip_diacritics(clean_text(text)).casefold()


def _short_types(mimes: tuple[str, ...]) -> list[str]:
    names = {"image/jpeg": "JPG", "image/png": "PNG", "application/pdf": "PDF"}
    return [names.get(m, m) for m in mimes]
