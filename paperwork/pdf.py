"""The documents themselves: an act of completed works, the executor's services contract
and a payout statement, each rendered to PDF bytes.

The output is a pure function of the data (see `layout._make_reproducible`): rendering
the same data twice gives the same bytes, so a retried generation stores the same hash.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from paperwork.dates import format_date
from paperwork.layout import DEFAULT_FONT_DIR, Sheet, clean_text, signature_line
from paperwork.models import ActData, Company, ContractData, Party, PayoutData
from paperwork.money import amount_in_words, format_amount, format_rate, plural
from paperwork.naming import document_title

NPD_STATUS = "плательщик налога на профессиональный доход"
NO_VAT_NPD = "НДС не облагается (исполнитель применяет НПД)."
NPD_LAW = "Федерального закона от 27.11.2018 № 422-ФЗ"
# A blank line in a signatures column, between a party's details and where it signs.
_GAP = ""

# What any one document is drawn from.
DocumentData = ActData | ContractData | PayoutData


def render_document(data: DocumentData, *, font_dir: Path = DEFAULT_FONT_DIR) -> bytes:
    """The document `data` describes, whichever kind it is: one entry point for the
    render processes (paperwork.render_pool)."""
    if isinstance(data, ActData):
        return render_act(data, font_dir=font_dir)
    if isinstance(data, ContractData):
        return render_contract(data, font_dir=font_dir)
    return render_payout(data, font_dir=font_dir)


def render_act(data: ActData, *, font_dir: Path = DEFAULT_FONT_DIR) -> bytes:
    """The act of completed works (акт сдачи-приёмки выполненных работ) for one request."""
    sheet = Sheet(title=document_title("act", data.number), dated=data.signed_on, font_dir=font_dir)
    sheet.title(
        f"АКТ № {data.number}",
        "сдачи-приёмки выполненных работ (оказанных услуг)",
        f"по заявке {data.request_id}",
    )
    sheet.city_and_date(data.city, data.signed_on)
    sheet.paragraph(_act_preamble(data))
    sheet.paragraph("1. Исполнитель выполнил, а Заказчик принял следующие работы (услуги):")
    sheet.field("Вид работ", data.category)
    sheet.field("Адрес выполнения работ", data.address)
    sheet.field("Сроки выполнения", _work_period(data.started_on, data.completed_on))
    sheet.heading("Описание выполненных работ (отчёт исполнителя):")
    sheet.user_paragraph(data.work_description or "—")
    sheet.paragraph(_act_price(data))
    sheet.paragraph(
        "3. Работы выполнены в полном объёме и в срок. Заказчик претензий по объёму, "
        "качеству и срокам выполнения работ не имеет."
    )
    sheet.paragraph(
        "4. Акт составлен в двух экземплярах, имеющих одинаковую юридическую силу, "
        "по одному для каждой из Сторон."
    )
    sheet.signatures(
        _signing_person("Работы сдал — Исполнитель:", data.executor),
        _signing_person("Работы принял — Заказчик:", data.customer),
    )
    return sheet.to_bytes()


def render_contract(data: ContractData, *, font_dir: Path = DEFAULT_FONT_DIR) -> bytes:
    """The services contract between the platform and a self-employed executor."""
    title = document_title("contract", data.number)
    sheet = Sheet(title=title, dated=data.concluded_on, font_dir=font_dir)
    sheet.title(f"ДОГОВОР № {data.number}", "возмездного оказания услуг")
    sheet.city_and_date(data.city, data.concluded_on)
    sheet.paragraph(_contract_preamble(data))
    for heading, clauses in _contract_sections(data):
        sheet.heading(heading)
        for clause in clauses:
            sheet.paragraph(clause)
    sheet.heading("5. Реквизиты и подписи Сторон")
    sheet.signatures(
        _signing_company("Платформа:", _company_lines(data.platform), data.platform),
        _signing_person("Исполнитель:", data.executor, NPD_STATUS),
    )
    return sheet.to_bytes()


def render_payout(data: PayoutData, *, font_dir: Path = DEFAULT_FONT_DIR) -> bytes:
    """The payout statement: the price of a job, the platform's commission, the net paid."""
    title = document_title("payout", data.number)
    sheet = Sheet(title=title, dated=data.issued_on, font_dir=font_dir)
    sheet.title(
        f"РАСЧЁТ ВЫПЛАТЫ № {data.number}",
        f"вознаграждения исполнителю по заявке {data.request_id}",
    )
    sheet.city_and_date(None, data.issued_on)
    sheet.field("Платформа", _company_name_inn(data.platform))
    sheet.field("Исполнитель", data.executor.full_name + _inn_suffix(data.executor))
    if data.contract_number:
        sheet.field("Договор", f"№ {data.contract_number}")
    if data.act_number:
        sheet.field("Акт выполненных работ", f"№ {data.act_number}")
    sheet.heading("Расчёт:")
    sheet.amounts(
        [
            ("Стоимость услуг по заявке", format_amount(data.gross)),
            (
                f"Вознаграждение платформы ({format_rate(data.commission_rate)})",
                format_amount(data.commission),
            ),
            ("К выплате исполнителю", format_amount(data.net)),
        ]
    )
    sheet.paragraph(f"Сумма к выплате: {_amount_with_words(data.net)}.")
    if data.executor_is_self_employed:
        sheet.paragraph(
            f"{NO_VAT_NPD} Исполнитель формирует чек в приложении «Мой налог» "
            f"в сроки, установленные статьёй 14 {NPD_LAW}."
        )
    # Issued by the platform: only its signature; the executor is named for reference.
    sheet.signatures(
        _signing_company("Платформа:", [data.platform.name], data.platform),
        ["Исполнитель:", *_person_lines(data.executor)],
    )
    return sheet.to_bytes()


