"""The report filters' pure parts: periods and GROUPING SETS masks."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.reports.filters import BadPeriod, ReportFilter, grouped_by

pytestmark = pytest.mark.fast

COLUMNS = ("category", "district", "executor_id")


@pytest.mark.parametrize(
    ("mask", "column"),
    [(0b011, "category"), (0b101, "district"), (0b110, "executor_id"), (0b111, None)],
)
def test_a_grouping_mask_names_the_column_a_row_is_grouped_by(
    mask: int, column: str | None
) -> None:
    assert grouped_by(mask, COLUMNS) == column


def test_a_period_is_taken_from_local_midnight_to_local_midnight() -> None:
    june = ReportFilter(date(2026, 6, 1), date(2026, 6, 30), "Europe/Moscow")
    start, end = june.bounds()
    assert (start.isoformat(), end.isoformat()) == (
        "2026-05-31T21:00:00+00:00",
        "2026-06-30T21:00:00+00:00",
    )
    with pytest.raises(BadPeriod, match="after it ends"):
        ReportFilter(date(2026, 6, 2), date(2026, 6, 1), "Europe/Moscow")


@pytest.mark.parametrize(
    "day", [date(1, 1, 1), date(222, 12, 24), date(1999, 12, 31), date(2100, 1, 1)]
)
def test_a_day_outside_the_dates_reports_cover_is_refused(day: date) -> None:
    with pytest.raises(BadPeriod, match="outside the dates reports cover"):
        ReportFilter.of(date(2026, 12, 4), "Europe/Moscow", date_to=day)
