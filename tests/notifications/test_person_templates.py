"""Notices about a person, not a request (an executor's security verification): every
kind renders in every locale and part without a request, links to the verification, and
says the right things to the executor, the officers and the head of security."""

from __future__ import annotations

import copy
import re
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pytest
from markupsafe import escape

from domain.notifications import Kind, Locale
from notifications.templates import (
    PERSON_KINDS,
    TELEGRAM_TAGS,
    TEMPLATE_DIR,
    Templates,
    check_name,
    format_date,
)
from tests.helpers.html_tags import Tags

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

DANGER = '<script>alert("x")</script> & Co'
DANGER_ESCAPED = ("&lt;script&gt;", "&lt;/script&gt;", "&amp; Co")
VERIFICATION_LINK = "http://127.0.0.1:58000/v1/executors/e-42/verification"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LOCALES = ("ru", "en")
PARTS = ("subject", "text", "html", "telegram")
MSK = ZoneInfo("Europe/Moscow")
# 22:30 UTC is already the next day in Moscow.
UNTIL = "2027-11-25T22:30:00+00:00"
UNTIL_DAY = {"ru": "26.11.2027", "en": "26 Nov 2027"}

# (kind, event type, recipient role): every variant the planner sends.
VARIANTS = [
    (Kind.VERIFICATION_DECIDED, "verification.approved", "executor"),
    (Kind.VERIFICATION_DECIDED, "verification.rejected", "executor"),
    (Kind.VERIFICATION_EXPIRING, "verification.expiring", "executor"),
    (Kind.VERIFICATION_EXPIRED, "verification.expired", "executor"),
    (Kind.VERIFICATION_PENDING, "verification.awaiting_decision", "security"),
    (Kind.VERIFICATION_PENDING, "verification.escalated", "head_security"),
]
CASES = [
    pytest.param(kind, event_type, role, locale, id=f"{event_type}-{locale}")
    for kind, event_type, role in VARIANTS
    for locale in LOCALES
]


def make_context(
    kind: Kind,
    event_type: str,
    role: str = "executor",
    *,
    reason: str | None = None,
    failed_checks: list[str] | None = None,
    verified_until: str | None = UNTIL,
    round_: int = 1,
    recipient: str = "Anna Smith",
    executor: str = "Ivan Petrov",
) -> dict[str, Any]:
    """The planner's context for a person notice: `request` present but None."""
    assert kind in PERSON_KINDS
    return {
        "recipient": {"name": recipient, "role": role},
        "request": None,
        "executor": {"id": "e-42", "name": executor},
        "event": {
            "type": event_type,
            "occurred_at": "2026-11-25T08:00:00+00:00",
            "reason": reason,
            "data": {
                "verified_until": verified_until,
                "failed_checks": failed_checks or [],
                "round": round_,
            },
        },
        "links": {"request": None, "verification": VERIFICATION_LINK},
    }


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates(timezone="Europe/Moscow")


def render(
    templates: Templates, locale: str, context: dict[str, Any], kind: Kind
) -> dict[str, Any]:
    email = templates.email(kind, locale, context)
    message = templates.telegram(kind, locale, context)
    return {
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "telegram": message.text,
        "buttons": message.buttons,
    }


def rejected(templates: Templates, locale: str, **kwargs: Any) -> dict[str, Any]:
    context = make_context(Kind.VERIFICATION_DECIDED, "verification.rejected", **kwargs)
    return render(templates, locale, context, Kind.VERIFICATION_DECIDED)


# ---- every kind × variant × locale × part ---------------------------------------------


def test_the_person_kinds():
    assert {
        Kind.VERIFICATION_DECIDED,
        Kind.VERIFICATION_EXPIRING,
        Kind.VERIFICATION_EXPIRED,
        Kind.VERIFICATION_PENDING,
    } == PERSON_KINDS
    assert {kind for kind, _, _ in VARIANTS} == PERSON_KINDS
    for kind in PERSON_KINDS:
        assert kind.value == kind.name.lower()