# -- the act --------------------------------------------------------------------------------


def _act_preamble(data: ActData) -> str:
    return (
        f"{_name(data.customer.full_name)}{_inn_suffix(data.customer)} "
        "(далее — «Заказчик»), с одной стороны, и "
        f"{_executor_intro(data.executor, data.executor_is_self_employed)} "
        "(далее — «Исполнитель»), с другой стороны, вместе именуемые «Стороны», "
        "составили настоящий акт о нижеследующем."
    )


def _work_period(started_on: date | None, completed_on: date) -> str:
    if started_on is None or started_on == completed_on:
        return format_date(completed_on)
    return f"с {format_date(started_on)} по {format_date(completed_on)}"


def _act_price(data: ActData) -> str:
    text = (
        "2. Стоимость выполненных работ (оказанных услуг) составляет "
        f"{_amount_with_words(data.amount)}."
    )
    # Only the self-employed case is known to be VAT-free; for anyone else the act keeps
    # silent rather than state a tax status we were not told.
    return f"{text} {NO_VAT_NPD}" if data.executor_is_self_employed else text


# -- the contract -----------------------------------------------------------------------------


def _contract_preamble(data: ContractData) -> str:
    platform = data.platform
    return (
        f"{_company_name_inn(platform)}{_ogrn_suffix(platform)}, адрес: "
        f"{_name(platform.address)} (далее — «Платформа»), с одной стороны, и "
        f"{_executor_intro(data.executor, self_employed=True)} "
        "(далее — «Исполнитель»), с другой стороны, вместе именуемые «Стороны», "
        "заключили настоящий договор о нижеследующем."
    )


def _contract_sections(data: ContractData) -> list[tuple[str, list[str]]]:
    return [
        ("1. Предмет договора", _subject_clauses(data)),
        ("2. Налоговый статус Исполнителя", _tax_clauses()),
        ("3. Стоимость услуг и порядок расчётов", _payment_clauses(data)),
        ("4. Срок действия договора", _term_clauses(data)),
    ]


def _subject_clauses(data: ContractData) -> list[str]:
    return [
        "1.1. Исполнитель обязуется по заявкам заказчиков, полученным через сервис "
        f"Платформы, оказывать услуги: {clean_text(data.subject, single_line=True)} "
        "(далее — «Услуги»), а Платформа — передавать Исполнителю заявки, принимать "
        "от заказчиков оплату Услуг и перечислять её Исполнителю на условиях "
        "настоящего договора.",
        "1.2. Исполнитель оказывает Услуги лично, самостоятельно определяя время и способ "
        "их оказания в пределах сроков заявки. Договор является гражданско-правовым и не "
        "порождает трудовых отношений между Сторонами.",
        "1.3. Оказание Услуг по каждой заявке подтверждается актом сдачи-приёмки "
        "выполненных работ.",
    ]


