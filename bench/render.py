"""`python -m bench.render`: what one set of closing documents (contract, act, payout
statement) costs to draw, with the fonts parsed once per process (paperwork.fonts, as
the render processes do) against parsed again for every document (fpdf2's own
add_font, as the worker did before), measured in this one process, in one run.

    .venv/bin/python -m bench.render [--sets 30] [--rounds 3]

Prints milliseconds per set (median over the rounds) and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from paperwork import (
    ActData,
    Company,
    ContractData,
    Party,
    PayoutData,
    layout,
    render_act,
    render_contract,
    render_payout,
)

EXECUTOR = Party("Петров Пётр Петрович", inn="500100732259", email="petrov@example.ru")
PLATFORM = Company(
    name="ООО «Сервис Плюс»",
    inn="7707083893",
    address="125009, г. Москва, ул. Тверская, д. 1, оф. 2",
    kpp="770701001",
    ogrn="1027700132195",
    signatory="Генеральный директор Сидоров С. С.",
)
DAY = date(2026, 11, 25)
ACT = ActData(
    number="2026-000042",
    request_id="REQ-7f3a",
    signed_on=DAY,
    city="Москва",
    customer=Party("Иванова Анна Сергеевна", inn=None, email="anna@example.ru"),
    executor=EXECUTOR,
    work_description="Собрал шкаф-купе (3 секции), навесил двери, отрегулировал ролики.",
    address="г. Москва, ул. Ленина, д. 5, кв. 12",
    category="Сборка мебели",
    started_on=DAY,
    completed_on=DAY,
    amount=Decimal("3000.00"),
)
CONTRACT = ContractData(
    number="Д-17",
    concluded_on=DAY,
    city="Москва",
    platform=PLATFORM,
    executor=EXECUTOR,
    subject="сборка и ремонт мебели",
    commission_rate=Decimal("0.10"),
)
PAYOUT = PayoutData(
    number="В-42",
    request_id="REQ-7f3a",
    issued_on=DAY,
    platform=PLATFORM,
    executor=EXECUTOR,
    gross=Decimal("3000.00"),
    commission_rate=Decimal("0.10"),
    commission=Decimal("300.00"),
    net=Decimal("2700.00"),
    act_number="2026-000042",
    contract_number="Д-17",
)


def one_set() -> None:
    render_contract(CONTRACT)
    render_act(ACT)
    render_payout(PAYOUT)


@contextmanager
def fonts_parsed_per_document() -> Iterator[None]:
    """The worker's old way: every document reads and parses the TTF files itself."""
    shared = layout._add_fonts

    def parse_again(pdf: FPDF, font_dir: Path) -> None:
        for style, path in layout._font_files(font_dir):
            pdf.add_font(layout._FAMILY, style, str(path))

    layout._add_fonts = parse_again
    try:
        yield
    finally:
        layout._add_fonts = shared


def ms_per_set(sets: int, draw: Callable[[], None] = one_set) -> float:
    began = time.perf_counter()
    for _ in range(sets):
        draw()
    return (time.perf_counter() - began) * 1000 / sets


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.render")
    parser.add_argument("--sets", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    one_set()  # the shared book parses here, once, as a render process does at start
    cached, parsed = [], []
    for _ in range(args.rounds):
        cached.append(ms_per_set(args.sets))
        with fonts_parsed_per_document():
            parsed.append(ms_per_set(args.sets))
    once, every = statistics.median(cached), statistics.median(parsed)
    print(f"{args.sets} sets × {args.rounds} rounds (contract + act + payout per set)")
    print(f"fonts parsed once:          {once:7.1f} ms per set")
    print(f"fonts parsed every document: {every:7.1f} ms per set")
    print(f"ratio: {every / once:.1f}× ({every - once:.1f} ms per set saved)")


if __name__ == "__main__":
    main()
