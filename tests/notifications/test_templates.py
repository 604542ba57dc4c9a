"""Notification templates: every kind renders in every locale for each of its audiences,
escapes user text where markup is interpreted, and says the right things."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pytest
from markupsafe import escape

from domain.lifecycle import Action, State
from domain.notifications import REFRESH, Kind, Locale, parse_button_data
from notifications.templates import (
    PERSON_KINDS,
    TELEGRAM_TAGS,
    TEMPLATE_DIR,
    Button,
    Templates,
    category_name,
    format_datetime,
    format_money,
    format_window,
    resolve_locale,
    sla_name,
    state_name,
)
from tests.helpers.html_tags import Tags

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

NBSP = "\u00a0"
RID = "3f2a9c1b-5d6e-4f70-8a9b-0c1d2e3f4a5b"
SHORT = RID[:8]
# User-typed text that must be escaped wherever markup is interpreted (HTML, Telegram).
DANGER = '<script>alert("x")</script> & Co'
DANGER_ESCAPED = ("&lt;script&gt;", "&lt;/script&gt;", "&amp; Co")
REQUEST_LINK = f"http://127.0.0.1:58000/v1/requests/{RID}"
CONFIRM_LINK = "http://127.0.0.1:58000/confirm/signed.token-value"
DOC_URL = "https://docs.example.com/act.pdf?id=1&sig=abc"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LOCALES = ("ru", "en")
# Notices about a request; the person kinds (verification) are in test_person_templates.py.
REQUEST_KINDS = [kind for kind in Kind if kind not in PERSON_KINDS]

# (event type, event reason, event data, request state) as the planner sees them.
EVENTS: dict[Kind, tuple[str, str | None, dict[str, Any], str]] = {
    Kind.REQUEST_CREATED: ("request.created", None, {}, "new"),
    Kind.EXECUTOR_OFFER: ("request.assigned", None, {"assignee_id": "e1"}, "assigned"),
    Kind.VERIFICATION_APPROVED: ("verification.approved", None, {}, "assigned"),
    Kind.REQUEST_ACCEPTED: ("request.accepted", None, {}, "accepted"),
    Kind.REQUEST_STARTED: ("request.started", None, {}, "in_progress"),
    Kind.REQUEST_COMPLETED: ("request.completed", None, {"report": "Done"}, "completed"),
    Kind.REQUEST_CONFIRMED: ("request.confirmed", None, {}, "confirmed"),
    Kind.REQUEST_RETURNED: ("request.declined", f"Busy today {DANGER}", {}, "new"),
    Kind.REQUEST_DISPUTED: ("request.disputed", f"Still leaking {DANGER}", {}, "disputed"),
    Kind.DISPUTE_RESOLVED: ("request.resolved", f"Redo the seal {DANGER}", {}, "in_progress"),
    Kind.REQUEST_CANCELLED: ("request.cancelled", f"Plans changed {DANGER}", {}, "cancelled"),
    Kind.OFFER_GONE: ("offer.expired", None, {"offer_no": 1}, "new"),
    Kind.DISPATCH_ESCALATED: (
        "dispatch.escalated",
        f"3 offers declined or unanswered {DANGER}",
        {},
        "new",
    ),
    Kind.SLA_BREACHED: (
        "sla.breached",
        None,
        {
            "sla": "assign",
            "tier": 1,
            "escalation": "notify_manager",
            "due_at": "2026-11-25T09:00:00+00:00",
        },
        "new",
    ),
    Kind.DOCUMENTS_READY: (
        "hr.paperwork_recorded",
        None,
        {"documents": [{"kind": "act", "title": f"Act {DANGER}", "url": DOC_URL}]},
        "closed",
    ),
    Kind.PAPERWORK_FAILED: (
        "hr.paperwork_failed",
        f"INN must be 10 or 12 digits {DANGER}",
        {},
        "confirmed",
    ),
}

# Who receives each kind (domain.notifications: audiences resolved to user roles).
AUDIENCES: dict[Kind, tuple[str, ...]] = {
    Kind.REQUEST_CREATED: ("customer",),
    Kind.REQUEST_ACCEPTED: ("customer",),
    Kind.REQUEST_STARTED: ("customer",),
    Kind.REQUEST_COMPLETED: ("customer",),
    Kind.EXECUTOR_OFFER: ("executor",),
    Kind.VERIFICATION_APPROVED: ("executor",),
    Kind.REQUEST_CONFIRMED: ("executor",),
    Kind.REQUEST_RETURNED: ("manager",),
    Kind.SLA_BREACHED: ("manager", "head_manager"),
    Kind.REQUEST_DISPUTED: ("manager", "executor"),
    Kind.DISPUTE_RESOLVED: ("customer", "executor"),
    Kind.REQUEST_CANCELLED: ("customer", "executor"),
    Kind.DOCUMENTS_READY: ("customer", "executor"),
    Kind.PAPERWORK_FAILED: ("hr",),
    Kind.OFFER_GONE: ("executor",),
    Kind.DISPATCH_ESCALATED: ("manager",),
}

CASES = [
    pytest.param(kind, role, locale, id=f"{kind.value}-{role}-{locale}")
    for kind in REQUEST_KINDS
    for role in AUDIENCES[kind]
    for locale in LOCALES
]


def make_context(kind: Kind, role: str = "customer") -> dict[str, Any]:
    """The planner's context (activities/notifications.py) with ASCII user data, so any
    Cyrillic in the output comes from the templates themselves."""
    event_type, reason, data, state = EVENTS[kind]
    data = copy.deepcopy(data)
    if kind == Kind.SLA_BREACHED and role == "head_manager":
        data["tier"] = 2
    return {
        "recipient": {"name": "Anna Smith", "role": role},
        "request": {
            "id": RID,
            "short_id": SHORT,
            "category": "plumbing",
            "description": f"Kitchen tap leaks {DANGER}",
            "address": f"12 Garden Ring, apt 5 {DANGER}",
            "state": state,
            "budget": "1500",
            "window_start": "2026-11-25T11:00:00+00:00",
            "window_end": "2026-11-25T15:00:00+00:00",
            "report": f"Replaced the cartridge {DANGER}",
            "assignee_name": "Ivan Petrov",
        },
        "event": {
            "type": event_type,
            "occurred_at": "2026-11-25T08:00:00+00:00",
            "reason": reason,
            "data": data,
        },
        "links": {"request": REQUEST_LINK, "confirm": CONFIRM_LINK},
    }


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates(timezone="Europe/Moscow")


def _render(templates: Templates, kind: Kind, role: str, locale: str) -> tuple[Any, Any]:
    context = make_context(kind, role)
    return templates.email(kind, locale, context), templates.telegram(kind, locale, context)


# ---- every kind × audience × locale ---------------------------------------------------


def test_every_kind_has_every_part_in_every_locale():
    assert set(AUDIENCES) == set(REQUEST_KINDS) == set(EVENTS)
    for locale in LOCALES:
        names = {p.name for p in (TEMPLATE_DIR / locale).glob("*.j2")}
        for kind in Kind:
            for part in ("subject", "text", "html", "telegram"):
                assert f"{kind.value}.{part}.j2" in names
        kinds = {n.split(".")[0] for n in names if not n.startswith("_")}
        assert kinds == {k.value for k in Kind}, "a template for a kind that does not exist"
        assert "_layout.html.j2" in names


@pytest.mark.parametrize(("kind", "role", "locale"), CASES)
def test_subject_is_one_meaningful_line(templates, kind, role, locale):
    email, _ = _render(templates, kind, role, locale)
    assert email.subject == email.subject.strip()
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert SHORT in email.subject
    assert "{{" not in email.subject
    assert "{%" not in email.subject
    assert 10 < len(email.subject) < 120


@pytest.mark.parametrize(("kind", "role", "locale"), CASES)
def test_text_body_is_plain_and_complete(templates, kind, role, locale):
    email, _ = _render(templates, kind, role, locale)
    text = email.text
    assert SHORT in text
    for leftover in ("{{", "}}", "{%", "%}", "{#"):
        assert leftover not in text
    assert "None" not in text
    assert text.startswith("Здравствуйте, Anna Smith!" if locale == "ru" else "Hello Anna Smith,")
    assert REQUEST_LINK in text
    assert "\n\n\n" not in text, "at most one blank line in a row"
    # User text goes into plain text as typed: nothing to escape there.
    assert DANGER in text
    assert "&amp;" not in text
    assert "&lt;" not in text


@pytest.mark.parametrize(("kind", "role", "locale"), CASES)
def test_html_body_escapes_user_text_and_is_well_formed(templates, kind, role, locale):
    email, _ = _render(templates, kind, role, locale)
    html = email.html
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in html
    assert f"<title>{escape(email.subject)}</title>" in html
    assert "<script" not in html
    for escaped in DANGER_ESCAPED:
        assert escaped in html
    parsed = Tags(html)
    assert parsed.errors == []
    assert "script" not in parsed.names
    assert REQUEST_LINK in parsed.hrefs
    assert SHORT in html
    assert "{{" not in html
    assert "{%" not in html


@pytest.mark.parametrize(("kind", "role", "locale"), CASES)
def test_telegram_uses_only_what_telegram_accepts(templates, kind, role, locale):
    _, message = _render(templates, kind, role, locale)
    text = message.text
    parsed = Tags(text)
    assert parsed.names <= TELEGRAM_TAGS, parsed.names - TELEGRAM_TAGS
    assert parsed.errors == []
    assert parsed.entities <= {"lt", "gt", "amp", "quot"}
    assert "<script" not in text
    for escaped in DANGER_ESCAPED:
        assert escaped in text
    assert SHORT in text
    assert text.startswith("<b>"), "the headline comes first"
    assert len(text) <= 4096
    assert "http" not in text, "links travel by e-mail only"
    assert "\n\n\n" not in text


@pytest.mark.parametrize(("kind", "role", "locale"), CASES)
def test_russian_is_russian_and_english_is_english(templates, kind, role, locale):
    email, message = _render(templates, kind, role, locale)
    labels = " ".join(b.label for row in message.buttons for b in row)
    parts = {
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "telegram": message.text,
    }
    for name, part in parts.items():
        if locale == "ru":
            assert CYRILLIC.search(part), f"{name} has no Russian"
        else:
            assert not CYRILLIC.search(part), f"{name}: {CYRILLIC.findall(part)[:5]}"
    if locale == "en":
        assert not CYRILLIC.search(labels)


@pytest.mark.parametrize(("kind", "role", "locale"), CASES)
def test_buttons(templates, kind, role, locale):
    _, message = _render(templates, kind, role, locale)
    datas = [parse_button_data(b.callback_data or "") for row in message.buttons for b in row]
    labels = [b.label for row in message.buttons for b in row]
    assert all(b.url is None for row in message.buttons for b in row)
    if kind in (Kind.EXECUTOR_OFFER, Kind.VERIFICATION_APPROVED):
        assert len(message.buttons) == 1
        assert datas == [(Action.ACCEPT.value, RID), (Action.DECLINE.value, RID)]
        assert labels == (["Принять", "Отказаться"] if locale == "ru" else ["Accept", "Decline"])
    elif kind in (Kind.REQUEST_DISPUTED, Kind.DISPUTE_RESOLVED) and role == "executor":
        assert datas == [(REFRESH, RID)]
        assert labels == (["Открыть заявку"] if locale == "ru" else ["Open job"])
    else:
        assert message.buttons == ()


def test_kind_may_be_given_as_its_value(templates):
    context = make_context(Kind.REQUEST_CREATED)
    assert templates.email("request_created", "ru", context) == templates.email(
        Kind.REQUEST_CREATED, "ru", context
    )
    with pytest.raises(ValueError, match="no_such_kind"):
        templates.email("no_such_kind", "ru", context)


def test_rendering_leaves_the_context_alone(templates):
    context = make_context(Kind.REQUEST_COMPLETED)
    before = copy.deepcopy(context)
    templates.email(Kind.REQUEST_COMPLETED, "ru", context)
    templates.telegram(Kind.REQUEST_COMPLETED, "ru", context)
    assert context == before


# ---- what each kind says --------------------------------------------------------------


def test_request_created_ru(templates):
    email, message = _render(templates, Kind.REQUEST_CREATED, "customer", "ru")
    assert email.subject == f"Мы получили вашу заявку №{SHORT}"
    assert "подбираем исполнителя" in email.text
    assert "Категория: Сантехника" in email.text
    assert "Время: 25.11.2026 14:00–18:00" in email.text
    assert f"Бюджет: 1{NBSP}500,00{NBSP}₽" in email.text
    assert f"Описание:\nKitchen tap leaks {DANGER}" in email.text
    assert message.text.startswith(f"<b>Заявка №{SHORT} создана</b>\nСантехника · 12 Garden Ring")


def test_executor_offer_has_the_facts_and_asks_to_answer_in_telegram(templates):
    email, message = _render(templates, Kind.EXECUTOR_OFFER, "executor", "ru")
    assert email.subject == f"Новая заявка №{SHORT}: Сантехника"
    for fact in (
        "Категория: Сантехника",
        f"Адрес: 12 Garden Ring, apt 5 {DANGER}",
        "Время: 25.11.2026 14:00–18:00",
        f"Бюджет: 1{NBSP}500,00{NBSP}₽",
        f"Kitchen tap leaks {DANGER}",
    ):
        assert fact in email.text
    assert "примите её или откажитесь от неё в нашем Telegram-боте" in email.text
    assert "Бюджет: 1" in message.text
    assert "Время: 25.11.2026 14:00–18:00" in message.text
    assert "<blockquote>Kitchen tap leaks &lt;script&gt;" in message.text

    english, _ = _render(templates, Kind.EXECUTOR_OFFER, "executor", "en")
    assert english.subject == f"New job #{SHORT}: Plumbing"
    assert "accept or decline it in our Telegram bot" in english.text
    assert f"Budget: RUB{NBSP}1,500.00" in english.text
    assert "Time: 25 Nov 2026, 14:00–18:00" in english.text


def test_offer_without_budget_or_window_says_to_be_agreed(templates):
    context = make_context(Kind.EXECUTOR_OFFER, "executor")
    context["request"].update(budget=None, window_start=None, window_end=None)
    ru = templates.email(Kind.EXECUTOR_OFFER, "ru", context).text
    assert "Время: по договорённости" in ru
    assert "Бюджет: по договорённости" in ru
    en = templates.telegram(Kind.EXECUTOR_OFFER, "en", context).text
    assert "Time: to be agreed" in en
    assert "Budget: to be agreed" in en


@pytest.mark.parametrize("locale", LOCALES)
def test_request_completed_puts_the_confirm_link_up_front(templates, locale):
    email, message = _render(templates, Kind.REQUEST_COMPLETED, "customer", locale)
    assert CONFIRM_LINK in email.text
    assert f'<a href="{CONFIRM_LINK}"' in email.html
    button = "Подтвердить выполнение" if locale == "ru" else "Confirm the work"
    assert f">{button}</a>" in email.html
    auto = "будет подтверждено автоматически" if locale == "ru" else "confirmed automatically"
    assert auto in email.text
    assert auto in email.html
    report = f"Replaced the cartridge {DANGER}"
    assert report in email.text
    assert "Replaced the cartridge &lt;script&gt;" in email.html
    assert "<blockquote>Replaced the cartridge &lt;script&gt;" in message.text
    # The link is on the page before the facts table.
    assert email.text.index(CONFIRM_LINK) < email.text.index(
        "Заявка: №" if locale == "ru" else "Request: #"
    )


def test_request_completed_without_confirm_link_or_report(templates):
    context = make_context(Kind.REQUEST_COMPLETED)
    context["links"]["confirm"] = None
    context["request"]["report"] = None
    email = templates.email(Kind.REQUEST_COMPLETED, "ru", context)
    assert f"подтвердите выполнение по ссылке:\n{REQUEST_LINK}" in email.text
    assert "Исполнитель не оставил отчёта." in email.text
    assert "None" not in email.text


def test_request_confirmed_tells_auto_confirmation_apart(templates):
    context = make_context(Kind.REQUEST_CONFIRMED, "executor")
    by_customer = templates.email(Kind.REQUEST_CONFIRMED, "ru", context).text
    assert "Заказчик подтвердил выполнение" in by_customer
    context["event"]["reason"] = "auto_confirm SLA expired"
    auto = templates.email(Kind.REQUEST_CONFIRMED, "ru", context).text
    assert "подтверждено автоматически" in auto
    assert "SLA" not in auto


@pytest.mark.parametrize(
    ("event_type", "reason", "ru_phrase", "shows_reason"),
    [
        ("request.declined", "Busy today", "Исполнитель отказался от заявки.", True),
        ("request.declined", None, "Исполнитель отказался от заявки.", False),
        ("request.declined", "accept SLA expired", "не ответил на предложение вовремя", False),
        ("request.unassigned", "executor failed security verification", "проверку", False),
        ("request.unassigned", "start SLA expired after escalation", "не приступил", False),
        ("request.unassigned", "Moved to another team", "снята с исполнителя", True),
    ],
)
def test_request_returned_explains_why(templates, event_type, reason, ru_phrase, shows_reason):
    context = make_context(Kind.REQUEST_RETURNED, "manager")
    context["event"].update(type=event_type, reason=reason)
    email = templates.email(Kind.REQUEST_RETURNED, "ru", context)
    message = templates.telegram(Kind.REQUEST_RETURNED, "ru", context)
    assert email.subject == f"Заявка №{SHORT} вернулась в очередь"
    assert ru_phrase in email.text
    assert ru_phrase in message.text
    assert "назначьте другого исполнителя" in email.text
    assert (f"Причина:\n{reason}" in email.text) is shows_reason
    # System reasons are for machines; a person reads our own words instead.
    assert "SLA" not in email.text
    assert "verification" not in email.text


def test_request_returned_reads_the_reason_from_event_data_too(templates):
    context = make_context(Kind.REQUEST_RETURNED, "manager")
    context["event"].update(
        type="request.declined", reason=None, data={"reason": "accept SLA expired"}
    )
    assert (
        "не ответил на предложение вовремя"
        in templates.email(Kind.REQUEST_RETURNED, "ru", context).text
    )


def test_request_disputed_speaks_to_managers_and_executor_differently(templates):
    manager, _ = _render(templates, Kind.REQUEST_DISPUTED, "manager", "ru")
    executor, _ = _render(templates, Kind.REQUEST_DISPUTED, "executor", "ru")
    assert "отправьте заявку на доработку" in manager.text
    assert "Отчёт исполнителя:" in manager.text
    assert "Исполнитель: Ivan Petrov" in manager.text
    assert "ничего делать не нужно" in executor.text
    assert "Отчёт исполнителя" not in executor.text
    for email in (manager, executor):
        assert f"Что не устроило заказчика:\nStill leaking {DANGER}" in email.text


@pytest.mark.parametrize(
    ("state", "role", "phrase"),
    [
        ("in_progress", "customer", "отправлены на доработку"),
        ("in_progress", "executor", "заявка снова у вас в работе"),
        ("confirmed", "customer", "признаны выполненными"),
        ("confirmed", "executor", "признаны выполненными"),
    ],
)
def test_dispute_resolved_outcome(templates, state, role, phrase):
    context = make_context(Kind.DISPUTE_RESOLVED, role)
    context["request"]["state"] = state
    email = templates.email(Kind.DISPUTE_RESOLVED, "ru", context)
    assert phrase in email.text
    assert f"Комментарий менеджера:\nRedo the seal {DANGER}" in email.text
    assert phrase in templates.telegram(Kind.DISPUTE_RESOLVED, "ru", context).text


@pytest.mark.parametrize("role", ["customer", "executor"])
def test_request_cancelled_without_reason(templates, role):
    context = make_context(Kind.REQUEST_CANCELLED, role)
    context["event"]["reason"] = None
    email = templates.email(Kind.REQUEST_CANCELLED, "ru", context)
    message = templates.telegram(Kind.REQUEST_CANCELLED, "ru", context)
    assert email.subject == f"Заявка №{SHORT} отменена"
    assert "Причина" not in email.text
    assert "Причина" not in message.text
    expected = "выполнять её не нужно" if role == "executor" else "создайте новую заявку"
    assert expected in email.text.lower()
    assert "None" not in email.text + email.html + message.text


def test_sla_breached_tiers(templates):
    manager, message = _render(templates, Kind.SLA_BREACHED, "manager", "ru")
    assert manager.subject == f"Просрочено назначение исполнителя по заявке №{SHORT}"
    # Due 09:00 UTC is 12:00 in Moscow.
    assert "срок истёк 25.11.2026 12:00" in manager.text
    assert "назначьте исполнителя" in manager.text
    assert "Статус: новая" in manager.text
    assert message.text.startswith(f"<b>Просрочка по заявке №{SHORT}</b>")

    head, head_message = _render(templates, Kind.SLA_BREACHED, "head_manager", "ru")
    assert head.subject.startswith("Эскалация (уровень 2): просрочено назначение исполнителя")
    assert "передан вам" in head.text
    assert "передан вам" in head_message.text

    english, _ = _render(templates, Kind.SLA_BREACHED, "head_manager", "en")
    assert english.subject == f"Escalation (level 2): assignment overdue on request #{SHORT}"
    assert "passed at 25 Nov 2026, 12:00" in english.text


def test_documents_ready_links_in_email_only(templates):
    email, message = _render(templates, Kind.DOCUMENTS_READY, "customer", "ru")
    assert f"- Act {DANGER}: {DOC_URL}" in email.text
    assert f'<a href="{DOC_URL.replace("&", "&amp;")}"' in email.html
    assert "Act &lt;script&gt;" in message.text
    assert DOC_URL not in message.text
    assert "Спасибо, что воспользовались нашим сервисом!" in email.text
    executor, _ = _render(templates, Kind.DOCUMENTS_READY, "executor", "ru")
    assert "Спасибо за работу!" in executor.text


@pytest.mark.parametrize("locale", LOCALES)
def test_documents_ready_with_no_documents_points_to_the_account(templates, locale):
    context = make_context(Kind.DOCUMENTS_READY, "executor")
    context["event"]["data"]["documents"] = []
    email = templates.email(Kind.DOCUMENTS_READY, locale, context)
    message = templates.telegram(Kind.DOCUMENTS_READY, locale, context)
    phrase = "будут доступны в личном кабинете" if locale == "ru" else "available in your account"
    assert phrase in email.text
    assert phrase in email.html
    assert phrase in message.text
    assert "<ul" not in email.html


# ---- strictness ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", REQUEST_KINDS)
def test_missing_context_key_raises(templates, kind):
    role = AUDIENCES[kind][0]
    context = make_context(kind, role)
    del context["request"]["short_id"]
    with pytest.raises(jinja2.UndefinedError):
        templates.email(kind, "ru", context)
    with pytest.raises(jinja2.UndefinedError):
        templates.telegram(kind, "en", context)


@pytest.mark.parametrize("key", ["recipient", "request", "event", "links"])
def test_missing_top_level_key_raises_even_where_unused(templates, key):
    context = make_context(Kind.REQUEST_CREATED)
    del context[key]
    with pytest.raises(jinja2.UndefinedError, match=key):
        templates.telegram(Kind.REQUEST_CREATED, "ru", context)


def test_missing_kind_specific_data_raises(templates):
    context = make_context(Kind.SLA_BREACHED, "manager")
    del context["event"]["data"]["due_at"]
    with pytest.raises(jinja2.UndefinedError):
        templates.email(Kind.SLA_BREACHED, "ru", context)
    context = make_context(Kind.REQUEST_COMPLETED)
    del context["links"]["confirm"]
    with pytest.raises(jinja2.UndefinedError):
        templates.email(Kind.REQUEST_COMPLETED, "en", context)
    context = make_context(Kind.EXECUTOR_OFFER, "executor")
    del context["request"]["id"]
    with pytest.raises(jinja2.UndefinedError):
        templates.telegram(Kind.EXECUTOR_OFFER, "ru", context)


# ---- locales --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, Locale.RU),
        ("", Locale.RU),
        ("ru", Locale.RU),
        ("ru-RU", Locale.RU),
        ("en", Locale.EN),
        ("en-GB", Locale.EN),
        ("EN_us", Locale.EN),
        (" en ", Locale.EN),
        ("de", Locale.RU),
        ("english", Locale.RU),
    ],
)
def test_resolve_locale(given, expected):
    assert resolve_locale(given) is expected


def test_unknown_locales_fall_back_to_russian(templates):
    context = make_context(Kind.REQUEST_CREATED)
    assert templates.email(Kind.REQUEST_CREATED, "de", context).subject.startswith("Мы получили")
    assert templates.email(Kind.REQUEST_CREATED, "en-GB", context).subject.startswith("We've")
    assert (
        templates.telegram(Kind.EXECUTOR_OFFER, "fr", make_context(Kind.EXECUTOR_OFFER, "executor"))
        .buttons[0][0]
        .label
        == "Принять"
    )


def test_locales(templates):
    assert templates.locales() == ["ru", "en"]


# ---- filters ------------------------------------------------------------------------

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("value", "ru", "en"),
    [
        ("1500", f"1{NBSP}500,00{NBSP}₽", f"RUB{NBSP}1,500.00"),
        ("1234567.891", f"1{NBSP}234{NBSP}567,89{NBSP}₽", f"RUB{NBSP}1,234,567.89"),
        ("0.005", f"0,01{NBSP}₽", f"RUB{NBSP}0.01"),
        ("999", f"999,00{NBSP}₽", f"RUB{NBSP}999.00"),
        (Decimal("2500.5"), f"2{NBSP}500,50{NBSP}₽", f"RUB{NBSP}2,500.50"),
        (None, "по договорённости", "to be agreed"),
    ],
)
def test_money(value, ru, en):
    assert format_money(value, Locale.RU) == ru
    assert format_money(value, Locale.EN) == en


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_money_refuses_what_is_not_money(value):
    with pytest.raises(ValueError, match="not an amount"):
        format_money(value, Locale.RU)


@pytest.mark.parametrize(
    ("value", "ru", "en"),
    [
        ("2026-11-25T11:30:00+00:00", "25.11.2026 14:30", "25 Nov 2026, 14:30"),
        ("2026-11-25T11:30:00Z", "25.11.2026 14:30", "25 Nov 2026, 14:30"),
        ("2026-03-05T22:05:00+00:00", "06.03.2026 01:05", "6 Mar 2026, 01:05"),
        (datetime(2026, 11, 25, 11, 30, tzinfo=UTC), "25.11.2026 14:30", "25 Nov 2026, 14:30"),
        # Naive values are UTC, as everything we store.
        (datetime(2026, 11, 25, 11, 30), "25.11.2026 14:30", "25 Nov 2026, 14:30"),
    ],
)
def test_dt_in_moscow_time(value, ru, en):
    assert format_datetime(value, Locale.RU, MSK) == ru
    assert format_datetime(value, Locale.EN, MSK) == en


def test_dt_follows_the_configured_timezone():
    context = make_context(Kind.SLA_BREACHED, "manager")  # due 09:00 UTC
    utc = Templates(timezone="UTC").email(Kind.SLA_BREACHED, "ru", context).text
    yekaterinburg = (
        Templates(timezone="Asia/Yekaterinburg").email(Kind.SLA_BREACHED, "ru", context).text
    )
    assert "срок истёк 25.11.2026 09:00" in utc
    assert "срок истёк 25.11.2026 14:00" in yekaterinburg
    assert "Время: 25.11.2026 16:00–20:00" in yekaterinburg


def test_window():
    start, end = "2026-11-25T11:00:00+00:00", "2026-11-25T15:00:00+00:00"
    assert format_window(start, end, Locale.RU, MSK) == "25.11.2026 14:00–18:00"
    assert format_window(start, end, Locale.EN, MSK) == "25 Nov 2026, 14:00–18:00"
    late = "2026-11-26T07:00:00+00:00"
    assert format_window(start, late, Locale.RU, MSK) == "25.11.2026 14:00 — 26.11.2026 10:00"
    assert format_window(start, None, Locale.RU, MSK) == "с 25.11.2026 14:00"
    assert format_window(None, end, Locale.EN, MSK) == "by 25 Nov 2026, 18:00"
    assert format_window(None, None, Locale.RU, MSK) == "по договорённости"


@pytest.mark.parametrize(
    ("code", "ru", "en"),
    [
        ("plumbing", "Сантехника", "Plumbing"),
        ("electrical", "Электрика", "Electrical"),
        ("cleaning", "Уборка", "Cleaning"),
        ("appliance", "Ремонт техники", "Appliance repair"),
        ("carpentry", "Столярные работы", "Carpentry"),
        ("painting", "Малярные работы", "Painting"),
        ("other", "Другое", "Other"),
        ("roofing", "Roofing", "Roofing"),
        ("window_cleaning", "Window cleaning", "Window cleaning"),
    ],
)
def test_category(code, ru, en):
    assert category_name(code, Locale.RU) == ru
    assert category_name(code, Locale.EN) == en


def test_state_names():
    assert state_name("in_progress", Locale.RU) == "в работе"
    assert state_name("in_progress", Locale.EN) == "in progress"
    assert state_name("cancelled", Locale.RU) == "отменена"
    for state in State:  # every state has its own words, not the fallback
        assert CYRILLIC.search(state_name(state.value, Locale.RU)), state
        assert state_name(state.value, Locale.EN)
    assert state_name("on_hold", Locale.EN) == "on hold"


def test_sla_names():
    assert sla_name("assign", Locale.RU) == "назначение исполнителя"
    assert sla_name("assign", Locale.EN) == "assignment"
    assert sla_name("complete", Locale.RU) == "завершение работ"
    assert sla_name("start", Locale.EN) == "start of work"


def test_filters_in_templates_use_the_locale(templates):
    context = make_context(Kind.REQUEST_RETURNED, "manager")
    context["request"].update(category="electrical", state="in_progress", budget="25000.5")
    ru = templates.email(Kind.REQUEST_RETURNED, "ru", context).text
    en = templates.email(Kind.REQUEST_RETURNED, "en", context).text
    assert "Категория: Электрика" in ru
    assert "Category: Electrical" in en
    assert f"Бюджет: 25{NBSP}000,50{NBSP}₽" in ru
    assert f"Budget: RUB{NBSP}25,000.50" in en


# ---- buttons --------------------------------------------------------------------------


def test_button_needs_exactly_one_action():
    with pytest.raises(ValueError, match="exactly one"):
        Button("x")
    with pytest.raises(ValueError, match="exactly one"):
        Button("x", callback_data="a", url="https://example.com")
    with pytest.raises(ValueError, match="64 bytes"):
        Button("x", callback_data="я" * 33)