def _tax_clauses() -> list[str]:
    return [
        f"2.1. Исполнитель является плательщиком налога на профессиональный доход (НПД) "
        f"в соответствии с положениями {NPD_LAW}. {NO_VAT_NPD}",
        "2.2. На каждую полученную оплату Услуг Исполнитель формирует чек в приложении "
        f"«Мой налог» в сроки, установленные статьёй 14 {NPD_LAW}, и передаёт Платформе "
        "чек или ссылку на него.",
        "2.3. Об утрате права применять НПД Исполнитель незамедлительно сообщает "
        "Платформе; до такого сообщения Платформа вправе считать Исполнителя "
        "плательщиком НПД.",
    ]


def _payment_clauses(data: ContractData) -> list[str]:
    days = plural(data.payout_days, ("рабочего дня", "рабочих дней", "рабочих дней"))
    return [
        "3.1. Стоимость Услуг по каждой заявке согласуется при её оформлении и указывается "
        "в акте сдачи-приёмки выполненных работ.",
        f"3.2. Вознаграждение Платформы составляет {format_rate(data.commission_rate)} "
        "от стоимости Услуг по каждой заявке и удерживается Платформой из полученной "
        "от заказчика оплаты.",
        "3.3. Платформа перечисляет Исполнителю стоимость Услуг за вычетом своего "
        f"вознаграждения в течение {data.payout_days}\u00a0{days} с даты подписания акта; "
        "каждая выплата сопровождается расчётом выплаты вознаграждения.",
    ]


def _term_clauses(data: ContractData) -> list[str]:
    until = (
        f"до {format_date(data.valid_until)} включительно"
        if data.valid_until is not None
        else "без ограничения срока"
    )
    return [
        f"4.1. Договор вступает в силу {format_date(data.concluded_on)} и действует {until}.",
        "4.2. Каждая из Сторон вправе отказаться от исполнения договора в порядке, "
        "предусмотренном статьёй 782 Гражданского кодекса Российской Федерации; Услуги, "
        "оказанные до отказа, оплачиваются в соответствии с разделом 3.",
        "4.3. Во всём, что не предусмотрено договором, Стороны руководствуются "
        "законодательством Российской Федерации.",
    ]


# -- shared wording -------------------------------------------------------------------------


def _amount_with_words(amount: Decimal) -> str:
    """«3 000,00 ₽ (Три тысячи рублей 00 копеек)»."""
    return f"{format_amount(amount)} ({amount_in_words(amount)})"


def _name(text: str) -> str:
    return clean_text(text, single_line=True)


def _executor_intro(executor: Party, self_employed: bool) -> str:
    """«Петров Пётр Петрович, ИНН 500100732259, — плательщик налога на профессиональный
    доход»: the status is an apposition, set off by a dash (after the INN's comma)."""
    intro = f"{_name(executor.full_name)}{_inn_suffix(executor)}"
    if not self_employed:
        return intro
    return f"{intro}{',' if executor.inn else ''} — {NPD_STATUS}"


def _inn_suffix(party: Party) -> str:
    return f", ИНН {party.inn}" if party.inn else ""


def _ogrn_suffix(company: Company) -> str:
    return f", ОГРН {company.ogrn}" if company.ogrn else ""


def _company_name_inn(company: Company) -> str:
    return f"{_name(company.name)}, ИНН {company.inn}"


def _person_lines(party: Party) -> list[str]:
    lines = [party.full_name]
    if party.inn:
        lines.append(f"ИНН {party.inn}")
    if party.email:
        lines.append(f"Эл. почта: {party.email}")
    return lines


def _signing_person(role: str, party: Party, *extra: str) -> list[str]:
    return [role, *_person_lines(party), *extra, _GAP, signature_line()]


def _signing_company(role: str, details: list[str], company: Company) -> list[str]:
    signatory = [company.signatory] if company.signatory else []
    return [role, *details, _GAP, *signatory, signature_line()]


def _company_lines(company: Company) -> list[str]:
    lines = [company.name, f"ИНН {company.inn}"]
    if company.kpp:
        lines.append(f"КПП {company.kpp}")
    if company.ogrn:
        lines.append(f"ОГРН {company.ogrn}")
    lines.append(f"Адрес: {company.address}")
    return lines
