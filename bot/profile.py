"""The association profile: who the association is and what its form asks (validated YAML)."""

from __future__ import annotations

import re
from datetime import date, time
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LOCALES = ("ar", "en")
MAX_TELEGRAM_FILE_MB = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Strict):
    """A text the association writes itself, in every language the bot speaks."""

    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return self.en if locale == "en" else self.ar


class Choice(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    label: LocalText


# The days of a week of opening hours, in the order of date.weekday().
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*")


class TimeRange(_Strict):
    """Open from `start` to `end` ("08:00-15:00"); an `end` not after `start` is on the next
    day ("20:00-01:00", "16:00-24:00"), and `start` == `end` is a whole day from `start`."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        match = _RANGE.fullmatch(data)
        if match is None:
            raise ValueError(f"not a range of hours like '08:00-15:00': {data!r}")
        h1, m1, h2, m2 = map(int, match.groups())
        if (h2, m2) == (24, 0):
            h2 = 0  # the end of the day
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"not a time of day: {data!r}")
        return {"start": time(h1, m1), "end": time(h2, m2)}


class WeeklyHours(_Strict):
    """Opening hours by weekday in the association's time zone; a day not given is closed."""

    monday: tuple[TimeRange, ...] = ()
    tuesday: tuple[TimeRange, ...] = ()
    wednesday: tuple[TimeRange, ...] = ()
    thursday: tuple[TimeRange, ...] = ()
    friday: tuple[TimeRange, ...] = ()
    saturday: tuple[TimeRange, ...] = ()
    sunday: tuple[TimeRange, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _not_free_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and {"ar", "en"} & set(data):
            # Profiles before issue 15 described the hours in words; the bot now reads them.
            raise ValueError(
                "hours are given by weekday, e.g. sunday: ['08:00-15:00'] (a day left out is"
                " closed), not as text"
            )
        return data

    @model_validator(mode="after")
    def _some_day_open(self) -> Self:
        if not any(self.ranges(day) for day in range(7)):
            raise ValueError("no day has opening hours")
        return self

    def ranges(self, weekday: int) -> tuple[TimeRange, ...]:
        """The ranges of a day by date.weekday() (0 = Monday)."""
        ranges: tuple[TimeRange, ...] = getattr(self, WEEKDAYS[weekday])
        return ranges


class SocialAccount(_Strict):
    network: str = Field(min_length=1, max_length=32)  # as people know it: "X", "Instagram"
    handle: str = Field(min_length=1, max_length=64)
    url: str | None = Field(default=None, pattern=r"^https://\S+$")


class Contact(_Strict):
    phone: str | None = None
    whatsapp: str | None = None
    email: str | None = None
    website: str | None = None
    address: LocalText | None = None  # the head office
    postal_address: LocalText | None = None  # where letters go
    social: tuple[SocialAccount, ...] = ()
    # When the team answers (calls, messages relayed from the bot); the bot promises by it.
    hours: WeeklyHours | None = None


class Branch(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    name: LocalText
    address: LocalText
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    phone: str | None = None
    hours: WeeklyHours | None = None


class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    MOBILE = "mobile"
    NATIONAL_ID = "national_id"
    DATE = "date"
    PHOTO = "photo"
    DOCUMENT = "document"


FILE_KINDS = (FieldKind.PHOTO, FieldKind.DOCUMENT)


class DateBound(StrEnum):
    TODAY = "today"


class FormField(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")
    kind: FieldKind
    label: LocalText  # short: the review screen and the staff card
    question: LocalText  # what the bot asks
    hint: LocalText | None = None
    required: bool = True
    # text
    min_length: int = Field(default=1, ge=0, le=4000)
    max_length: int = Field(default=500, ge=1, le=4000)
    letters_only: bool = False
    # number
    minimum: int | None = None
    maximum: int | None = None
    # choice: inline options, or the profile's service types
    options: tuple[Choice, ...] = ()
    options_from: str | None = Field(default=None, pattern=r"^service_types$")
    # date: "today" bounds (e.g. a birth date is never in the future)
    not_after: DateBound | None = None
    not_before: DateBound | None = None
    # photo / document
    accept: tuple[str, ...] = ()
    max_size_mb: int = Field(default=MAX_TELEGRAM_FILE_MB, ge=1, le=MAX_TELEGRAM_FILE_MB)

    @model_validator(mode="after")
    def _kind_rules(self) -> Self:
        if self.kind is FieldKind.CHOICE and not (self.options or self.options_from):
            raise ValueError("a choice field needs options or options_from")
        if self.kind is not FieldKind.CHOICE and (self.options or self.options_from):
            raise ValueError("only a choice field has options")
        if self.kind is FieldKind.DOCUMENT and not self.accept:
            raise ValueError("a document field needs 'accept' (MIME types)")
        for mime in self.accept:
            if not re.fullmatch(r"[a-z]+/[a-z0-9.+\-*]+", mime):
                raise ValueError(f"not a MIME type: {mime!r}")
        if self.min_length > self.max_length:
            raise ValueError("min_length is larger than max_length")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is larger than maximum")
        return self


class Association(_Strict):
    name: LocalText
    license_number: str = Field(min_length=1)
    service_area: LocalText
    contact: Contact
    sla_days: int = Field(default=14, ge=1, le=365)
    reference_prefix: str = Field(default="TWS", pattern=r"^[A-Z]{2,6}$")
    service_types: tuple[Choice, ...] = Field(min_length=1)
    required_documents: tuple[LocalText, ...] = ()
    declaration: LocalText
    # The reasons the committee picks from when it rejects a request (it may also type one).
    rejection_reasons: tuple[Choice, ...] = ()
    branches: tuple[Branch, ...] = ()

    @model_validator(mode="after")
    def _unique_branches(self) -> Self:
        keys = [b.key for b in self.branches]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"branch keys are repeated: {', '.join(dupes)}")
        return self


class Form(_Strict):
    fields: tuple[FormField, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [f.key for f in self.fields]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"field keys are repeated: {', '.join(dupes)}")
        return self


class Role(StrEnum):
    RELATIONS_OFFICER = "relations_officer"
    SOCIAL_RESEARCHER = "social_researcher"
    COMMITTEE_MEMBER = "committee_member"
    ADMIN = "admin"


class StaffMember(_Strict):
    id: int = Field(gt=0)  # Telegram user id
    name: str = Field(min_length=1, max_length=64)  # shown to staff only, never to beneficiaries
    roles: tuple[Role, ...] = Field(min_length=1)


class Staff(_Strict):
    members: tuple[StaffMember, ...] = ()
    # Messages in a beneficiary's topic that start with this stay among staff.
    note_prefix: str = Field(default="#note", min_length=1, max_length=16)
    # A conversation with staff closes by itself after this long without a message.
    quiet_close_hours: float = Field(default=24, gt=0, le=24 * 30)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [m.id for m in self.members]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"staff ids are repeated: {', '.join(map(str, dupes))}")
        return self

    def member(self, user_id: int) -> StaffMember | None:
        return next((m for m in self.members if m.id == user_id), None)

    def with_role(self, role: Role) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members if role in m.roles)


class QuietHours(_Strict):
    """Messages the bot sends to beneficiaries on its own wait for the morning."""

    start: time = time(22, 0)
    end: time = time(8, 0)

    def holds(self, local: time) -> bool:
        """True when `local` (the association's time of day) falls in the quiet hours."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # over midnight


class FollowUps(_Strict):
    """When the bot writes without being asked; every time is counted from the database."""

    # An unfinished form: reminders this many hours after the last answer, then it expires.
    draft_reminder_hours: tuple[float, ...] = (24, 72)
    draft_expiry_days: float = Field(default=7, gt=0, le=365)
    # Information the staff asked for and that has not come.
    info_reminder_hours: float = Field(default=48, gt=0)
    # Nudges to staff on these days after submission, and once when the request is overdue.
    sla_nudge_days: tuple[int, ...] = (10,)
    sla_overdue_nudge: bool = True
    # After delivery: the rating prompt, and a follow-up message some days later.
    rating_after_hours: float = Field(default=24, ge=0)
    rating_change_hours: float = Field(default=24, ge=0)
    followup_after_days: float = Field(default=7, gt=0)
    quiet_hours: QuietHours = QuietHours()
    # The report goes to the staff group weekly (ISO weekday: 7 = Sunday), at this time.
    weekly_report_weekday: int = Field(default=7, ge=1, le=7)
    weekly_report_time: time = time(9, 0)

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        hours = self.draft_reminder_hours
        if list(hours) != sorted(set(hours)) or any(h <= 0 for h in hours):
            raise ValueError("draft_reminder_hours must be positive and increasing")
        if hours and hours[-1] >= self.draft_expiry_days * 24:
            raise ValueError("the last draft reminder must come before the draft expires")
        return self


class Feedback(_Strict):
    # Staff see ratings and suggestions aggregated; names and references only if this is on.
    show_identity: bool = False


class Privacy(_Strict):
    """The privacy notice's version and the retention rule it states."""

    # Raise the version when the notice or the rule below changes: everyone is asked to
    # accept it again before their next form.
    version: int = Field(default=1, ge=1)
    # After an erasure, a decided request is kept this many years from its decision with
    # only these answers and no name or id; everything else is deleted at once.
    retention_years: int = Field(default=5, ge=0, le=50)
    kept_answers: tuple[str, ...] = ("service_type",)
    retention_reason: LocalText = LocalText(
        ar="لتتمكن الجمعية من إثبات ما صرفته من مساعدات أمام الجهة المشرفة",
        en="so that the association can account for the aid it gave to its supervising authority",
    )


class GuideFiles(_Strict):
    # The guides (.txt, .md, .docx, .pdf) and question cards (.yaml) imported when the
    # database has none yet; paths are relative to the profile's folder.
    files: tuple[str, ...] = ()
    cards: tuple[str, ...] = ()


class BoardApproval(_Strict):
    meeting: str = Field(min_length=1, max_length=20)  # the board meeting's number
    held_on: date  # the day of the meeting (Gregorian; shown in both calendars)

    @field_validator("meeting", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class BeneficiaryPolicy(_Strict):
    """The board-approved policy for the relationship with beneficiaries, in short."""

    rights: tuple[LocalText, ...] = Field(min_length=1)
    commitments: tuple[LocalText, ...] = ()
    approval: BoardApproval
    # The full document in each language, relative to the profile's folder.
    document: LocalText


class Profile(_Strict):
    association: Association
    form: Form
    # A second form run by the same engine: volunteers sign up with it (/volunteer).
    volunteer_form: Form | None = None
    staff: Staff = Staff()
    followups: FollowUps = FollowUps()
    feedback: Feedback = Feedback()
    guides: GuideFiles = GuideFiles()
    privacy: Privacy = Privacy()
    policy: BeneficiaryPolicy | None = None

    @model_validator(mode="after")
    def _kept_answers_are_fields(self) -> Self:
        keys = {f.key for f in self.form.fields}
        unknown = sorted(set(self.privacy.kept_answers) - keys)
        if unknown:
            raise ValueError(f"privacy.kept_answers are not form fields: {', '.join(unknown)}")
        return self

    def options_for(self, form_field: FormField) -> tuple[Choice, ...]:
        if form_field.options_from == "service_types":
            return self.association.service_types
        return form_field.options

    def field(self, key: str) -> FormField | None:
        return next((f for f in self.form.fields if f.key == key), None)

    @classmethod
    def from_data(cls, data: Any) -> Profile:
        return cls.model_validate(data)
