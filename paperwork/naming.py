"""Titles and file names of the documents, one place for every kind."""

from __future__ import annotations

import re
from typing import Literal, get_args

DocumentKind = Literal["act", "contract", "payout"]
KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)

_TITLES: dict[DocumentKind, str] = {
    "act": "Акт сдачи-приёмки выполненных работ",
    "contract": "Договор возмездного оказания услуг",
    "payout": "Расчёт выплаты вознаграждения",
}

# Document numbers come from our own counters, but a file name must stay one path
# segment whatever they contain: anything but letters, digits, «.», «-» and «_» becomes
# «-». Letters include Cyrillic ones, so «В-42» and «42» do not collapse into one name.
_UNSAFE = re.compile(r"[^\w.-]+")


def _check_kind(kind: str) -> DocumentKind:
    for known in KINDS:
        if kind == known:
            return known
    raise ValueError(f"unknown document kind {kind!r}, expected one of {KINDS}")


def document_title(kind: DocumentKind, number: str) -> str:
    """«Акт сдачи-приёмки выполненных работ № 42» — also the PDF's Title metadata."""
    return f"{_TITLES[_check_kind(kind)]} №\u00a0{number}"


def file_name(kind: DocumentKind, number: str) -> str:
    """«act-42.pdf», «contract-7.pdf», «payout-42.pdf»."""
    safe = _UNSAFE.sub("-", number).strip("-.")
    if not safe:
        raise ValueError(f"document number {number!r} gives no file name")
    return f"{_check_kind(kind)}-{safe}.pdf"
