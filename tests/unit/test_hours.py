"""Opening hours: open now or not, until when, and the next opening, against a minute-by-
minute reading of the same week (over midnight, the Friday-Saturday weekend, any zone)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.config import ConfigError, parse_profile
from bot.profile import WEEKDAYS, Branch, LocalText, TimeRange, WeeklyHours
from bot.services.branches import distance_km, nearest
from bot.services.hours import BusinessHours, closed_period_key

RIYADH = ZoneInfo("Asia/Riyadh")
# Sunday to Thursday, 08:00 to 15:00: the sample association's team.
WORKWEEK = WeeklyHours.model_validate(
    {day: ["08:00-15:00"] for day in ("sunday", "monday", "tuesday", "wednesday", "thursday")}
)


def riyadh(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=RIYADH)


def test_a_working_morning_is_open_until_three() -> None:
    state = BusinessHours(WORKWEEK, RIYADH).at(riyadh(2026, 11, 22, 9))  # a Sunday
    assert state.open and state.closes_at == riyadh(2026, 11, 22, 15)
    assert state.opens_at is None


def test_thursday_at_eleven_at_night_opens_on_sunday_morning() -> None:
    # 26 November 2026 is a Thursday; Friday and Saturday are the weekend.
    state = BusinessHours(WORKWEEK, RIYADH).at(riyadh(2026, 11, 26, 23))
    assert not state.open and state.opens_at == riyadh(2026, 11, 29, 8)
    assert state.opens_at.strftime("%A") == "Sunday"


def test_the_closing_minute_is_closed_and_the_opening_minute_open() -> None:
    hours = BusinessHours(WORKWEEK, RIYADH)
    assert not hours.is_open(riyadh(2026, 11, 22, 15))
    assert hours.is_open(riyadh(2026, 11, 22, 14, 59))
    assert hours.is_open(riyadh(2026, 11, 23, 8))
    assert hours.at(riyadh(2026, 11, 23, 7, 59)).opens_at == riyadh(2026, 11, 23, 8)


def test_a_range_over_midnight_is_open_after_midnight_of_the_next_day() -> None:
    week = WeeklyHours.model_validate({"thursday": ["20:00-01:00"]})
    hours = BusinessHours(week, RIYADH)
    friday_half_past_midnight = riyadh(2026, 11, 27, 0, 30)
    state = hours.at(friday_half_past_midnight)
    assert state.open and state.closes_at == riyadh(2026, 11, 27, 1)
    assert hours.at(riyadh(2026, 11, 27, 1)).opens_at == riyadh(2026, 12, 3, 20)


def test_ranges_that_touch_are_one_opening() -> None:
    week = WeeklyHours.model_validate({"sunday": ["16:00-24:00"], "monday": ["00:00-02:00"]})
    state = BusinessHours(week, RIYADH).at(riyadh(2026, 11, 22, 23))
    assert state.open and state.closes_at == riyadh(2026, 11, 23, 2)


def test_now_in_another_zone_is_read_on_the_association_clock() -> None:
    # 05:30 UTC is 08:30 in Riyadh: open, though it is before eight in London.
    assert BusinessHours(WORKWEEK, "Asia/Riyadh").is_open(datetime(2026, 11, 22, 5, 30, tzinfo=UTC))


def test_the_period_key_is_the_same_all_through_a_closed_period() -> None:
    hours = BusinessHours(WORKWEEK, RIYADH)
    keys = {
        closed_period_key(opens)
        for moment in (riyadh(2026, 11, 26, 15), riyadh(2026, 11, 27, 12), riyadh(2026, 11, 29, 7))
        if (opens := hours.at(moment).opens_at) is not None
    }
    assert keys == {"2026-11-29T05:00Z"}


@pytest.mark.parametrize(
    "bad",
    [
        {"sunday": ["8-15"]},
        {"sunday": ["25:00-26:00"]},
        {"sunday": ["08:60-15:00"]},
        {"ar": "من الأحد إلى الخميس", "en": "Sunday to Thursday"},  # the old free text
        {},  # never open
        {"funday": ["08:00-15:00"]},
    ],
)
def test_hours_that_cannot_be_read_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WeeklyHours.model_validate(bad)


def test_the_old_free_text_hours_get_a_message_that_says_what_to_write() -> None:
    with pytest.raises(ValidationError, match="sunday: \\['08:00-15:00'\\]"):
        WeeklyHours.model_validate({"ar": "من الأحد", "en": "Sunday"})


# -- properties -------------------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)
ranges = st.tuples(minutes, minutes).map(
    lambda pair: TimeRange(
        start=time(pair[0] // 60, pair[0] % 60), end=time(pair[1] // 60, pair[1] % 60)
    )
)
weeks = st.fixed_dictionaries(
    {day: st.lists(ranges, max_size=2).map(tuple) for day in WEEKDAYS}
).filter(lambda days: any(days.values()))
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


def open_by_reading(week: WeeklyHours, local: datetime) -> bool:
    """The definition, minute by minute: a range of the day, or of the day before that
    runs over midnight (start == end: 24 hours), covers the minute."""
    minute = local.hour * 60 + local.minute
    for back in (0, 1):
        day = (local.date() - timedelta(days=back)).weekday()
        for r in week.ranges(day):
            start, end = r.start.hour * 60 + r.start.minute, r.end.hour * 60 + r.end.minute
            if end <= start:
                end += 24 * 60
            if start <= minute + back * 24 * 60 < end:
                return True
    return False


@settings(max_examples=150, deadline=None)
@given(days=weeks, now=moments)
def test_open_until_and_next_opening_agree_with_a_minute_by_minute_reading(
    days: dict[str, tuple[TimeRange, ...]], now: datetime
) -> None:
    week = WeeklyHours(**days)
    state = BusinessHours(week, RIYADH).at(now)
    local = now.astimezone(RIYADH).replace(tzinfo=None, second=0, microsecond=0)
    assert state.open == open_by_reading(week, local)
    step = timedelta(minutes=1)
    probe = local + step
    while open_by_reading(week, probe) == state.open and probe < local + timedelta(days=8):
        probe += step
    change = probe.replace(tzinfo=RIYADH)
    if state.open:
        # Some weeks are open all the time: then the scan ends without a change.
        if open_by_reading(week, probe):
            assert state.closes_at is not None and state.closes_at > change
        else:
            assert state.closes_at == change
    else:
        assert state.opens_at == change and open_by_reading(week, probe)


@settings(max_examples=100, deadline=None)
@given(now=moments)
def test_the_workweek_is_never_open_on_friday_or_saturday_and_opens_at_eight(
    now: datetime,
) -> None:
    state = BusinessHours(WORKWEEK, RIYADH).at(now)
    local = now.astimezone(RIYADH)
    if local.weekday() in (4, 5):  # Friday, Saturday
        assert not state.open
    if state.opens_at is not None:
        assert state.opens_at.time() == time(8, 0)
        assert state.opens_at.weekday() in (6, 0, 1, 2, 3)  # Sunday to Thursday
        assert timedelta(0) < state.opens_at - local <= timedelta(days=2, hours=17)


# -- branches -----------------------------------------------------------------------------


def _branch(key: str, lat: float, lon: float) -> Branch:
    text = LocalText(ar=key, en=key)
    return Branch(key=key, name=text, address=text, latitude=lat, longitude=lon)


def test_riyadh_to_jeddah_is_about_850_km() -> None:
    assert 840 < distance_km(24.7136, 46.6753, 21.4858, 39.1925) < 860


def test_branches_come_nearest_first() -> None:
    branches = (_branch("majmaah", 25.9039, 45.3456), _branch("riyadh", 24.7136, 46.6753))
    near = nearest(branches, 24.70, 46.70)
    assert [n.branch.key for n in near] == ["riyadh", "majmaah"]
    assert near[0].km < 3


@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
)
def test_a_distance_is_never_negative_nor_more_than_half_the_earth(lat: float, lon: float) -> None:
    km = distance_km(lat, lon, 24.7136, 46.6753)
    assert 0 <= km <= 20016


# -- the profile ----------------------------------------------------------------------------

SAMPLE = (Path(__file__).resolve().parents[2] / "bot" / "profiles" / "sample.yaml").read_text(
    encoding="utf-8"
)


def test_a_profile_with_the_old_sentence_for_hours_names_the_line_and_the_new_form() -> None:
    head, rest = SAMPLE.split("    hours:\n      sunday:", 1)
    old = '    hours:\n      ar: "من الأحد إلى الخميس"\n      en: "Sunday to Thursday"\n'
    text = head + old + "  branches:" + rest.split("\n  branches:", 1)[1]
    with pytest.raises(ConfigError) as caught:
        parse_profile(text, "old.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("old.yaml:") and "association.contact.hours" in problem
    assert "sunday: ['08:00-15:00']" in problem


def test_branch_keys_are_unique() -> None:
    text = SAMPLE.replace("- key: majmaah", "- key: kharj")
    with pytest.raises(ConfigError, match="branch keys are repeated: kharj"):
        parse_profile(text, "dupes.yaml")
