"""Notification texts: one Jinja2 template per (locale, kind, part), rendered here.

Layout: `templates/<locale>/<kind>.<part>.j2`, part one of `subject` (one line), `text`
(plain-text e-mail), `html` (HTML e-mail, extends `<locale>/_layout.html.j2`) and
`telegram` (a Telegram message in parse_mode=HTML). Files starting with `_` are layouts
and macros. HTML and Telegram parts are autoescaped; subject and text are not.
Notices about a person rather than a request (`PERSON_KINDS`: an executor's security
verification) extend `_person_layout.*.j2`, which links to the verification, not a request.

Undefined is strict: a template asking for a key the planner did not put in the
context fails loudly instead of printing an empty string. Telegram buttons are built
here, not in templates, from `domain.notifications.button_data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Undefined,
    UndefinedError,
    select_autoescape,
)

from domain.lifecycle import Action, State
from domain.notifications import DEFAULT_LOCALE, REFRESH, Kind, Locale, button_data

TEMPLATE_DIR = Path(__file__).parent / "templates"

# What Telegram's parse_mode=HTML accepts from us (a subset of what it allows).
TELEGRAM_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote"})
# Telegram's limit on callback data.
CALLBACK_DATA_MAX_BYTES = 64

# Every kind gets all of these (see the planner in activities/notifications.py).
CONTEXT_KEYS = ("recipient", "request", "event", "links")

# Notices about an executor's verification, not a request: `request` is None for them,
# and they also get the executor (`{"id", "name"}`) and `links.verification`.
PERSON_KINDS = frozenset(
    {
        Kind.VERIFICATION_DECIDED,
        Kind.VERIFICATION_EXPIRING,
        Kind.VERIFICATION_EXPIRED,
        Kind.VERIFICATION_PENDING,
    }
)
PERSON_CONTEXT_KEYS = ("executor",)

# `<kind>.html.j2` and `<kind>.telegram.j2` (and their layouts and macros).
_AUTOESCAPED_PARTS = ("html.j2", "telegram.j2")
# Keeps an amount and its currency (and digit groups) on one line.
NBSP = "\u00a0"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Button:
    """An inline keyboard button: exactly one of callback data or URL."""

    label: str
    callback_data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.callback_data is None) == (self.url is None):
            raise ValueError("a button needs exactly one of callback_data and url")
        if (
            self.callback_data is not None
            and len(self.callback_data.encode()) > CALLBACK_DATA_MAX_BYTES
        ):
            raise ValueError(f"callback data over {CALLBACK_DATA_MAX_BYTES} bytes")


@dataclass(frozen=True)
class RenderedTelegram:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def resolve_locale(locale: str | None) -> Locale:
    """The supported locale for a user's setting: "en-US" → en, unknown or empty → ru."""
    if not locale:
        return DEFAULT_LOCALE
    primary = re.split(r"[-_.,;\s]", locale.strip().lower(), maxsplit=1)[0]
    try:
        return Locale(primary)
    except ValueError:
        return DEFAULT_LOCALE


# ---- words ------------------------------------------------------------------------------

_CATEGORIES: dict[Locale, dict[str, str]] = {
    Locale.RU: {
        "plumbing": "Сантехника",
        "electrical": "Электрика",
        "electrics": "Электрика",
        "heating": "Отопление",
        "installation": "Монтаж и установка",
        "cleaning": "Уборка",
        "appliance": "Ремонт техники",
        "carpentry": "Столярные работы",
        "painting": "Малярные работы",
        "other": "Другое",
    },
    Locale.EN: {
        "plumbing": "Plumbing",
        "electrical": "Electrical",
        "electrics": "Electrical",
        "heating": "Heating",
        "installation": "Installation",
        "cleaning": "Cleaning",
        "appliance": "Appliance repair",
        "carpentry": "Carpentry",
        "painting": "Painting",
        "other": "Other",
    },
}

_STATES: dict[Locale, dict[str, str]] = {
    Locale.RU: {
        State.NEW: "новая",
        State.ASSIGNED: "назначена исполнителю",
        State.ACCEPTED: "принята исполнителем",
        State.IN_PROGRESS: "в работе",
        State.COMPLETED: "выполнена, ждёт подтверждения",
        State.CONFIRMED: "выполнение подтверждено",
        State.CLOSED: "закрыта",
        State.CANCELLED: "отменена",
        State.DISPUTED: "оспорена",
    },
    Locale.EN: {
        State.NEW: "new",
        State.ASSIGNED: "assigned",
        State.ACCEPTED: "accepted",
        State.IN_PROGRESS: "in progress",
        State.COMPLETED: "completed, awaiting confirmation",
        State.CONFIRMED: "confirmed",
        State.CLOSED: "closed",
        State.CANCELLED: "cancelled",
        State.DISPUTED: "disputed",
    },
}

