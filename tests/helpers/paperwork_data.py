"""The documents' sample data: an act, a contract and a payout for one executor, and
how each is rendered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from paperwork import (
    ActData,
    Company,
    ContractData,
    Party,
    PayoutData,
    render_act,
    render_contract,
    render_payout,
)

EXECUTOR = Party("Петров Пётр Петрович", inn="500100732259", email="petrov@example.ru")
CUSTOMER = Party("Иванова Анна Сергеевна", inn=None, email="anna@example.ru")
PLATFORM = Company(
    name="ООО «Сервис Плюс»",
    inn="7707083893",
    address="125009, г. Москва, ул. Тверская, д. 1, оф. 2",
    kpp="770701001",
    ogrn="1027700132195",
    signatory="Генеральный директор Сидоров С. С.",
)
REPORT = "Собрал шкаф-купе (3 секции), навесил двери, отрегулировал ролики. Вывез упаковку."

ACT = ActData(
    number="2026-000042",
    request_id="REQ-7f3a",
    signed_on=date(2026, 11, 25),
    city="Москва",
    customer=CUSTOMER,
    executor=EXECUTOR,
    work_description=REPORT,
    address="г. Москва, ул. Ленина, д. 5, кв. 12",
    category="Сборка мебели",
    started_on=date(2026, 11, 24),
    completed_on=date(2026, 11, 25),
    amount=Decimal("3000.00"),
)
CONTRACT = ContractData(
    number="Д-17",
    concluded_on=date(2026, 11, 24),
    city="Москва",
    platform=PLATFORM,
    executor=EXECUTOR,
    subject="сборка и ремонт мебели",
    commission_rate=Decimal("0.10"),
)
PAYOUT = PayoutData(
    number="В-42",
    request_id="REQ-7f3a",
    issued_on=date(2026, 11, 26),
    platform=PLATFORM,
    executor=EXECUTOR,
    gross=Decimal("3000.00"),
    commission_rate=Decimal("0.10"),
    commission=Decimal("300.00"),
    net=Decimal("2700.00"),
    act_number="2026-000042",
    contract_number="Д-17",
)

Render = Callable[..., bytes]
RENDERS: list[tuple[Render, object]] = [
    (render_act, ACT),
    (render_contract, CONTRACT),
    (render_payout, PAYOUT),
]