def test_every_person_kind_has_every_part_in_every_locale():
    for locale in LOCALES:
        names = {p.name for p in (TEMPLATE_DIR / locale).glob("*.j2")}
        for kind in PERSON_KINDS:
            for part in PARTS:
                assert f"{kind.value}.{part}.j2" in names
        assert {"_person_layout.html.j2", "_person_layout.text.j2"} <= names


@pytest.mark.parametrize(("kind", "event_type", "role", "locale"), CASES)
def test_every_part_renders_without_a_request(templates, kind, event_type, role, locale):
    context = make_context(kind, event_type, role, reason="Blurry scan", failed_checks=["inn"])
    parts = render(templates, locale, context, kind)
    for name in PARTS:
        part = parts[name]
        assert part.strip(), f"{name} is empty"
        for leftover in ("{{", "}}", "{%", "%}", "{#"):
            assert leftover not in part, name
        assert "None" not in part, name
        # Nothing about a request: no request header, number or link.
        for request_words in ("Заявка №", "№", "Request #", "request #", "job #"):
            assert request_words not in part, (name, request_words)
        assert "Открыть заявку" not in part
        assert "Open the request" not in part
        assert "/requests/" not in part

    subject = parts["subject"]
    assert "\n" not in subject
    assert subject == subject.strip()
    assert 10 < len(subject) < 120

    text = parts["text"]
    assert text.startswith("Здравствуйте, Anna Smith!" if locale == "ru" else "Hello Anna Smith,")
    opener = "Открыть проверку" if locale == "ru" else "Open verification"
    assert f"{opener}: {VERIFICATION_LINK}" in text
    assert "\n\n\n" not in text

    html = parts["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in html
    assert f"<title>{escape(subject)}</title>" in html
    tags = Tags(html)
    assert tags.errors == []
    assert tags.hrefs == [VERIFICATION_LINK]
    assert f">{opener}" in html

    assert parts["buttons"] == ()


@pytest.mark.parametrize(("kind", "event_type", "role", "locale"), CASES)
def test_telegram_is_short_and_uses_only_what_telegram_accepts(
    templates, kind, event_type, role, locale
):
    context = make_context(kind, event_type, role, reason=f"Blurry {DANGER}", failed_checks=["age"])
    text = templates.telegram(kind, locale, context).text
    tags = Tags(text)
    assert tags.names <= TELEGRAM_TAGS, tags.names - TELEGRAM_TAGS
    assert tags.errors == []
    assert tags.entities <= {"lt", "gt", "amp", "quot"}
    assert text.startswith("<b>"), "the headline comes first"
    assert "http" not in text, "links travel by e-mail only"
    assert "\n\n\n" not in text
    assert len(text) <= 600


@pytest.mark.parametrize(("kind", "event_type", "role", "locale"), CASES)
def test_russian_is_russian_and_english_is_english(templates, kind, event_type, role, locale):
    # Russian names: the only Cyrillic an English notice may carry.
    recipient, executor = "Анна Смирнова", "Иван Петров"
    context = make_context(
        kind,
        event_type,
        role,
        reason="Blurry scan",
        failed_checks=["inn", "passport", "age", "self_employed"],
        recipient=recipient,
        executor=executor,
    )
    parts = render(templates, locale, context, kind)
    for name in PARTS:
        part = parts[name].replace(recipient, "").replace(executor, "")
        if locale == "ru":
            assert CYRILLIC.search(part), f"{name} has no Russian"
        else:
            assert not CYRILLIC.search(part), f"{name}: {CYRILLIC.findall(part)[:5]}"


# ---- what each kind says --------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_approved_and_rejected_say_different_things(templates, locale):
    context = make_context(Kind.VERIFICATION_DECIDED, "verification.approved")
    approved = render(templates, locale, context, Kind.VERIFICATION_DECIDED)
    refused = rejected(templates, locale, reason=f"The scan is blurry {DANGER}")
    for name in PARTS:
        assert approved[name] != refused[name], name

    day = UNTIL_DAY[locale]
    if locale == "ru":
        assert approved["subject"] == "Проверка пройдена: теперь вы можете получать заявки"
        assert "Теперь вы можете получать заявки." in approved["text"]
        assert f"Проверка действует до {day}." in approved["text"]
        assert refused["subject"] == "Документы не прошли проверку"
        assert f"Причина:\nThe scan is blurry {DANGER}" in refused["text"]
        assert "отправьте документы заново в личном кабинете" in refused["text"]
    else:
        assert approved["subject"] == "You're verified: you can now take jobs"
        assert "You can now take jobs." in approved["text"]
        assert f"Your verification is valid until {day}." in approved["text"]
        assert refused["subject"] == "Your documents didn't pass verification"
        assert f"Reason:\nThe scan is blurry {DANGER}" in refused["text"]
        assert "submit your documents again in your account" in refused["text"]
    for name in ("html", "telegram"):
        assert day in approved[name]
        assert "The scan is blurry &lt;script&gt;" in refused[name]
        for escaped in DANGER_ESCAPED:
            assert escaped in refused[name]
        assert "<script" not in refused[name]
    assert "<blockquote>The scan is blurry &lt;script&gt;" in refused["telegram"]
    assert "blurry" not in approved["text"]


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("ru", "Не пройдены проверки: ИНН, паспорт, возраст, статус самозанятого."),
        ("en", "Failed checks: INN, passport, age, self-employed status."),
    ],
)
def test_failed_checks_are_named_in_words(templates, locale, words):
    parts = rejected(templates, locale, failed_checks=["inn", "passport", "age", "self_employed"])
    for name in ("text", "html", "telegram"):
        assert words in parts[name], name
        assert "self_employed" not in parts[name]
        assert "inn," not in parts[name]
    reason = "Причина" if locale == "ru" else "Reason"
    assert reason not in parts["text"], "no reason given, none shown"


