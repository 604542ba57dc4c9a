"""Dates the way Russian documents write them: «25 ноября 2026 г.»."""

from __future__ import annotations

from datetime import date

from paperwork.money import NBSP

# Genitive month names: «25 ноября», not «25 ноябрь».
_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def format_date(day: date) -> str:
    """«25 ноября 2026 г.» — no-break spaces so a wrapped line never starts with «г.»."""
    month = _MONTHS_GENITIVE[day.month - 1]
    return f"{day.day}{NBSP}{month} {day.year}{NBSP}г."