# SLA stages (domain.sla.Sla values).
_SLAS: dict[Locale, dict[str, str]] = {
    Locale.RU: {
        "assign": "назначение исполнителя",
        "accept": "принятие заявки исполнителем",
        "start": "начало работ",
        "complete": "завершение работ",
        "auto_confirm": "подтверждение выполнения",
    },
    Locale.EN: {
        "assign": "assignment",
        "accept": "acceptance",
        "start": "start of work",
        "complete": "completion",
        "auto_confirm": "confirmation",
    },
}

# Automated verification checks (activities/verification.py), as in "failed: …".
_CHECKS: dict[Locale, dict[str, str]] = {
    Locale.RU: {
        "inn": "ИНН",
        "passport": "паспорт",
        "age": "возраст",
        "self_employed": "статус самозанятого",
    },
    Locale.EN: {
        "inn": "INN",
        "passport": "passport",
        "age": "age",
        "self_employed": "self-employed status",
    },
}

_TO_BE_AGREED = {Locale.RU: "по договорённости", Locale.EN: "to be agreed"}
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_BUTTON_LABELS: dict[Locale, dict[str, str]] = {
    Locale.RU: {"accept": "Принять", "decline": "Отказаться", "open": "Открыть заявку"},
    Locale.EN: {"accept": "Accept", "decline": "Decline", "open": "Open job"},
}


# ---- filters ----------------------------------------------------------------------------


def _moment(value: str | datetime, timezone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        raise TypeError(f"not a date and time: {value!r}")
    if moment.tzinfo is None:  # we store UTC; a naive value is taken as such
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone)


def _date(moment: datetime, locale: Locale) -> str:
    if locale == Locale.RU:
        return f"{moment:%d.%m.%Y}"
    return f"{moment.day} {_EN_MONTHS[moment.month - 1]} {moment.year}"


def format_datetime(value: str | datetime, locale: Locale, timezone: ZoneInfo) -> str:
    """ru "25.11.2026 14:30", en "25 Nov 2026, 14:30", in `timezone`."""
    moment = _moment(value, timezone)
    separator = " " if locale == Locale.RU else ", "
    return f"{_date(moment, locale)}{separator}{moment:%H:%M}"


def format_date(value: str | datetime, locale: Locale, timezone: ZoneInfo) -> str:
    """ru "25.11.2026", en "25 Nov 2026": the day of `value` in `timezone`."""
    return _date(_moment(value, timezone), locale)


def format_window(
    start: str | datetime | None, end: str | datetime | None, locale: Locale, timezone: ZoneInfo
) -> str:
    """A visit window: "25.11.2026 14:00–18:00", "from …", "by …" or "to be agreed"."""
    if start is None and end is None:
        return _TO_BE_AGREED[locale]
    if end is None:
        assert start is not None
        prefix = "с" if locale == Locale.RU else "from"
        return f"{prefix} {format_datetime(start, locale, timezone)}"
    if start is None:
        prefix = "до" if locale == Locale.RU else "by"
        return f"{prefix} {format_datetime(end, locale, timezone)}"
    first, last = _moment(start, timezone), _moment(end, timezone)
    if first.date() == last.date():
        return f"{format_datetime(first, locale, timezone)}–{last:%H:%M}"
    return f"{format_datetime(first, locale, timezone)} — {format_datetime(last, locale, timezone)}"


def format_money(value: str | Decimal | int | None, locale: Locale) -> str:
    """ru "1 500,00 ₽", en "RUB 1,500.00" (non-breaking spaces); None → "to be agreed"."""
    if value is None or value == "":
        return _TO_BE_AGREED[locale]
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    grouped = f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
    if locale == Locale.RU:
        return grouped.replace(",", NBSP).replace(".", ",") + f"{NBSP}₽"
    return f"RUB{NBSP}{grouped}"


def _humanize(code: str) -> str:
    return code.replace("_", " ").strip().capitalize()


def category_name(code: str, locale: Locale) -> str:
    return _CATEGORIES[locale].get(code) or _humanize(code)


def state_name(code: str, locale: Locale) -> str:
    return _STATES[locale].get(code) or _humanize(code).lower()


def sla_name(code: str, locale: Locale) -> str:
    return _SLAS[locale].get(code) or _humanize(code).lower()


def check_name(code: str, locale: Locale) -> str:
    return _CHECKS[locale].get(code) or _humanize(code).lower()


# ---- rendering --------------------------------------------------------------------------


def event_reason(event: Mapping[str, Any]) -> str:
    """Why it happened: the event's reason, else the one in its data; "" when none."""
    data = _field(event, "data", "event") or {}
    return str(_field(event, "reason", "event") or data.get("reason") or "")


def return_cause(event: Mapping[str, Any]) -> str:
    """Why a request went back to the queue (REQUEST_RETURNED): "declined" by the
    executor, accept "timeout", failed security "verification", work "not_started" in
    time, or "unassigned" for anything else. System reasons read "<sla> SLA expired…"."""
    reason = event_reason(event)
    if _field(event, "type", "event") == "request.declined":
        return "timeout" if "SLA" in reason else "declined"
    if "verification" in reason:
        return "verification"
    if "SLA" in reason:
        return "not_started"
    return "unassigned"


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, no blank edges."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


