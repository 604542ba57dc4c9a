"""Checks of an executor's identity data before they may take work: the INN, the internal
passport's series and number, and the age. Pure functions, no I/O; the tax service's
self-employed (НПД) status is asked by `integrations.tax_service` and reported under
`CHECK_SELF_EMPLOYED`.

Executors are self-employed individuals, so only a 12-digit (individual's) INN passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

CHECK_INN = "inn"
CHECK_PASSPORT = "passport"
CHECK_AGE = "age"
CHECK_SELF_EMPLOYED = "self_employed"

ADULT_AGE = 18
MAX_PLAUSIBLE_AGE = 120

# The tax service's control-digit weights (приказ ФНС о порядке присвоения ИНН).
_ORGANISATION_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INDIVIDUAL_11TH_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INDIVIDUAL_12TH_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

# ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CheckResult:
    name: str  # one of the CHECK_* names
    passed: bool
    detail: str  # why it failed, or what passed; shown to the staff who verify executors


def _passed(name: str, detail: str) -> CheckResult:
    return CheckResult(name, True, detail)


def _failed(name: str, detail: str) -> CheckResult:
    return CheckResult(name, False, detail)


def _is_digits(value: str) -> bool:
    return _DIGITS.fullmatch(value) is not None


# ---- INN ---------------------------------------------------------------------------------


def normalize_inn(value: str) -> str:
    """The INN without surrounding whitespace (inner spaces are an error, not formatting)."""
    return value.strip()


def _control_digit(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def _organisation_inn_valid(inn: str) -> bool:
    return _control_digit(inn, _ORGANISATION_WEIGHTS) == int(inn[9])


def _individual_inn_problem(inn: str) -> str | None:
    """What is wrong with a 12-digit INN's control digits, or None."""
    if _control_digit(inn, _INDIVIDUAL_11TH_WEIGHTS) != int(inn[10]):
        return "INN control digit 11 is wrong (a typo in the INN)"
    if _control_digit(inn, _INDIVIDUAL_12TH_WEIGHTS) != int(inn[11]):
        return "INN control digit 12 is wrong (a typo in the INN)"
    return None


def _inn_shape_problem(inn: str) -> str | None:
    if not inn:
        return "INN is empty"
    if not _is_digits(inn):
        return "INN must contain digits only"
    if len(inn) not in (10, 12):
        return f"INN must have 12 digits (an individual's INN), got {len(inn)}"
    if not inn.strip("0"):
        # All zeros passes the control-digit arithmetic, but the tax service never issues it.
        return "INN cannot be all zeros"
    return None


def _organisation_inn_result(inn: str) -> CheckResult:
    if _organisation_inn_valid(inn):
        return _failed(
            CHECK_INN,
            "this is an organisation's INN (10 digits); a self-employed executor "
            "has an individual's 12-digit INN",
        )
    return _failed(
        CHECK_INN,
        "a 10-digit INN (an organisation's) with a wrong control digit; "
        "an executor needs an individual's 12-digit INN",
    )


def check_inn(value: str) -> CheckResult:
    """An executor's INN: a 12-digit individual's INN with both control digits right."""
    inn = normalize_inn(value)
    problem = _inn_shape_problem(inn)
    if problem is not None:
        return _failed(CHECK_INN, problem)
    if len(inn) == 10:
        return _organisation_inn_result(inn)
    problem = _individual_inn_problem(inn)
    if problem is not None:
        return _failed(CHECK_INN, problem)
    return _passed(CHECK_INN, "individual's INN, control digits valid")


# ---- passport ----------------------------------------------------------------------------


def normalize_passport(series: str, number: str) -> tuple[str, str]:
    """Series and number without whitespace: the series is often written "45 06"."""
    return _WHITESPACE.sub("", series), _WHITESPACE.sub("", number)


def _digits_problem(label: str, value: str, length: int) -> str | None:
    if not value:
        return f"passport {label} is empty"
    if not _is_digits(value) or len(value) != length:
        return f"passport {label} must be {length} digits"
    if not value.strip("0"):
        return f"passport {label} cannot be all zeros"
    return None


def check_passport(series: str, number: str) -> CheckResult:
    """A Russian internal passport: series of 4 digits, number of 6 digits."""
    series, number = normalize_passport(series, number)
    problem = _digits_problem("series", series, 4) or _digits_problem("number", number, 6)
    if problem is not None:
        return _failed(CHECK_PASSPORT, problem)
    # The detail may end up in logs and audit rows: it names no personal data.
    return _passed(CHECK_PASSPORT, "passport series and number well-formed")


# ---- age ---------------------------------------------------------------------------------


def _birthday_in(year: int, date_of_birth: date) -> date:
    """The birthday in `year`. Someone born on 29 February has it on 28 February in common
    years: a term counted in years ends on the same month and day, and when that day does
    not exist, on the month's last day (Civil Code of the RF, art. 192, by analogy)."""
    try:
        return date_of_birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def age_on(date_of_birth: date, as_of: date) -> int:
    """Full years on `as_of` (the age grows on the birthday itself)."""
    years = as_of.year - date_of_birth.year
    return years - 1 if as_of < _birthday_in(as_of.year, date_of_birth) else years


def check_age(date_of_birth: date, as_of: date, minimum: int = ADULT_AGE) -> CheckResult:
    """At least `minimum` full years on `as_of`; a future or implausibly old birth date fails."""
    if minimum < 0:
        raise ValueError("minimum age cannot be negative")
    if date_of_birth > as_of:
        return _failed(CHECK_AGE, f"date of birth {date_of_birth.isoformat()} is in the future")
    age = age_on(date_of_birth, as_of)
    if age > MAX_PLAUSIBLE_AGE:
        return _failed(CHECK_AGE, f"age {age} is implausible (a typo in the date of birth?)")
    if age < minimum:
        return _failed(CHECK_AGE, f"age {age} is under the minimum of {minimum}")
    return _passed(CHECK_AGE, f"age {age}")
