"""Executor identity checks: INN control digits, passport shape, age arithmetic."""

from datetime import date

import pytest

from domain.verification import (
    CHECK_AGE,
    CHECK_INN,
    CHECK_PASSPORT,
    CHECK_SELF_EMPLOYED,
    CheckResult,
    age_on,
    check_age,
    check_inn,
    check_passport,
    normalize_inn,
    normalize_passport,
)

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

# The tax service's algorithm, written out again here so the tests do not trust the code
# under test to produce their own vectors.
W11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
W12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]


def with_control_digits(first_ten: str) -> str:
    n11 = sum(int(d) * w for d, w in zip(first_ten, W11, strict=True)) % 11 % 10
    eleven = first_ten + str(n11)
    n12 = sum(int(d) * w for d, w in zip(eleven, W12, strict=True)) % 11 % 10
    return eleven + str(n12)


def flip(inn: str, position: int) -> str:
    """The INN with the digit at 1-based `position` changed (so its check must fail)."""
    i = position - 1
    return inn[:i] + str((int(inn[i]) + 1) % 10) + inn[i + 1 :]


COMPUTED = [
    with_control_digits(p) for p in ("7701000001", "5003123456", "1234567890", "0101010101")
]


def test_check_names_are_the_documented_ones() -> None:
    assert (CHECK_INN, CHECK_PASSPORT, CHECK_AGE, CHECK_SELF_EMPLOYED) == (
        "inn",
        "passport",
        "age",
        "self_employed",
    )


# ---- INN ---------------------------------------------------------------------------------


@pytest.mark.parametrize("inn", ["500100732259", *COMPUTED])
def test_valid_individual_inn_passes(inn: str) -> None:
    assert check_inn(inn) == CheckResult("inn", True, "individual's INN, control digits valid")


def test_computed_vectors_are_what_the_algorithm_gives() -> None:
    # Pinned so a change in the helper above cannot silently change what is tested.
    assert COMPUTED[0] == "770100000142"
    assert with_control_digits("5001007322") == "500100732259"


@pytest.mark.parametrize("inn", ["  500100732259 ", "\t770100000142\n"])
def test_surrounding_whitespace_is_ignored(inn: str) -> None:
    assert check_inn(inn).passed
    assert normalize_inn(inn) == inn.strip()


@pytest.mark.parametrize("inn", ["500100732259", *COMPUTED])
def test_wrong_11th_control_digit_fails(inn: str) -> None:
    result = check_inn(flip(inn, 11))
    assert not result.passed
    assert "control digit 11" in result.detail


@pytest.mark.parametrize("inn", ["500100732259", *COMPUTED])
def test_wrong_12th_control_digit_fails(inn: str) -> None:
    result = check_inn(flip(inn, 12))
    assert not result.passed
    assert "control digit 12" in result.detail


@pytest.mark.parametrize("inn", ["500100732259", *COMPUTED])
def test_a_typo_in_the_body_is_caught(inn: str) -> None:
    assert not check_inn(flip(inn, 5)).passed


def test_valid_organisation_inn_fails_for_an_executor() -> None:
    result = check_inn("7830002293")
    assert result.name == "inn"
    assert not result.passed
    assert "organisation's INN" in result.detail


@pytest.mark.parametrize("inn", ["7830002294", "7707083890"])
def test_invalid_organisation_inn_fails_with_its_own_reason(inn: str) -> None:
    result = check_inn(inn)
    assert not result.passed
    assert "wrong control digit" in result.detail
    assert "12-digit" in result.detail


def test_organisation_vector_is_valid_by_the_algorithm() -> None:
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    for inn in ("7830002293", "7707083893"):
        assert sum(int(d) * w for d, w in zip(inn, weights, strict=False)) % 11 % 10 == int(inn[9])
        assert "organisation's INN" in check_inn(inn).detail


