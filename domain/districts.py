"""Which district of the city an address is in.

Addresses are free text. A district is found from an explicit mention (the okrug's
abbreviation or name) or from a street the gazetteer knows; anything else is UNKNOWN, and
reports show it as its own group rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

UNKNOWN = ""

# Moscow's administrative okrugs and some of their well-known streets. Matching is on
# lower-cased words, so "Тверская ул., 1" and "улица Тверская 1" both match "тверская".
GAZETTEER: Mapping[str, tuple[str, ...]] = {
    "ЦАО": (
        "тверская",
        "арбат",
        "мясницкая",
        "никольская",
        "пречистенка",
        "покровка",
        "маросейка",
        "петровка",
        "остоженка",
        "большая ордынка",
        "новый арбат",
    ),
    "САО": ("ленинградский", "дмитровское", "беговая", "бутырская", "вишнёвая", "лихоборская"),
    "СВАО": ("проспект мира", "алтуфьевское", "ярославская", "отрадная", "бибиревская"),
    "ВАО": ("щёлковское", "первомайская", "измайловский", "новогиреевская", "вешняковская"),
    "ЮВАО": ("рязанский", "волгоградский", "люблинская", "марьинский", "жулебинский"),
    "ЮАО": ("варшавское", "каширское", "кантемировская", "ореховый", "борисовские пруды"),
    "ЮЗАО": ("профсоюзная", "ленинский", "вернадского", "бутовская", "миклухо-маклая"),
    "ЗАО": ("кутузовский", "можайское", "мосфильмовская", "рублёвское", "солнцевский"),
    "СЗАО": ("волоколамское", "митинская", "строгинский", "маршала жукова", "планерная"),
    "Зеленоград": ("зеленоград",),
}

_OKRUG = re.compile(r"\b(" + "|".join(re.escape(d.lower()) for d in GAZETTEER) + r")\b")


def district_of(address: str) -> str:
    text = address.lower().replace("ё", "е")
    mentioned = _OKRUG.search(text)
    if mentioned:
        return next(d for d in GAZETTEER if d.lower() == mentioned.group(1))
    for district, streets in GAZETTEER.items():
        if any(street.replace("ё", "е") in text for street in streets):
            return district
    return UNKNOWN
