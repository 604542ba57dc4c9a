"""Weekly working hours: parsing with clear refusals, and whether they meet a window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.dispatch import Ineligible, needs_of, reasons_against
from domain.working_hours import parse_hours, works_during
from tests.helpers.dispatch import ABLE

pytestmark = pytest.mark.fast

MSK = ZoneInfo("Europe/Moscow")
WEEKDAYS = parse_hours({d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")})


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """`day` days after Monday 2026-11-30, at hour:minute Moscow time."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=MSK) + timedelta(days=day)


def test_hours_round_trip_sorted_and_merged_per_day() -> None:
    hours = parse_hours({"mon": ["14:00-18:00", "09:00-13:00"], "sun": ["22:00-24:00"]})
    assert hours.as_json() == {"mon": ["09:00-13:00", "14:00-18:00"], "sun": ["22:00-24:00"]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"monday": ["09:00-18:00"]}, "unknown weekday 'monday'"),
        ({"mon": ["9-18"]}, "is not HH:MM-HH:MM"),
        ({"mon": ["25:00-26:00"]}, "is not a time of day"),
        ({"mon": ["18:00-09:00"]}, "ends before it starts"),
        ({"mon": ["09:00-13:00", "12:00-18:00"]}, "overlap"),
    ],
)
def test_malformed_hours_are_refused_with_the_reason(
    raw: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(raw)


def test_a_moment_inside_or_outside_the_hours() -> None:
    assert works_during(WEEKDAYS, msk(0, 10), msk(0, 10), MSK)
    assert not works_during(WEEKDAYS, msk(0, 8, 59), msk(0, 8, 59), MSK)
    assert not works_during(WEEKDAYS, msk(0, 18), msk(0, 18), MSK)  # the end is exclusive
    assert works_during(None, msk(0, 3), msk(0, 3), MSK)  # no hours: any time


def test_a_window_only_has_to_meet_the_hours_somewhere() -> None:
    saturday_to_monday = (msk(5, 10), msk(7, 9, 30))
    assert works_during(WEEKDAYS, *saturday_to_monday, MSK)
    assert not works_during(WEEKDAYS, msk(5, 10), msk(6, 20), MSK)  # the weekend only


def test_hours_are_read_in_the_business_time_zone() -> None:
    # 07:30 UTC is 10:30 in Moscow: inside; in UTC it would be outside.
    moment = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    assert works_during(WEEKDAYS, moment, moment, MSK)
    assert not works_during(WEEKDAYS, moment, moment, ZoneInfo("UTC"))


def test_an_executor_off_hours_for_the_window_is_not_a_candidate() -> None:
    office = replace(ABLE, hours=WEEKDAYS, verified_until=msk(300, 0))
    weekend = (msk(5, 10), msk(6, 20))
    needs = needs_of("plumbing", "Москва, Тверская 1", weekend, msk(4, 12), MSK)
    assert reasons_against(needs, office) == [Ineligible.OFF_HOURS]
    assert reasons_against(needs, replace(office, hours=None)) == []
    # Without a window the work is for now: Wednesday 11:00 is inside, 21:00 is not.
    now = needs_of("plumbing", "Москва, Тверская 1", (None, None), msk(2, 11), MSK)
    assert reasons_against(now, office) == []
    late = needs_of("plumbing", "Москва, Тверская 1", (None, None), msk(2, 21), MSK)
    assert reasons_against(late, office) == [Ineligible.OFF_HOURS]