def test_one_failed_check_reads_in_the_singular(templates):
    assert (
        "Не пройдена проверка: паспорт."
        in rejected(templates, "ru", failed_checks=["passport"])["text"]
    )
    assert "Failed check: age." in rejected(templates, "en", failed_checks=["age"])["telegram"]


@pytest.mark.parametrize("locale", LOCALES)
def test_rejected_with_neither_reason_nor_checks(templates, locale):
    parts = rejected(templates, locale)
    for name in PARTS:
        assert "None" not in parts[name]
        assert "Причина" not in parts[name]
        assert "Reason" not in parts[name]
        assert "Не пройден" not in parts[name]
        assert "Failed check" not in parts[name]


@pytest.mark.parametrize("locale", LOCALES)
def test_approved_without_a_date_leaves_it_out(templates, locale):
    context = make_context(Kind.VERIFICATION_DECIDED, "verification.approved", verified_until=None)
    parts = render(templates, locale, context, Kind.VERIFICATION_DECIDED)
    for name in PARTS:
        assert "None" not in parts[name]
        assert "действует до" not in parts[name]
        assert "valid until" not in parts[name]


@pytest.mark.parametrize("locale", LOCALES)
def test_expiring_names_the_day_and_asks_for_fresh_documents(templates, locale):
    context = make_context(Kind.VERIFICATION_EXPIRING, "verification.expiring")
    parts = render(templates, locale, context, Kind.VERIFICATION_EXPIRING)
    day = UNTIL_DAY[locale]
    asks = "отправьте" if locale == "ru" else "submit fresh documents"
    for name in PARTS:
        assert day in parts[name], name
    for name in ("text", "html", "telegram"):
        assert asks in parts[name], name
    if locale == "ru":
        assert parts["subject"] == f"Проверка действует до {day}: обновите документы"
        assert "Чтобы и дальше получать заявки" in parts["text"]
    else:
        assert parts["subject"] == f"Your verification ends on {day}: please update your documents"
        assert "To keep getting jobs" in parts["text"]

    context["event"]["data"]["verified_until"] = None
    undated = render(templates, locale, context, Kind.VERIFICATION_EXPIRING)
    assert ("скоро истекает" if locale == "ru" else "ends soon") in undated["subject"]
    assert "None" not in undated["text"] + undated["html"] + undated["telegram"]