class Templates:
    def __init__(self, *, timezone: str, directory: Path | None = None) -> None:
        # The zone comes from the settings (one local time zone for the business): no
        # default here, so no caller can silently format in another one.
        self.directory = directory or TEMPLATE_DIR
        self.timezone = ZoneInfo(timezone)
        self._environments = {locale: self._environment(locale) for locale in Locale}

    def _environment(self, locale: Locale) -> Environment:
        env = Environment(
            loader=FileSystemLoader(self.directory / locale.value),
            autoescape=select_autoescape(_AUTOESCAPED_PARTS, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        tz = self.timezone
        filters: dict[str, Callable[..., str]] = {
            "dt": lambda value: format_datetime(value, locale, tz),
            "date": lambda value: format_date(value, locale, tz),
            "window": lambda start, end: format_window(start, end, locale, tz),
            "money": lambda value: format_money(value, locale),
            "category": lambda code: category_name(code, locale),
            "state": lambda code: state_name(code, locale),
            "sla": lambda code: sla_name(code, locale),
            "check": lambda code: check_name(code, locale),
        }
        env.filters.update({name: _strict(f) for name, f in filters.items()})
        env.globals.update(event_reason=event_reason, return_cause=return_cause)
        return env

    def locales(self) -> list[str]:
        """The supported locales this directory has templates for."""
        return [locale.value for locale in Locale if (self.directory / locale.value).is_dir()]

    def email(self, kind: Kind | str, locale: str, context: Mapping[str, Any]) -> RenderedEmail:
        kind = Kind(kind)
        resolved, values = resolve_locale(locale), _checked(kind, context)
        subject = " ".join(self._render(resolved, kind, "subject", values).split())
        values["subject"] = subject  # the HTML layout's <title>
        return RenderedEmail(
            subject=subject,
            text=_tidy(self._render(resolved, kind, "text", values)),
            html=self._render(resolved, kind, "html", values).strip(),
        )

    def telegram(
        self, kind: Kind | str, locale: str, context: Mapping[str, Any]
    ) -> RenderedTelegram:
        kind = Kind(kind)
        resolved, values = resolve_locale(locale), _checked(kind, context)
        text = _tidy(self._render(resolved, kind, "telegram", values))
        return RenderedTelegram(text=text, buttons=_buttons(kind, resolved, values))

    def _render(self, locale: Locale, kind: Kind, part: str, context: dict[str, Any]) -> str:
        template = self._environments[locale].get_template(f"{kind.value}.{part}.j2")
        return template.render(context)


def _strict(filter_: Callable[..., str]) -> Callable[..., str]:
    """Filters see a missing key as an Undefined value: fail with the key's name."""

    def strict(*args: Any) -> str:
        for arg in args:
            if isinstance(arg, Undefined):
                str(arg)  # StrictUndefined raises UndefinedError here
        return filter_(*args)

    return strict


def _checked(kind: Kind, context: Mapping[str, Any]) -> dict[str, Any]:
    keys = CONTEXT_KEYS + (PERSON_CONTEXT_KEYS if kind in PERSON_KINDS else ())
    missing = [key for key in keys if key not in context]
    if missing:
        raise UndefinedError(f"notification context lacks {', '.join(map(repr, missing))}")
    return dict(context)


def _field(values: Mapping[str, Any], key: str, where: str) -> Any:
    try:
        return values[key]
    except (KeyError, TypeError):
        raise UndefinedError(f"'{where}.{key}' is undefined") from None


def _lookup(context: Mapping[str, Any], section: str, key: str) -> Any:
    return _field(_field(context, section, "context"), key, section)


def _buttons(
    kind: Kind, locale: Locale, context: Mapping[str, Any]
) -> tuple[tuple[Button, ...], ...]:
    """Callback buttons only: URL buttons are refused by Telegram for local addresses,
    so links travel by e-mail. Person notices have none: their buttons act on requests."""
    if kind in PERSON_KINDS:
        return ()
    labels = _BUTTON_LABELS[locale]
    if kind in (Kind.EXECUTOR_OFFER, Kind.VERIFICATION_APPROVED):
        request_id = str(_lookup(context, "request", "id"))
        return (
            (
                Button(labels["accept"], callback_data=button_data(Action.ACCEPT, request_id)),
                Button(labels["decline"], callback_data=button_data(Action.DECLINE, request_id)),
            ),
        )
    to_executor = _lookup(context, "recipient", "role") == "executor"
    if kind in (Kind.REQUEST_DISPUTED, Kind.DISPUTE_RESOLVED) and to_executor:
        request_id = str(_lookup(context, "request", "id"))
        return ((Button(labels["open"], callback_data=button_data(REFRESH, request_id)),),)
    return ()
