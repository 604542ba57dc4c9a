"""An executor's weekly working hours, in the business's one time zone.

Written as the API takes them: each weekday ("mon" … "sun") with its intervals
"HH:MM-HH:MM" (an interval may not cross midnight: "22:00-24:00" and "00:00-06:00" on
the next day say a night shift). No hours at all means any time. Pure code.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
# A window longer than this is checked over its first week only: hours repeat weekly.
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Interval:
    start_min: int  # minutes after midnight
    end_min: int  # exclusive; 1440 is midnight at the end of the day


@dataclass(frozen=True)
class WeeklyHours:
    days: tuple[tuple[Interval, ...], ...]  # Monday first, seven entries

    def as_json(self) -> dict[str, list[str]]:
        return {
            WEEKDAYS[day]: [_text(i) for i in intervals]
            for day, intervals in enumerate(self.days)
            if intervals
        }


def parse_hours(raw: Mapping[str, Sequence[str]]) -> WeeklyHours:
    """The hours of `raw`, or ValueError naming what is wrong."""
    unknown = sorted(set(raw) - set(WEEKDAYS))
    if unknown:
        raise ValueError(f"unknown weekday {unknown[0]!r}: use {', '.join(WEEKDAYS)}")
    days: list[tuple[Interval, ...]] = []
    for day in WEEKDAYS:
        intervals = sorted((_interval(day, text) for text in raw.get(day, ())), key=_start)
        for before, after in itertools.pairwise(intervals):
            if after.start_min < before.end_min:
                raise ValueError(f"{day}: {_text(before)} and {_text(after)} overlap")
        days.append(tuple(intervals))
    return WeeklyHours(tuple(days))


def works_during(hours: WeeklyHours | None, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether the hours meet [start, end] (a single moment when they are equal)."""
    if hours is None:
        return True
    start, end = start.astimezone(zone), min(end, start + _WEEK).astimezone(zone)
    day = start.date()
    while day <= end.date():
        for interval in hours.days[day.weekday()]:
            opens = datetime.combine(day, time(), zone) + timedelta(minutes=interval.start_min)
            closes = datetime.combine(day, time(), zone) + timedelta(minutes=interval.end_min)
            if opens <= end and start < closes:
                return True
        day += timedelta(days=1)
    return False


def _interval(day: str, text: str) -> Interval:
    found = _INTERVAL.match(text.strip())
    if found is None:
        raise ValueError(f"{day}: {text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{day}: {text!r} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(f"{day}: {text!r} ends before it starts (split a night shift at 24:00)")
    return Interval(start, end)


def _start(interval: Interval) -> int:
    return interval.start_min


def _text(interval: Interval) -> str:
    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return f"{hhmm(interval.start_min)}-{hhmm(interval.end_min)}"
