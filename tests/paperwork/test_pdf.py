"""Documents as PDF: Cyrillic content read back with pypdf, wrapping of long user text,
byte-identical output for the same data, and the money arithmetic behind the numbers."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from paperwork import (
    ActData,
    Party,
    amount_in_words,
    file_name,
    format_amount,
    render_act,
    render_contract,
    render_payout,
    split_payout,
)
from paperwork.dates import format_date
from paperwork.layout import clean_text
from paperwork.money import format_rate
from paperwork.naming import DocumentKind, document_title
from tests.helpers.paperwork_data import (
    ACT,
    CONTRACT,
    PAYOUT,
    PLATFORM,
    RENDERS,
    REPORT,
    Render,
)


@functools.cache
def rendered(render: Callable[..., bytes], data: object) -> bytes:
    """The base documents are read by several tests: each is rendered once."""
    return render(data)


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    """All pages' text with no-break spaces as spaces and any run of whitespace as one
    space: justified lines extract with doubled spaces, wrapped ones with newlines."""
    return re.sub(r"\s+", " ", " ".join(pages_of(pdf)).replace("\u00a0", " "))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- the act ------------------------------------------------------------------------------


def test_act_states_parties_work_amount_and_tax_status() -> None:
    text = text_of(rendered(render_act, ACT))

    for expected in [
        "АКТ № 2026-000042",
        "сдачи-приёмки выполненных работ (оказанных услуг)",
        "по заявке REQ-7f3a",
        "г. Москва 25 ноября 2026 г.",
        "Иванова Анна Сергеевна (далее — «Заказчик»)",
        "Петров Пётр Петрович, ИНН 500100732259, — плательщик налога на профессиональный доход",
        "Вид работ: Сборка мебели",
        "Адрес выполнения работ: г. Москва, ул. Ленина, д. 5, кв. 12",
        "Сроки выполнения: с 24 ноября 2026 г. по 25 ноября 2026 г.",
        REPORT,
        "составляет 3 000,00 ₽ (Три тысячи рублей 00 копеек).",
        "НДС не облагается (исполнитель применяет НПД).",
        "Работы сдал — Исполнитель:",
        "Работы принял — Заказчик:",
        "Эл. почта: petrov@example.ru",
        "(подпись)",
        "Акт сдачи-приёмки выполненных работ № 2026-000042 — страница 1 из 1",
    ]:
        assert expected in text


def test_act_of_one_day_names_that_day() -> None:
    text = text_of(render_act(replace(ACT, started_on=None)))
    assert "Сроки выполнения: 25 ноября 2026 г." in text


def test_act_of_an_executor_not_self_employed_states_no_tax_status() -> None:
    text = text_of(render_act(replace(ACT, executor_is_self_employed=False)))
    assert "НПД" not in text
    assert "профессиональный доход" not in text
    assert "(Три тысячи рублей 00 копеек)." in text


def test_executor_without_an_inn_is_still_named_as_self_employed() -> None:
    executor = Party("Петров Пётр Петрович")
    text = text_of(render_act(replace(ACT, executor=executor)))
    assert "Петров Пётр Петрович — плательщик налога на профессиональный доход" in text


def test_act_customer_with_inn_shows_it() -> None:
    customer = Party("ООО «Ромашка»", inn="7701234567")
    text = text_of(render_act(replace(ACT, customer=customer)))
    assert "ООО «Ромашка», ИНН 7701234567 (далее — «Заказчик»)" in text


def test_user_text_is_drawn_as_typed_not_as_markup() -> None:
    # «{nb}» is fpdf2's default page-count alias: it must not become a number here.
    report = r"<b>**жирный?**</b> (скобки) \ обратная черта & «кавычки» %s {nb} ё"
    text = text_of(render_act(replace(ACT, work_description=report)))
    assert report in text


def test_control_and_bidi_characters_are_dropped_and_line_breaks_kept() -> None:
    report = "строка один\r\nстрока\tдва\x07\n\u202eперевёрнуто\u202c"
    pages = pages_of(render_act(replace(ACT, work_description=report)))
    assert "строка один\nстрока два\nперевёрнуто" in pages[0]
    assert "\u202e" not in pages[0]


def test_long_description_wraps_onto_further_lines_and_pages_without_loss() -> None:
    words = [f"слово{i}" for i in range(2500)]
    token = "https://example.ru/" + "x" * 300  # wider than a line: broken, not clipped
    pdf = render_act(replace(ACT, work_description=" ".join(words) + "\n" + token))
    pages = pages_of(pdf)
    text = text_of(pdf)

    assert len(pages) > 3
    assert re.findall(r"слово\d+", text) == words
    assert token in squeezed(text)
    last = len(pages)
    assert all(f"страница {n} из {last}" in page for n, page in enumerate(pages, start=1))
    # Signatures and the amount still end the act, after all of the report.
    assert text.index(token[:30]) < text.index("Три тысячи рублей") < text.index("(подпись)")


def test_pages_are_a4() -> None:
    page = PdfReader(io.BytesIO(rendered(render_act, ACT))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


# -- the contract -------------------------------------------------------------------------


def test_contract_states_parties_subject_tax_status_payment_and_term() -> None:
    text = text_of(rendered(render_contract, CONTRACT))

    for expected in [
        "ДОГОВОР № Д-17",
        "возмездного оказания услуг",
        "г. Москва 24 ноября 2026 г.",
        "ООО «Сервис Плюс», ИНН 7707083893, ОГРН 1027700132195, адрес: 125009, г. Москва",
        "(далее — «Платформа»)",
        "Петров Пётр Петрович, ИНН 500100732259, — плательщик налога на профессиональный доход",
        "оказывать услуги: сборка и ремонт мебели (далее — «Услуги»)",
        "не порождает трудовых отношений",
        "Федерального закона от 27.11.2018 № 422-ФЗ",
        "формирует чек в приложении «Мой налог»",
        "НДС не облагается (исполнитель применяет НПД).",
        "Вознаграждение Платформы составляет 10 % от стоимости Услуг",
        "в течение 5 рабочих дней с даты подписания акта",
        "вступает в силу 24 ноября 2026 г. и действует без ограничения срока",
        "статьёй 782 Гражданского кодекса",
        "Реквизиты и подписи Сторон",
        "КПП 770701001",
        "Генеральный директор Сидоров С. С.",
    ]:
        assert expected in text


def test_contract_with_an_end_date_rate_and_one_day_payout_term() -> None:
    contract = replace(
        CONTRACT,
        commission_rate=Decimal("0.125"),
        payout_days=1,
        valid_until=date(2027, 12, 31),
    )
    text = text_of(render_contract(contract))
    assert "составляет 12,5 % от стоимости" in text
    assert "в течение 1 рабочего дня" in text
    assert "действует до 31 декабря 2027 г. включительно" in text


# -- the payout statement -----------------------------------------------------------------


def test_payout_states_gross_commission_net_and_tax_status() -> None:
    text = text_of(rendered(render_payout, PAYOUT))

    for expected in [
        "РАСЧЁТ ВЫПЛАТЫ № В-42",
        "вознаграждения исполнителю по заявке REQ-7f3a",
        "26 ноября 2026 г.",
        "Платформа: ООО «Сервис Плюс», ИНН 7707083893",
        "Исполнитель: Петров Пётр Петрович, ИНН 500100732259",
        "Договор: № Д-17",
        "Акт выполненных работ: № 2026-000042",
        "Стоимость услуг по заявке 3 000,00 ₽",
        "Вознаграждение платформы (10 %) 300,00 ₽",
        "К выплате исполнителю 2 700,00 ₽",
        "Сумма к выплате: 2 700,00 ₽ (Две тысячи семьсот рублей 00 копеек).",
        "НДС не облагается (исполнитель применяет НПД).",
        "«Мой налог»",
    ]:
        assert expected in text


def test_payout_whose_lines_do_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="!= gross"):
        replace(PAYOUT, net=Decimal("2600.00"))


# -- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize(("render", "data"), RENDERS)
def test_same_data_gives_the_same_bytes(render: Render, data: object) -> None:
    assert render(data) == render(data)


@pytest.mark.parametrize(
    "changed",
    [
        replace(ACT, number="2026-000043"),
        replace(ACT, work_description=REPORT + "!"),
        replace(ACT, amount=Decimal("3000.01")),
        replace(ACT, signed_on=date(2026, 11, 26)),
    ],
)
def test_different_data_gives_different_bytes(changed: ActData) -> None:
    assert render_act(changed) != rendered(render_act, ACT)


def test_creation_date_is_the_document_date_not_now() -> None:
    metadata = PdfReader(io.BytesIO(rendered(render_act, ACT))).metadata
    assert metadata is not None
    assert metadata.creation_date == datetime(2026, 11, 25, tzinfo=UTC)
    assert metadata.title == document_title("act", "2026-000042")


def test_another_process_with_another_hash_seed_and_zone_gives_the_same_bytes() -> None:
    # A retried generation runs in another worker process: set ordering (hash seed) and
    # the local time zone must not leak into the bytes.
    script = (
        "import hashlib, sys\n"
        "from tests.helpers.paperwork_data import RENDERS\n"
        "for render, data in RENDERS:\n"
        "    sys.stdout.write(hashlib.sha256(render(data)).hexdigest() + '\\n')\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Asia/Vladivostok"}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, check=True
    )
    here = [hashlib.sha256(render(data)).hexdigest() for render, data in RENDERS]
    assert result.stdout.decode().split() == here


def test_missing_fonts_are_reported_with_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        render_act(ACT, font_dir=tmp_path)


# -- amounts, dates, names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "Ноль рублей 00 копеек"),
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("5", "Пять рублей 00 копеек"),
        ("11", "Одиннадцать рублей 00 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("112", "Сто двенадцать рублей 00 копеек"),
        ("1000", "Одна тысяча рублей 00 копеек"),
        ("2000", "Две тысячи рублей 00 копеек"),
        ("5000", "Пять тысяч рублей 00 копеек"),
        ("11000", "Одиннадцать тысяч рублей 00 копеек"),
        ("21000", "Двадцать одна тысяча рублей 00 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("2000000", "Два миллиона рублей 00 копеек"),
        ("3000.50", "Три тысячи рублей 50 копеек"),
        ("0.01", "Ноль рублей 01 копейка"),
        ("0.02", "Ноль рублей 02 копейки"),
        ("0.11", "Ноль рублей 11 копеек"),
        ("0.21", "Ноль рублей 21 копейка"),
        (
            "1234567.89",
            "Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек",
        ),
        ("1000000000", "Один миллиард рублей 00 копеек"),
    ],
)
def test_amount_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


@pytest.mark.parametrize(
    ("amount", "figures"),
    [
        ("0", "0,00 ₽"),
        ("5.5", "5,50 ₽"),
        ("999.99", "999,99 ₽"),
        ("3000", "3 000,00 ₽"),
        ("1234567.89", "1 234 567,89 ₽"),
    ],
)
def test_format_amount(amount: str, figures: str) -> None:
    assert format_amount(Decimal(amount)).replace("\u00a0", " ") == figures


@pytest.mark.parametrize("amount", ["-1", "0.001", "1000000000000", "NaN"])
def test_amounts_a_document_cannot_state_are_refused(amount: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        amount_in_words(Decimal(amount))


def test_act_with_a_fraction_of_a_kopeck_is_refused() -> None:
    with pytest.raises(ValueError, match="whole kopecks"):
        replace(ACT, amount=Decimal("10.005"))


@pytest.mark.parametrize(
    ("gross", "rate", "commission", "net"),
    [
        ("3000.00", "0.10", "300.00", "2700.00"),
        ("999.99", "0.15", "150.00", "849.99"),  # 149.9985 rounds up
        ("0.05", "0.10", "0.01", "0.04"),  # exactly half a kopeck rounds up
        ("0.15", "0.10", "0.02", "0.13"),  # 0.015: half-up, not to even
        ("0.04", "0.10", "0.00", "0.04"),  # under half a kopeck rounds down
        ("100.00", "0.125", "12.50", "87.50"),
        ("1234.56", "0", "0.00", "1234.56"),
        ("1234.56", "1", "1234.56", "0.00"),
    ],
)
def test_split_payout(gross: str, rate: str, commission: str, net: str) -> None:
    assert split_payout(Decimal(gross), Decimal(rate)) == (Decimal(commission), Decimal(net))


def test_split_payout_never_loses_or_adds_a_kopeck() -> None:
    for kopecks in range(0, 100_000, 37):
        gross = Decimal(kopecks) / 100
        for rate in ("0.10", "0.15", "0.125", "0.07"):
            commission, net = split_payout(gross, Decimal(rate))
            assert commission + net == gross
            assert commission == commission.quantize(Decimal("0.01"))


@pytest.mark.parametrize(("gross", "rate"), [("-1", "0.1"), ("1.001", "0.1"), ("1", "1.5")])
def test_split_payout_refuses_nonsense(gross: str, rate: str) -> None:
    with pytest.raises(ValueError, match=r"amount|rate"):
        split_payout(Decimal(gross), Decimal(rate))


@pytest.mark.parametrize(
    ("rate", "shown"), [("0.10", "10 %"), ("0.125", "12,5 %"), ("0", "0 %"), ("0.2", "20 %")]
)
def test_format_rate(rate: str, shown: str) -> None:
    assert format_rate(Decimal(rate)).replace("\u00a0", " ") == shown


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        (date(2026, 11, 25), "25 ноября 2026 г."),
        (date(2026, 1, 1), "1 января 2026 г."),
        (date(2027, 3, 8), "8 марта 2027 г."),
        (date(2027, 5, 9), "9 мая 2027 г."),
    ],
)
def test_format_date(day: date, shown: str) -> None:
    assert format_date(day).replace("\u00a0", " ") == shown


@pytest.mark.parametrize(
    ("kind", "number", "name"),
    [
        ("act", "2026-000042", "act-2026-000042.pdf"),
        ("contract", "17", "contract-17.pdf"),
        ("payout", "42", "payout-42.pdf"),
        ("act", "../../etc/passwd", "act-etc-passwd.pdf"),
        ("payout", "В-42", "payout-В-42.pdf"),
        ("contract", "7 / 2026", "contract-7-2026.pdf"),
    ],
)
def test_file_name(kind: DocumentKind, number: str, name: str) -> None:
    assert file_name(kind, number) == name


def test_unknown_kind_and_unusable_number_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        file_name("invoice", "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="file name"):
        file_name("act", "№/")


@pytest.mark.parametrize("inn", ["12345", "50010073225X", "５００１００７３２２５９"])
def test_malformed_inn_is_refused(inn: str) -> None:
    with pytest.raises(ValueError, match="INN"):
        Party("Петров Пётр", inn=inn)


def test_company_inn_must_be_ten_digits() -> None:
    with pytest.raises(ValueError, match="10 digits"):
        replace(PLATFORM, inn="500100732259")


def test_clean_text_keeps_no_break_spaces() -> None:
    assert clean_text("3\u00a0000,00\u00a0₽ ", single_line=True) == "3\u00a0000,00\u00a0₽"


def test_clean_text_single_line_collapses_whitespace() -> None:
    assert (
        clean_text("  г.\tМосква\n\u200bул. Ленина  ", single_line=True) == "г. Москва ул. Ленина"
    )
