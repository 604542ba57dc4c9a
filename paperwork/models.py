"""What goes into a document: frozen dataclasses of plain values.

The renderers take these and nothing else, so a document is a pure function of its data —
the property the content hash of a stored document relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from paperwork.money import check_amount

RUB = "RUB"


def _check_inn(inn: str, lengths: tuple[int, ...]) -> None:
    # Digits and length only: the checksum is the tax service's business, and a document
    # must still be producible for an INN that was verified elsewhere.
    if not (inn.isascii() and inn.isdigit() and len(inn) in lengths):
        raise ValueError(f"INN must be {' or '.join(map(str, lengths))} digits, got {inn!r}")


@dataclass(frozen=True)
class Party:
    """A person named in a document: a customer or an executor.

    `inn` is 12 digits for a person, 10 for an organisation ordering a job; None when
    the customer is a private person who gave none.
    """

    full_name: str
    inn: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if self.inn is not None:
            _check_inn(self.inn, (10, 12))


@dataclass(frozen=True)
class Company:
    """The platform operator: the organisation that contracts executors and pays them."""

    name: str  # «ООО «Сервис»» — the full name as registered
    inn: str  # 10 digits
    address: str
    kpp: str | None = None
    ogrn: str | None = None
    signatory: str | None = None  # «Генеральный директор Иванов И. И.»

    def __post_init__(self) -> None:
        _check_inn(self.inn, (10,))


@dataclass(frozen=True)
class ActData:
    """An act of completed works for one request, between its customer and executor."""

    number: str
    request_id: str
    signed_on: date
    city: str
    customer: Party
    executor: Party
    work_description: str  # the executor's report, plain text as typed
    address: str
    category: str
    started_on: date | None
    completed_on: date
    amount: Decimal
    currency: str = RUB
    executor_is_self_employed: bool = True

    def __post_init__(self) -> None:
        _check_rubles(self.currency)
        check_amount(self.amount)
        if self.started_on is not None and self.started_on > self.completed_on:
            raise ValueError("work cannot be completed before it started")


@dataclass(frozen=True)
class ContractData:
    """The civil-law services contract between the platform and a self-employed executor,
    concluded on the executor's first job."""

    number: str
    concluded_on: date
    city: str
    platform: Company
    executor: Party
    subject: str  # the kinds of services, e.g. «ремонт и сборка мебели»
    commission_rate: Decimal  # the platform's share of each job's price: 0.10 for 10 %
    payout_days: int = 5  # business days from the act to the payout
    valid_until: date | None = None  # None: until either party withdraws

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.commission_rate < Decimal(1):
            raise ValueError(f"commission rate must be in [0, 1), got {self.commission_rate}")
        if self.payout_days < 1:
            raise ValueError("payout term must be at least one day")
        if self.valid_until is not None and self.valid_until < self.concluded_on:
            raise ValueError("a contract cannot end before it is concluded")


@dataclass(frozen=True)
class PayoutData:
    """A payout statement for one request: the price, the platform's commission and what
    the executor receives. The amounts are recorded as given (see `split_payout`)."""

    number: str
    request_id: str
    issued_on: date
    platform: Company
    executor: Party
    gross: Decimal
    commission_rate: Decimal
    commission: Decimal
    net: Decimal
    act_number: str | None = None
    contract_number: str | None = None
    executor_is_self_employed: bool = True

    def __post_init__(self) -> None:
        for amount in (self.gross, self.commission, self.net):
            check_amount(amount)
        if not Decimal(0) <= self.commission_rate <= Decimal(1):
            raise ValueError(f"commission rate must be in [0, 1], got {self.commission_rate}")
        # The amounts are the ledger's, not recomputed here; but a statement whose lines
        # do not add up would be a wrong document, so it is refused.
        if self.commission + self.net != self.gross:
            raise ValueError(f"commission {self.commission} + net {self.net} != gross {self.gross}")


def _check_rubles(currency: str) -> None:
    # Amounts are spelled «рублей … копеек»; another currency would need other words.
    if currency != RUB:
        raise ValueError(f"only RUB documents are supported, got {currency!r}")