@pytest.mark.parametrize("locale", LOCALES)
def test_expired_says_no_new_jobs_until_verified_again(templates, locale):
    context = make_context(Kind.VERIFICATION_EXPIRED, "verification.expired")
    parts = render(templates, locale, context, Kind.VERIFICATION_EXPIRED)
    if locale == "ru":
        assert parts["subject"] == "Срок проверки истёк: новые заявки приостановлены"
        assert "новые заявки вам не назначаются" in parts["text"]
        assert "пока вы снова не пройдёте проверку" in parts["telegram"]
    else:
        assert parts["subject"] == "Your verification has expired: no new jobs for now"
        assert "you won't be offered new jobs" in parts["text"]
        assert "until you're verified again" in parts["telegram"]
    assert UNTIL_DAY[locale] in parts["text"]


@pytest.mark.parametrize("locale", LOCALES)
def test_pending_asks_officers_to_decide(templates, locale):
    context = make_context(Kind.VERIFICATION_PENDING, "verification.awaiting_decision", "security")
    parts = render(templates, locale, context, Kind.VERIFICATION_PENDING)
    for name in PARTS:
        assert "Ivan Petrov" in parts[name], name
        for overdue in ("Просрочено", "просрочено", "передан вам", "Overdue", "overdue"):
            assert overdue not in parts[name], (name, overdue)
    if locale == "ru":
        assert parts["subject"] == "Документы исполнителя Ivan Petrov ждут решения"
        assert "прошли автоматические проверки и ждут вашего решения" in parts["text"]
        assert "одобрите или отклоните" in parts["text"]
    else:
        assert parts["subject"] == "Documents from Ivan Petrov await your decision"
        assert "passed the automated checks and are awaiting your decision" in parts["text"]
        assert "approve or reject them" in parts["text"]
    assert "повторно" not in parts["text"]
    assert "resubmission" not in parts["text"]


@pytest.mark.parametrize("locale", LOCALES)
def test_escalated_pending_tells_the_head_it_is_overdue(templates, locale):
    context = make_context(
        Kind.VERIFICATION_PENDING,
        "verification.escalated",
        "head_security",
        recipient="Helen Head",
    )
    parts = render(templates, locale, context, Kind.VERIFICATION_PENDING)
    normal = render(
        templates,
        locale,
        make_context(Kind.VERIFICATION_PENDING, "verification.awaiting_decision", "security"),
        Kind.VERIFICATION_PENDING,
    )
    for name in PARTS:
        assert parts[name] != normal[name], name
        assert "Ivan Petrov" in parts[name], name
    if locale == "ru":
        assert parts["subject"] == "Просрочено решение по проверке исполнителя Ivan Petrov"
        assert parts["text"].startswith("Здравствуйте, Helen Head!")
        for name in ("text", "html", "telegram"):
            assert "в установленный срок" in parts[name], name
            assert "передан вам" in parts[name], name
    else:
        assert parts["subject"] == "Overdue: verification decision for Ivan Petrov"
        assert parts["text"].startswith("Hello Helen Head,")
        for name in ("text", "html", "telegram"):
            assert "within the time limit" in parts[name], name
            assert "passed to you" in parts[name], name
    assert "Helen Head" in parts["html"]


@pytest.mark.parametrize("locale", LOCALES)
def test_pending_mentions_a_resubmission(templates, locale):
    context = make_context(
        Kind.VERIFICATION_PENDING, "verification.awaiting_decision", "security", round_=3
    )
    text = templates.email(Kind.VERIFICATION_PENDING, locale, context).text
    phrase = "поданы повторно (попытка 3)" if locale == "ru" else "resubmission (attempt 3)"
    assert phrase in text


@pytest.mark.parametrize("locale", LOCALES)
def test_user_text_is_escaped_where_markup_is_interpreted(templates, locale):
    name = f"Ivan {DANGER}"
    context = make_context(
        Kind.VERIFICATION_PENDING, "verification.escalated", "head_security", executor=name
    )
    parts = render(templates, locale, context, Kind.VERIFICATION_PENDING)
    assert name in parts["text"]
    assert name in parts["subject"]
    for part in ("html", "telegram"):
        assert "<script" not in parts[part]
        for escaped in DANGER_ESCAPED:
            assert escaped in parts[part]


