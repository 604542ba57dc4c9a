"""Addresses map to the city's districts, or to none when nothing says which."""

from __future__ import annotations

import pytest

from domain.districts import UNKNOWN, district_of

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("Москва, Тверская ул., 1", "ЦАО"),
        ("г. Москва, ЮЗАО, ул. Ляпидевского, 4", "ЮЗАО"),  # named outright
        ("Кутузовский проспект, 12", "ЗАО"),
        ("Щёлковское шоссе, 5", "ВАО"),
        ("Щелковское шоссе, 5", "ВАО"),  # with or without ё
        ("Зеленоград, корпус 1106", "Зеленоград"),
    ],
)
def test_known_addresses(address: str, district: str) -> None:
    assert district_of(address) == district


def test_an_abbreviation_inside_a_word_is_not_a_mention() -> None:
    assert district_of("Москва, ЮЗАО") == "ЮЗАО"  # not ЗАО


def test_an_address_nothing_recognises() -> None:
    assert district_of("деревня Гадюкино, дом 3") == UNKNOWN
