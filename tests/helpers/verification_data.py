"""Valid identity data for verification tests (INNs with correct control digits)."""

from __future__ import annotations

import random
from datetime import date

_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _control(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def valid_inn() -> str:
    """A random individual's INN (12 digits) that passes the tax service's checksum."""
    body = "77" + "".join(random.choice("0123456789") for _ in range(8))
    with_11 = body + _control(body, _W11)
    return with_11 + _control(with_11, _W12)


def documents(inn: str | None = None, born: date = date(1990, 4, 12)) -> dict[str, object]:
    return {
        "full_name": "Иванов Иван Иванович",
        "inn": inn or valid_inn(),
        "passport_series": "45 06",
        "passport_number": "123456",
        "date_of_birth": born.isoformat(),
        "scans": [],
    }