def test_rendering_leaves_the_context_alone(templates):
    context = make_context(
        Kind.VERIFICATION_DECIDED, "verification.rejected", reason="x", failed_checks=["inn"]
    )
    before = copy.deepcopy(context)
    render(templates, "ru", context, Kind.VERIFICATION_DECIDED)
    assert context == before


# ---- strictness ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "event_type", "role"), VARIANTS)
def test_missing_executor_raises(templates, kind, event_type, role):
    context = make_context(kind, event_type, role)
    del context["executor"]
    with pytest.raises(jinja2.UndefinedError, match="executor"):
        templates.email(kind, "ru", context)
    with pytest.raises(jinja2.UndefinedError, match="executor"):
        templates.telegram(kind, "en", context)


@pytest.mark.parametrize(("kind", "event_type", "role"), VARIANTS)
@pytest.mark.parametrize("key", ["recipient", "request", "event", "links"])
def test_missing_top_level_key_raises(templates, kind, event_type, role, key):
    context = make_context(kind, event_type, role)
    del context[key]
    with pytest.raises(jinja2.UndefinedError, match=key):
        templates.telegram(kind, "ru", context)


@pytest.mark.parametrize(("kind", "event_type", "role"), VARIANTS)
def test_missing_verification_link_raises(templates, kind, event_type, role):
    context = make_context(kind, event_type, role)
    del context["links"]["verification"]
    with pytest.raises(jinja2.UndefinedError):
        templates.email(kind, "en", context)


@pytest.mark.parametrize(
    ("kind", "event_type", "role", "section", "key"),
    [
        (Kind.VERIFICATION_DECIDED, "verification.approved", "executor", "data", "verified_until"),
        (Kind.VERIFICATION_DECIDED, "verification.rejected", "executor", "data", "failed_checks"),
        (Kind.VERIFICATION_DECIDED, "verification.rejected", "executor", "event", "reason"),
        (Kind.VERIFICATION_EXPIRING, "verification.expiring", "executor", "data", "verified_until"),
        (Kind.VERIFICATION_EXPIRED, "verification.expired", "executor", "data", "verified_until"),
        (Kind.VERIFICATION_PENDING, "verification.escalated", "head_security", "event", "type"),
        (Kind.VERIFICATION_PENDING, "verification.awaiting_decision", "security", "data", "round"),
        (Kind.VERIFICATION_PENDING, "verification.escalated", "head_security", "executor", "name"),
    ],
)
def test_missing_kind_specific_key_raises(templates, kind, event_type, role, section, key):
    context = make_context(kind, event_type, role)
    where = {
        "data": context["event"]["data"],
        "event": context["event"],
        "executor": context["executor"],
    }[section]
    del where[key]
    with pytest.raises(jinja2.UndefinedError):
        templates.email(kind, "ru", context)


def test_missing_executor_name_raises_in_telegram_too(templates):
    context = make_context(Kind.VERIFICATION_PENDING, "verification.escalated", "head_security")
    del context["executor"]["name"]
    with pytest.raises(jinja2.UndefinedError):
        templates.telegram(Kind.VERIFICATION_PENDING, "en", context)


# ---- filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "ru", "en"),
    [
        ("inn", "ИНН", "INN"),
        ("passport", "паспорт", "passport"),
        ("age", "возраст", "age"),
        ("self_employed", "статус самозанятого", "self-employed status"),
        ("criminal_record", "criminal record", "criminal record"),
    ],
)
def test_check_names(code, ru, en):
    assert check_name(code, Locale.RU) == ru
    assert check_name(code, Locale.EN) == en


def test_date_is_the_day_in_the_configured_timezone():
    assert format_date(UNTIL, Locale.RU, MSK) == "26.11.2027"
    assert format_date(UNTIL, Locale.EN, MSK) == "26 Nov 2027"
    context = make_context(Kind.VERIFICATION_EXPIRING, "verification.expiring")
    utc = Templates(timezone="UTC").email(Kind.VERIFICATION_EXPIRING, "ru", context).subject
    assert utc == "Проверка действует до 25.11.2027: обновите документы"
