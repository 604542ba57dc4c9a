"""What every report is asked: a period of local dates and optional filters, turned into
SQL conditions whose values travel as server-side parameters (never in the SQL text).

A request report takes the requests created in the period; an event report (notifications,
verification, payouts) takes the events that occurred in it. Dates are the business's local
dates (settings.time_zone): a day runs from local midnight to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_PERIOD_DAYS = 366
# ClickHouse's Date holds 1970-01-01 to 2149-06-06; a business's reports need far less.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
DEFAULT_PERIOD_DAYS = 30

START = "{start:DateTime64(3, 'UTC')}"
END = "{end:DateTime64(3, 'UTC')}"
TZ = "{tz:String}"


class BadPeriod(ValueError):
    """A period the reports refuse (reversed, or longer than MAX_PERIOD_DAYS)."""


@dataclass(frozen=True)
class ReportFilter:
    date_from: date
    date_to: date
    time_zone: str
    category: str | None = None
    district: str | None = None
    executor_id: str | None = None

    def __post_init__(self) -> None:
        for day in (self.date_from, self.date_to):
            _within_reach(day)
        if self.date_from > self.date_to:
            raise BadPeriod(f"the period starts ({self.date_from}) after it ends ({self.date_to})")
        if self.days > MAX_PERIOD_DAYS:
            raise BadPeriod(
                f"the period is {self.days} days long; a report covers at most "
                f"{MAX_PERIOD_DAYS} days"
            )

    @classmethod
    def of(
        cls,
        today: date,
        time_zone: str,
        date_from: date | None = None,
        date_to: date | None = None,
        **filters: str | None,
    ) -> ReportFilter:
        """The asked period, with the defaults: up to today, 30 days back from its end."""
        end = date_to or today
        for day in (end, date_from):
            if day is not None:
                _within_reach(day)  # before the default start is counted back from it
        start = date_from or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        return cls(start, end, time_zone, **filters)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def dates(self) -> list[date]:
        return [self.date_from + timedelta(days=n) for n in range(self.days)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period in UTC: from local midnight of its first day to that after its last."""
        zone = ZoneInfo(self.time_zone)
        start = datetime.combine(self.date_from, time(), zone)
        end = datetime.combine(self.date_to + timedelta(days=1), time(), zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def params(self) -> dict[str, Any]:
        start, end = self.bounds()
        given = {
            "category": self.category,
            "district": self.district,
            "executor_id": self.executor_id,
        }
        return {
            "start": _utc_text(start),
            "end": _utc_text(end),
            "tz": self.time_zone,
            **{name: value for name, value in given.items() if value is not None},
        }

    def in_period(self, column: str) -> str:
        return f"{column} >= {START} AND {column} < {END}"

    def request_conditions(
        self, period_column: str = "created_at", *, executor: bool = True
    ) -> str:
        """Conditions on rows of {db}.requests: created in the period (or another of its
        timestamps), of the category and district asked, last held by the executor asked."""
        found = [self.in_period(period_column), *self._place_conditions()]
        if executor and self.executor_id is not None:
            found.append("executor_id = {executor_id:String}")
        return " AND ".join(found)

    def request_scope(self) -> str:
        """A condition on events: of requests in the category and district asked (TRUE
        when neither is asked, so events without a request count too)."""
        places = self._place_conditions()
        if not places:
            return "1"
        chosen = " AND ".join(places)
        return f"request_id IN (SELECT request_id FROM {{db}}.requests WHERE {chosen})"  # noqa: S608 - fixed fragments; values are parameters

    def _place_conditions(self) -> list[str]:
        found = []
        if self.category is not None:
            found.append("category = {category:String}")
        if self.district is not None:
            found.append("district = {district:String}")
        return found


# grouping(a, b, …) in a GROUP BY GROUPING SETS query sets the bit of each column a row is
# not grouped by, the first column's highest: the SQL standard's way, asked for explicitly.
STANDARD_GROUPING = " SETTINGS force_grouping_standard_compatibility = 1"


def grouped_by(mask: int, columns: Sequence[str]) -> str | None:
    """The column a GROUPING SETS row is grouped by, from its grouping() mask (None: the
    row of all)."""
    last = len(columns) - 1
    return next((c for n, c in enumerate(columns) if not mask >> (last - n) & 1), None)


def local_date(column: str) -> str:
    return f"toDate({column}, {TZ})"


def seconds_between(start: str, end: str) -> str:
    return f"(toUnixTimestamp64Milli({end}) - toUnixTimestamp64Milli({start})) / 1000"


def quantiles_if(value: str, condition: str) -> str:
    """p50 and p90 of a value, by linear interpolation between the nearest ranks."""
    return f"quantilesExactInclusiveIf(0.5, 0.9)({value}, {condition})"


def p50_p90(count: int, quantiles: Sequence[float]) -> tuple[float | None, float | None]:
    if count == 0:
        return None, None
    return round(float(quantiles[0]), 3), round(float(quantiles[1]), 3)


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _within_reach(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise BadPeriod(f"{day} is outside the dates reports cover ({EARLIEST} to {LATEST})")


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