@pytest.mark.parametrize(
    ("inn", "detail"),
    [
        ("500100732", "must have 12 digits (an individual's INN), got 9"),
        ("50010073225", "must have 12 digits (an individual's INN), got 11"),
        ("5001007322590", "must have 12 digits (an individual's INN), got 13"),
        ("50010073225a", "digits only"),
        ("5001 0073225", "digits only"),
        ("５００１００７３２２５９", "digits only"),  # full-width digits: str.isdigit() says yes
        ("", "INN is empty"),
        ("  ", "INN is empty"),
        ("000000000000", "all zeros"),
        ("0000000000", "all zeros"),
    ],
)
def test_malformed_inn_fails_clearly(inn: str, detail: str) -> None:
    result = check_inn(inn)
    assert not result.passed
    assert detail in result.detail


# ---- passport ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "number"),
    [("4506", "123456"), ("45 06", "123456"), (" 4506 ", " 123 456 "), ("0101", "000001")],
)
def test_well_formed_passport_passes(series: str, number: str) -> None:
    result = check_passport(series, number)
    assert result == CheckResult("passport", True, "passport series and number well-formed")
    # The detail may be logged: it must not carry the passport's number.
    assert "123456" not in result.detail


def test_passport_normalisation_removes_spaces() -> None:
    assert normalize_passport(" 45 06", "12 34 56 ") == ("4506", "123456")


@pytest.mark.parametrize(
    ("series", "number", "detail"),
    [
        ("", "123456", "series is empty"),
        ("450", "123456", "series must be 4 digits"),
        ("45061", "123456", "series must be 4 digits"),
        ("45a6", "123456", "series must be 4 digits"),
        ("0000", "123456", "series cannot be all zeros"),
        ("00 00", "123456", "series cannot be all zeros"),
        ("4506", "", "number is empty"),
        ("4506", "12345", "number must be 6 digits"),
        ("4506", "1234567", "number must be 6 digits"),
        ("4506", "12-456", "number must be 6 digits"),
        ("4506", "000000", "number cannot be all zeros"),
    ],
)
def test_malformed_passport_fails(series: str, number: str, detail: str) -> None:
    result = check_passport(series, number)
    assert result.name == "passport"
    assert not result.passed
    assert detail in result.detail


# ---- age ---------------------------------------------------------------------------------


def test_eighteen_today_passes() -> None:
    assert check_age(date(2008, 3, 10), as_of=date(2026, 3, 10)) == CheckResult(
        "age", True, "age 18"
    )


def test_one_day_short_of_eighteen_fails() -> None:
    result = check_age(date(2008, 3, 11), as_of=date(2026, 3, 10))
    assert not result.passed
    assert result.detail == "age 17 is under the minimum of 18"


@pytest.mark.parametrize(
    ("as_of", "age"),
    [
        (date(2026, 2, 27), 17),
        (date(2026, 2, 28), 18),  # common year: the birthday is the month's last day
        (date(2026, 3, 1), 18),
    ],
)
def test_born_on_29_february_in_a_common_year(as_of: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), as_of) == age
    assert check_age(date(2008, 2, 29), as_of).passed is (age >= 18)


def test_born_on_29_february_in_a_leap_year_waits_for_the_29th() -> None:
    born = date(2004, 2, 29)
    assert not check_age(born, date(2024, 2, 28), minimum=20).passed
    assert check_age(born, date(2024, 2, 29), minimum=20).passed


def test_future_birth_date_fails() -> None:
    result = check_age(date(2030, 1, 1), as_of=date(2026, 3, 10))
    assert not result.passed
    assert "in the future" in result.detail


def test_born_today_is_age_zero() -> None:
    assert check_age(date(2026, 3, 10), as_of=date(2026, 3, 10)).detail == (
        "age 0 is under the minimum of 18"
    )


def test_more_than_120_years_is_implausible() -> None:
    assert check_age(date(1906, 3, 10), as_of=date(2026, 3, 10)).passed  # 120
    result = check_age(date(1905, 3, 10), as_of=date(2026, 3, 10))
    assert not result.passed
    assert "implausible" in result.detail


def test_minimum_is_configurable_and_not_negative() -> None:
    assert check_age(date(2010, 1, 1), as_of=date(2026, 3, 10), minimum=16).passed
    with pytest.raises(ValueError, match="negative"):
        check_age(date(2000, 1, 1), as_of=date(2026, 3, 10), minimum=-1)
