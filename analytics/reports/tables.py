"""A report as one CSV table: a header row, then one row per item.

A report of one list is that list. A report of several parts gets a `section` column
naming the part of each row: its lists give a row per item, a nested object one row, and
its plain figures together one row named `summary`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

SUMMARY = "summary"


def rows_of(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    sections: list[tuple[str, list[Mapping[str, Any]]]] = []
    summary = {k: v for k, v in report.items() if not isinstance(v, Mapping | list)}
    if summary:
        sections.append((SUMMARY, [summary]))
    for name, value in report.items():
        if isinstance(value, list):
            sections.append((name, value))
        elif isinstance(value, Mapping):
            sections.append((name, [value]))
    if len(sections) == 1 and sections[0][0] != SUMMARY:
        return [dict(item) for item in sections[0][1]]
    return [{"section": name, **item} for name, items in sections for item in items]


def csv_text(report: Mapping[str, Any]) -> str:
    rows = rows_of(report)
    header: list[str] = []
    for row in rows:
        header += [column for column in row if column not in header]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
