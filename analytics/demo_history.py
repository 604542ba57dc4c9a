"""Demo history for the analytics: months of made-up request lifecycles, so a fresh
machine's reports show trends, tails and breaches instead of the handful of demo requests.

    python -m analytics.demo_history [--lifecycles 3000] [--days 90] [--seed 1]
        [--people people.json] [--if-missing]

A bulk loader, not the outbox: the envelopes follow the event contract
(contracts/events/envelope.v1.json) and the shapes the platform writes, and go through
the sink's own rows (analytics.rows.event_row) straight into the store in batches. They
are never published to Kafka, so a rebuild from Kafka or the outbox leaves them out.

Deterministic: every id derives from the seed (uuid5), and every draw from a random
generator seeded by it. The time the history ends at is kept in the store's
`demo_history` table when a load begins, so loading the same seed again writes the very
same rows, which the events table folds into the ones it has.

The embedded store (chDB) opens in one process at a time: run this while the API is not
running (`make up` does so before it starts the API), or against another store path
(SRA_CLICKHOUSE__DSN=chdb:///some/dir).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from analytics.rebuild import Progress, print_progress
from analytics.rows import event_row
from analytics.store import AnalyticsStore
from core.settings import Settings, get_settings
from domain.events import SCHEMA_VERSION, topic_of
from domain.notifications import Audience, NotificationTrigger, notices_for
from domain.sla import TIERS, Escalation, Sla, SlaPolicy

NAMESPACE = uuid.UUID("5b7f3c1e-8a42-4c55-9d1e-2f6a0b9c4d73")
BATCH = 20_000
MARKER_TABLE = "demo_history"
MSK = timedelta(hours=3)  # the business's local time (Moscow has no daylight saving)
SLA = SlaPolicy()
COMMISSION_RATE = Decimal("0.10")

# An executor's average hours on a job per day, and the mean of the work's long-tailed
# duration (lognormal, sigma 0.8) over its median.
BUSY_HOURS_A_DAY = 4.0
WORK_MEAN_OVER_MEDIAN = math.exp(0.8**2 / 2)

# Category → (share of requests, median hours of work, median budget in rubles).
CATEGORIES: dict[str, tuple[float, float, int]] = {
    "plumbing": (0.24, 2.5, 3500),
    "electrics": (0.17, 3.0, 4000),
    "cleaning": (0.20, 4.0, 5000),
    "heating": (0.06, 5.0, 7000),
    "installation": (0.10, 6.0, 6000),
    "appliance": (0.08, 2.0, 3000),
    "carpentry": (0.05, 8.0, 9000),
    "painting": (0.05, 12.0, 12000),
    "other": (0.05, 3.0, 2500),
}

# District → (share, addresses that domain.districts maps to it). "" is an address the
# gazetteer does not know: reports show it as its own group.
DISTRICTS: dict[str, tuple[float, tuple[str, ...]]] = {
    "ЦАО": (0.20, ("Тверская ул.", "Арбат", "Мясницкая ул.", "Покровка", "Остоженка")),
    "САО": (0.10, ("Ленинградский пр-т", "Дмитровское ш.", "Беговая ул.", "Бутырская ул.")),
    "СВАО": (0.11, ("Проспект Мира", "Алтуфьевское ш.", "Ярославская ул.", "Отрадная ул.")),
    "ВАО": (0.10, ("Щёлковское ш.", "Первомайская ул.", "Измайловский пр-т")),
    "ЮВАО": (0.10, ("Рязанский пр-т", "Волгоградский пр-т", "Люблинская ул.")),
    "ЮАО": (0.11, ("Варшавское ш.", "Каширское ш.", "Кантемировская ул.")),
    "ЮЗАО": (0.10, ("Профсоюзная ул.", "Ленинский пр-т", "Пр-т Вернадского")),
    "ЗАО": (0.07, ("Кутузовский пр-т", "Можайское ш.", "Мосфильмовская ул.")),
    "СЗАО": (0.06, ("Волоколамское ш.", "Митинская ул.", "Строгинский б-р")),
    "Зеленоград": (0.02, ("Зеленоград, корп.",)),
    "": (0.03, ("Химки, ул. Победы", "Мытищи, ул. Колпакова")),
}

# Requests filed per local hour of the day (relative), and per weekday (Monday first).
HOURS = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 9, 9, 8, 7, 7, 6, 6, 6, 7, 9, 10, 9, 6, 4, 2)
WEEKDAYS = (1.0, 1.05, 1.0, 1.0, 0.95, 0.75, 0.6)

DESCRIPTIONS = {
    "plumbing": ("Течёт смеситель", "Засор в ванной", "Заменить унитаз", "Поменять кран"),
    "electrics": ("Не работает розетка", "Повесить люстру", "Искрит выключатель"),
    "cleaning": ("Генеральная уборка", "Мойка окон", "Уборка после ремонта"),
    "heating": ("Холодная батарея", "Заменить радиатор", "Настроить котёл"),
    "installation": ("Установить водонагреватель", "Повесить карниз", "Собрать шкаф"),
    "appliance": ("Не сливает стиральная машина", "Шумит холодильник"),
    "carpentry": ("Скрипит дверь", "Сделать полку", "Починить оконную раму"),
    "painting": ("Покрасить стены в комнате", "Покрасить потолок"),
    "other": ("Мелкий ремонт", "Нужна консультация мастера"),
}
DECLINE_REASONS = ("Не успеваю в это окно", "Далеко от меня", "Нет нужных материалов")
CANCEL_REASONS = {
    "customer": ("Передумал", "Нашёл другого мастера", "Проблема решилась сама"),
    "manager": ("Дубликат заявки", "Клиент не выходит на связь", "Нет исполнителя с допуском"),
}
DISPUTE_REASONS = ("Всё ещё течёт", "Работа сделана не полностью", "Испорчена отделка")
RESOLVE_REASONS = {
    "resolve_rework": "Исполнитель доделает работу",
    "resolve_accept": "Работа выполнена по заявке, претензия отклонена",
}
OFFICER_REJECTIONS = (
    "Фото паспорта нечитаемо",
    "Данные не совпадают с паспортом",
    "ИНН принадлежит другому лицу",
)
NOTIFY_ERRORS = {
    "email": ("421 try again later", "550 mailbox unavailable"),
    "telegram": ("429 Too Many Requests: retry after 3", "403 Forbidden: bot was blocked"),
}


@dataclass(frozen=True)
class Executor:
    id: str
    skills: tuple[str, ...]
    channels: tuple[str, ...] = ("telegram",)


@dataclass
class People:
    """Who the history is about. Empty lists are filled with generated people; given
    executors (the demo ones) do the work of their skills, generated ones the rest."""

    customers: list[str] = field(default_factory=list)
    managers: list[str] = field(default_factory=list)
    head_managers: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    hr: list[str] = field(default_factory=list)
    executors: list[Executor] = field(default_factory=list)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> People:
        return cls(
            customers=list(document.get("customers", [])),
            managers=list(document.get("managers", [])),
            head_managers=list(document.get("head_managers", [])),
            security=list(document.get("security", [])),
            hr=list(document.get("hr", [])),
            executors=[
                Executor(e["id"], tuple(e["skills"]), tuple(e.get("channels") or ["telegram"]))
                for e in document.get("executors", [])
            ],
        )


@dataclass(frozen=True)
class Event:
    """One envelope before its seq: seq is gap-free per aggregate in time order, so it is
    handed out once every event is known."""

    at: datetime
    event_id: str
    type: str
    aggregate_id: str
    actor_id: str
    actor_role: str
    from_state: str | None
    to_state: str | None
    data: dict[str, Any]
    trace_id: str | None

    def envelope(self, seq: int) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "schema_version": SCHEMA_VERSION,
            "occurred_at": self.at.isoformat(timespec="milliseconds"),
            "aggregate_id": self.aggregate_id,
            "seq": seq,
            "actor": {"id": self.actor_id, "role": self.actor_role},
            "from_state": self.from_state,
            "to_state": self.to_state,
            "data": self.data,
            "trace_id": self.trace_id,
        }


class _Ended(Exception):
    """The story reached the end of the history: the request stands where it is now."""


def _id(seed: int, *parts: object) -> str:
    return uuid5(NAMESPACE.bytes, "/".join(str(p) for p in (seed, *parts)))


def uuid5(namespace: bytes, name: str) -> str:
    """uuid.uuid5 as text, without building UUID objects (a third of the generation
    time went there)."""
    digest = bytearray(hashlib.sha1(namespace + name.encode()).digest()[:16])  # noqa: S324 - RFC 4122 v5 is SHA-1
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _under(parent: str, name: str) -> str:
    return uuid5(bytes.fromhex(parent.replace("-", "")), name)


def _rng(seed: int, what: str) -> random.Random:
    # Demo data, not secrets: a seeded generator is the point (the same seed, the same history).
    return random.Random(f"{seed}/{what}")  # noqa: S311


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _lognormal(rng: random.Random, median: timedelta, sigma: float) -> timedelta:
    """A duration with a long right tail around `median`."""
    return median * math.exp(rng.gauss(0, sigma))


class _Cast:
    """People, filled in where the caller gave none."""

    def __init__(self, seed: int, people: People, lifecycles: int, days: int) -> None:
        def some(given: list[str], kind: str, count: int) -> list[str]:
            return given or [_id(seed, kind, n) for n in range(count)]

        self.customers = some(people.customers, "customer", max(20, lifecycles // 6))
        self.managers = some(people.managers, "manager", 3)
        self.heads = some(people.head_managers, "head", 1)
        self.security = some(people.security, "security", 2)
        self.hr = some(people.hr, "hr", 1)
        rng = _rng(seed, "executors")
        self.by_skill: dict[str, list[Executor]] = {}
        for category, (share, work_hours, _) in CATEGORIES.items():
            able = [e for e in people.executors if category in e.skills]
            # Colleagues join the given executors where the work would not fit their days:
            # nobody is on a job longer than BUSY_HOURS_A_DAY on average.
            busy = lifecycles / max(days, 1) * share * work_hours * WORK_MEAN_OVER_MEDIAN
            wanted = max(math.ceil(busy / BUSY_HOURS_A_DAY), 1 if people.executors else 3)
            able += [
                Executor(_id(seed, "executor", category, n), (category,), _channels(rng))
                for n in range(max(wanted - len(able), 0))
            ]
            self.by_skill[category] = able
        self.executors = list({e.id: e for es in self.by_skill.values() for e in es}.values())
        # Some people are quicker than others, the same way in every request.
        self.pace = {e.id: math.exp(rng.gauss(0, 0.3)) for e in self.executors}
        # A few customers file most requests.
        self.customer_weights = [1 / (rank + 1) ** 0.6 for rank in range(len(self.customers))]

    def channels_of(self, person: str) -> tuple[str, ...]:
        for executor in self.executors:
            if executor.id == person:
                return executor.channels
        return ("email",)


def _channels(rng: random.Random) -> tuple[str, ...]:
    draw = rng.random()
    if draw < 0.7:
        return ("telegram",)
    return ("telegram", "email") if draw < 0.9 else ("email",)


class History:
    """Every event of the history, in no particular order until `envelopes`."""

    def __init__(self, seed: int, until: datetime, days: int, cast: _Cast) -> None:
        self.seed = seed
        self.until = until
        self.since = until - timedelta(days=days)
        self.cast = cast
        self.events: list[Event] = []
        self._executor_channels = {e.id: e.channels for e in cast.executors}

    def add(self, event: Event) -> None:
        if event.at > self.until:
            raise _Ended
        self.events.append(event)

    def envelopes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(topic, envelope) in time order, seq counted per aggregate."""
        seqs: dict[str, int] = {}
        for event in sorted(self.events, key=lambda e: (e.at, e.event_id)):
            seq = seqs.get(event.aggregate_id, 0) + 1
            seqs[event.aggregate_id] = seq
            yield topic_of(event.type).value, event.envelope(seq)

    # ---- notifications ----------------------------------------------------------------

    def notify(
        self, trigger: NotificationTrigger, rng: random.Random, audiences: Audiences
    ) -> None:
        """What the planner and senders would have written for `trigger`: requested, a
        failed attempt now and then, and sent (or failed for good)."""
        for notice in notices_for(trigger):
            for person in audiences.get(notice.audience, ()):
                if person == trigger.actor_id:
                    continue  # nobody is told what they did themselves
                for channel in self._executor_channels.get(person, ("email",)):
                    self._delivery(trigger, notice.kind.value, person, channel, rng)

    def _delivery(
        self,
        trigger: NotificationTrigger,
        kind: str,
        recipient: str,
        channel: str,
        rng: random.Random,
    ) -> None:
        notification_id = _id(self.seed, "notification", trigger.event_id, kind, recipient, channel)
        base = {
            "notification_id": notification_id,
            "channel": channel,
            "template": kind,
            "locale": "ru",
            "request_id": trigger.request_id,
        }
        median = timedelta(seconds=1.2 if channel == "email" else 0.5)
        at = trigger.occurred_at + _lognormal(rng, timedelta(milliseconds=400), 0.6)

        def emit(what: str, event_type: str, when: datetime, extra: dict[str, Any]) -> None:
            if when <= self.until:
                self.events.append(
                    Event(
                        when,
                        _under(notification_id, what),
                        event_type,
                        recipient,
                        "system",
                        "system",
                        None,
                        None,
                        {**base, **extra},
                        trigger.trace_id,
                    )
                )

        emit("requested", "notification.requested", at, {})
        transient, permanent = (0.02, 0.004) if channel == "email" else (0.04, 0.008)
        attempt = 1
        draw = rng.random()
        if draw < transient:
            at += _lognormal(rng, median, 0.8)
            error = NOTIFY_ERRORS[channel][0]
            emit(f"failed/{attempt}", "notification.failed", at, _failure(attempt, False, error))
            at += timedelta(seconds=rng.uniform(2, 30))
            attempt += 1
        elif draw < transient + permanent:
            at += _lognormal(rng, median, 0.8)
            error = NOTIFY_ERRORS[channel][1]
            emit(f"failed/{attempt}", "notification.failed", at, _failure(attempt, True, error))
            return
        at += _lognormal(rng, median, 0.7)
        message = hashlib.sha1(notification_id.encode()).hexdigest()[:16]  # noqa: S324 - an id, not a secret
        emit(
            "sent",
            "notification.sent",
            at,
            {"handed_over": attempt, "provider_message_id": message},
        )


Audiences = dict[Audience, Sequence[str]]


def _failure(attempt: int, permanent: bool, error: str) -> dict[str, Any]:
    return {"attempt": attempt, "permanent": permanent, "error": error}


class _Request:
    """One request's story, from filing to closing (or to wherever it is at the end)."""

    def __init__(self, history: History, index: int, created_at: datetime) -> None:
        seed = history.seed
        self.h = history
        self.cast = history.cast
        self.index = index
        self.rng = _rng(seed, f"request/{index}")
        self.id = _id(seed, "request", index)
        self.trace = uuid.UUID(_id(seed, "trace", index)).hex
        self.at = created_at
        self.state = "new"
        self.steps = 0
        self.assignee: str | None = None
        self.assigner: str | None = None
        self.customer = self.rng.choices(self.cast.customers, self.cast.customer_weights)[0]
        self.category = _pick(self.rng, {c: v[0] for c, v in CATEGORIES.items()})

    # ---- writing -----------------------------------------------------------------------

    def _event(
        self,
        event_type: str,
        actor: tuple[str, str],
        to_state: str | None,
        data: dict[str, Any],
        *,
        from_state: str | None = None,
    ) -> str:
        self.steps += 1
        event_id = _id(self.h.seed, "event", self.index, self.steps)
        self.h.add(
            Event(
                self.at,
                event_id,
                event_type,
                self.id,
                actor[0],
                actor[1],
                from_state,
                to_state,
                data,
                self.trace,
            )
        )
        return event_id

    def _move(
        self,
        event_type: str,
        actor: tuple[str, str],
        to_state: str,
        **data: Any,
    ) -> None:
        """A transition, with the data the workflow writes (the assignee after it and the
        one before)."""
        before, held = self.state, self.assignee
        if to_state == "new":
            self.assignee = None
        payload = {k: v for k, v in data.items() if v is not None}
        event_id = self._event(
            event_type,
            actor,
            to_state,
            {**payload, "assignee_id": self.assignee, "previous_assignee_id": held},
            from_state=before,
        )
        self.state = to_state
        self._tell(event_type, event_id, actor[0], payload)

    def _tell(self, event_type: str, event_id: str, actor: str, data: dict[str, Any]) -> None:
        executor = self.assignee or data.get("released_executor_id")
        audiences: Audiences = {
            Audience.CUSTOMER: [self.customer],
            Audience.EXECUTOR: [executor] if executor else [],
            Audience.MANAGERS: [self.assigner] if self.assigner else self.cast.managers,
            Audience.HEAD_MANAGERS: self.cast.heads,
            Audience.HR: self.cast.hr,
        }
        trigger = NotificationTrigger(
            event_id, event_type, self.id, self.at, actor, executor, data, self.trace
        )
        self.h.notify(trigger, self.rng, audiences)

    def _wait(self, duration: timedelta) -> None:
        self.at += max(duration, timedelta(seconds=1))

    def _stage(self, sla: Sla, entered: datetime, took: timedelta) -> bool:
        """Breach events of a stage that took `took`; True when its last tier acts
        (requeue or accept-timeout) before the stage ends by itself."""
        due = entered + SLA.duration(sla)
        for tier, escalation in enumerate(TIERS[sla]):
            fire = due + SLA.tier_offset(tier)
            if fire >= entered + took:
                return False
            self.at = fire
            event_id = self._event(
                "sla.breached",
                SYSTEM,
                self.state,
                {
                    "sla": sla.value,
                    "tier": tier + 1,
                    "escalation": escalation.value,
                    "due_at": due.isoformat(),
                },
                from_state=self.state,
            )
            self._tell("sla.breached", event_id, "system", {"sla": sla.value, "tier": tier + 1})
            if escalation in (Escalation.ACT, Escalation.REQUEUE):
                return True
        return False

    # ---- the story ---------------------------------------------------------------------

    def play(self) -> None:
        try:
            self._created()
            while self.state not in ("closed", "cancelled") and self.steps < 60:
                getattr(self, f"_in_{self.state}")()
        except _Ended:
            return

    def _created(self) -> None:
        rng = self.rng
        district = _pick(rng, {d: v[0] for d, v in DISTRICTS.items()})
        street = rng.choice(DISTRICTS[district][1])
        address = f"Москва, {street}, {rng.randint(1, 120)}"
        budget = CATEGORIES[self.category][2] * math.exp(rng.gauss(0, 0.35))
        event_id = self._event(
            "request.created",
            (self.customer, "customer"),
            "new",
            {
                "category": self.category,
                "description": rng.choice(DESCRIPTIONS[self.category]),
                "address": address,
                "budget": f"{round(budget, -2):.2f}",
                "window_start": None,
                "window_end": None,
            },
        )
        self._tell("request.created", event_id, self.customer, {})

    def _in_new(self) -> None:
        rng = self.rng
        entered = self.at
        took = _lognormal(rng, timedelta(minutes=35), 1.1)
        if rng.random() < 0.03:
            self._wait(min(took, _lognormal(rng, timedelta(hours=1), 1.0)))
            self._cancel("customer")
            return
        self._stage(Sla.ASSIGN, entered, took)
        self.at = entered + took
        self.assigner = rng.choice(self.cast.managers)
        self.assignee = rng.choice(self.cast.by_skill[self.category]).id
        self._move("request.assigned", (self.assigner, "manager"), "assigned")

    def _in_assigned(self) -> None:
        rng, entered, draw = self.rng, self.at, self.rng.random()
        took = _lognormal(rng, timedelta(minutes=20), 1.0) * self.cast.pace[self.assignee or ""]
        if draw < 0.025:
            self._wait(took)
            self._cancel("customer")
        elif draw < 0.035:
            self._wait(took)
            self._cancel("manager")
        elif draw < 0.10:
            self._wait(took / 2)
            actor = (self.assignee or "", "executor")
            self._move("request.declined", actor, "new", reason=rng.choice(DECLINE_REASONS))
        elif self._stage(Sla.ACCEPT, entered, took):
            self._move("request.declined", SYSTEM, "new", reason="accept SLA expired")
        else:
            self.at = entered + took
            self._move("request.accepted", (self.assignee or "", "executor"), "accepted")

    def _in_accepted(self) -> None:
        rng, entered = self.rng, self.at
        took = _lognormal(rng, timedelta(hours=5), 0.8) * self.cast.pace[self.assignee or ""]
        if rng.random() < 0.015:
            self._wait(took / 3)
            self._cancel("customer")
        elif self._stage(Sla.START, entered, took):
            reason = "start SLA expired after escalation"
            self._move("request.unassigned", SYSTEM, "new", reason=reason)
        else:
            self.at = entered + took
            self._move("request.started", (self.assignee or "", "executor"), "in_progress")

    def _in_in_progress(self) -> None:
        rng, entered = self.rng, self.at
        median = timedelta(hours=CATEGORIES[self.category][1])
        took = _lognormal(rng, median, 0.8) * self.cast.pace[self.assignee or ""]
        if rng.random() < 0.01:
            self._wait(took / 2)
            self._cancel("manager")
            return
        self._stage(Sla.COMPLETE, entered, took)
        self.at = entered + took
        report = "Работа выполнена, фото приложены"
        self._move(
            "request.completed", (self.assignee or "", "executor"), "completed", report=report
        )

    def _in_completed(self) -> None:
        rng, draw = self.rng, self.rng.random()
        limit = SLA.duration(Sla.AUTO_CONFIRM)
        took = _lognormal(rng, timedelta(hours=3), 1.2)
        customer = (self.customer, "customer")
        if draw < 0.07:
            self._wait(min(took, limit - timedelta(minutes=1)))
            self._move("request.disputed", customer, "disputed", reason=rng.choice(DISPUTE_REASONS))
        elif draw < 0.19 or took >= limit:
            self._wait(limit)
            self._move("request.confirmed", SYSTEM, "confirmed", reason="auto_confirm SLA expired")
        else:
            self._wait(took)
            self._move("request.confirmed", customer, "confirmed")

    def _in_disputed(self) -> None:
        rng = self.rng
        self._wait(_lognormal(rng, timedelta(hours=6), 0.9))
        manager = (self.assigner or rng.choice(self.cast.managers), "manager")
        action = "resolve_rework" if rng.random() < 0.55 else "resolve_accept"
        to_state = "in_progress" if action == "resolve_rework" else "confirmed"
        self._move("request.resolved", manager, to_state, reason=RESOLVE_REASONS[action])

    def _in_confirmed(self) -> None:
        rng = self.rng
        self._wait(timedelta(seconds=rng.uniform(3, 40)))
        if rng.random() < 0.015:
            reason = "render failed: the template cannot draw this request"
            event_id = self._event(
                "hr.paperwork_failed",
                SYSTEM,
                "confirmed",
                {"reason": reason},
                from_state="confirmed",
            )
            self._tell("hr.paperwork_failed", event_id, "system", {"reason": reason})
            self._wait(_lognormal(rng, timedelta(hours=3), 1.0))
        self._paperwork()
        self._wait(timedelta(milliseconds=rng.randint(100, 900)))
        self._move("request.closed", SYSTEM, "closed")

    def _paperwork(self) -> None:
        kinds = ["act", "payout"] + (["contract"] if self.rng.random() < 0.05 else [])
        documents = []
        for kind in kinds:
            document_id = _id(self.h.seed, "document", self.id, kind)
            documents.append({"id": document_id, "kind": kind})
            self._event(
                "document.generated",
                SYSTEM,
                None,
                {
                    "document_id": document_id,
                    "kind": kind,
                    "number": f"{kind[0].upper()}-{self.id[:8]}",
                    "version": 1,
                    "sha256": hashlib.sha256(document_id.encode()).hexdigest(),
                    "size": self.rng.randint(30_000, 90_000),
                },
            )
        gross = Decimal(
            str(CATEGORIES[self.category][2] * math.exp(self.rng.gauss(0, 0.3)))
        ).quantize(Decimal("1"))
        commission = (gross * COMMISSION_RATE).quantize(Decimal("0.01"))
        self._event(
            "payout.recorded",
            SYSTEM,
            None,
            {
                "executor_id": self.assignee,
                "gross": f"{gross:.2f}",
                "commission": f"{commission:.2f}",
                "net": f"{gross - commission:.2f}",
                "commission_rate": str(COMMISSION_RATE),
            },
        )
        event_id = self._event("hr.paperwork_recorded", SYSTEM, None, {"documents": documents})
        self._tell("hr.paperwork_recorded", event_id, "system", {})

    def _cancel(self, by: str) -> None:
        actor = (
            (self.customer, "customer")
            if by == "customer"
            else (
                self.assigner or self.rng.choice(self.cast.managers),
                "manager",
            )
        )
        released = self.assignee
        self._move(
            "request.cancelled",
            actor,
            "cancelled",
            reason=self.rng.choice(CANCEL_REASONS[by]),
            released_executor_id=released,
        )


SYSTEM = ("system", "system")


class _Verification:
    """An executor's verification rounds: checks, the officer's decision."""

    def __init__(self, history: History, executor: str, start: datetime, fate: str) -> None:
        self.h = history
        self.executor = executor
        self.rng = _rng(history.seed, f"verification/{executor}")
        self.at = start
        self.fate = fate
        self.state = "unverified"
        self.round = 0
        self.steps = 0

    def play(self) -> None:
        try:
            self._round(self.fate)
            if self.state == "rejected" and self.rng.random() < 0.5:
                self.at += _lognormal(self.rng, timedelta(days=2), 0.8)
                self._round("approved")
        except _Ended:
            return

    def _status(
        self, event_type: str, to_state: str, reason: str, failed: list[str], **more: Any
    ) -> None:
        officer = more.pop("officer", None)
        actor = (officer, "security") if officer else SYSTEM
        self.steps += 1
        event_id = _id(self.h.seed, "verification", self.executor, self.steps)
        submission = _id(self.h.seed, "submission", self.executor, self.round)
        until = more.get("verified_until")
        data = {
            "submission_id": submission,
            "round": self.round,
            "checks": failed,
            "not_checked": [],
            "reason": reason,
            "verified_until": until.isoformat() if until else None,
        }
        self.h.add(
            Event(
                self.at,
                event_id,
                event_type,
                self.executor,
                actor[0],
                actor[1],
                self.state,
                to_state,
                data,
                None,
            )
        )
        self.state = to_state
        trigger = NotificationTrigger(
            event_id,
            event_type,
            "",
            self.at,
            actor[0],
            self.executor,
            {"reason": reason, "round": self.round},
        )
        audiences: Audiences = {
            Audience.EXECUTOR: [self.executor],
            Audience.SECURITY: self.h.cast.security,
            Audience.HEAD_SECURITY: self.h.cast.heads[:1],
        }
        self.h.notify(trigger, self.rng, audiences)

    def _round(self, fate: str) -> None:
        rng = self.rng
        self.round += 1
        self._status("verification.started", "checking", "", [])
        submission = _id(self.h.seed, "submission", self.executor, self.round)
        checks = {
            "inn": "individual's INN, control digits valid",
            "passport": "passport series and number well-formed",
            "age": f"age {rng.randint(19, 62)}",
            "self_employed": "registered as self-employed (НПД)",
        }
        failed: list[str] = []
        if fate == "checks":
            name = rng.choice(["inn", "self_employed", "self_employed"])
            checks[name] = (
                "INN control digit 12 is wrong (a typo in the INN)"
                if name == "inn"
                else "not registered as self-employed (НПД)"
            )
            failed = [name]
        for name, detail in checks.items():
            self.at += _lognormal(rng, timedelta(seconds=2 if name != "self_employed" else 8), 0.7)
            self.steps += 1
            self.h.add(
                Event(
                    self.at,
                    _under(submission, name),
                    "verification.check_failed" if name in failed else "verification.check_passed",
                    self.executor,
                    "system",
                    "system",
                    None,
                    None,
                    {"check": name, "detail": detail, "submission_id": submission},
                    None,
                )
            )
        if failed:
            reason = "; ".join(f"{n}: {checks[n]}" for n in failed)
            self._status("verification.rejected", "rejected", reason, failed)
            return
        self._status("verification.awaiting_decision", "awaiting_decision", "", [])
        took = _lognormal(rng, timedelta(hours=5), 1.1)
        if took > timedelta(hours=24):
            self.at += timedelta(hours=24)
            self._status("verification.escalated", "awaiting_decision", "", [])
            took -= timedelta(hours=24)
        self.at += took
        officer = rng.choice(self.h.cast.security)
        if fate == "officer":
            reason = rng.choice(OFFICER_REJECTIONS)
            self._status("verification.rejected", "rejected", reason, [], officer=officer)
        else:
            until = self.at + timedelta(days=365)
            self._status(
                "verification.approved", "verified", "", [], officer=officer, verified_until=until
            )


def _creation_times(seed: int, count: int, since: datetime, days: int) -> list[datetime]:
    """When requests were filed: busier lately, on weekdays, and in the day and evening."""
    rng = _rng(seed, "times")
    local_start = (since + MSK).replace(hour=0, minute=0, second=0, microsecond=0)
    day_weights = [
        (0.7 + 0.6 * d / max(days, 1)) * WEEKDAYS[(local_start + timedelta(days=d)).weekday()]
        for d in range(days + 1)
    ]
    times: list[datetime] = []
    while len(times) < count:
        day = rng.choices(range(days + 1), day_weights)[0]
        hour = rng.choices(range(24), HOURS)[0]
        local = local_start + timedelta(days=day, hours=hour, seconds=rng.uniform(0, 3600))
        moment = (local - MSK).replace(tzinfo=UTC)
        if since <= moment <= since + timedelta(days=days):
            times.append(moment.replace(microsecond=moment.microsecond // 1000 * 1000))
    return sorted(times)


def generate(
    *,
    lifecycles: int = 3000,
    days: int = 90,
    seed: int = 1,
    until: datetime,
    people: People | None = None,
) -> History:
    """The whole history ending at `until`: request stories and verification rounds."""
    cast = _Cast(seed, people or People(), lifecycles, days)
    history = History(seed, until, days, cast)
    rng = _rng(seed, "verifications")
    for executor in cast.executors:
        # The working executors were verified before the history begins.
        start = history.since - timedelta(days=rng.uniform(1, 60))
        _Verification(history, executor.id, start, "approved").play()
    applicants = max(5, lifecycles // 30)
    for n in range(applicants):
        start = history.since + timedelta(days=rng.uniform(0, days))
        fates = {"approved": 0.6, "checks": 0.22, "officer": 0.18}
        # Each ending at least once, however short the history.
        fate = list(fates)[n] if n < len(fates) else _pick(rng, fates)
        _Verification(history, _id(seed, "applicant", n), start, fate).play()
    for index, created in enumerate(_creation_times(seed, lifecycles, history.since, days)):
        _Request(history, index, created).play()
    return history


# ---- loading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    seed: int
    lifecycles: int
    days: int
    until: datetime
    events: int
    complete: bool


def _ensure_marker_table(store: AnalyticsStore) -> None:
    # Not a migration: the table belongs to the demo loader, and a rebuild (which drops
    # the database) rightly forgets the demo history with it.
    store.client.command(
        f"CREATE TABLE IF NOT EXISTS {store.database}.{MARKER_TABLE} "
        "(seed UInt64, lifecycles UInt32, days UInt16, until DateTime64(3, 'UTC'), "
        "events UInt64, complete UInt8, written_at DateTime64(3, 'UTC')) "
        "ENGINE = ReplacingMergeTree(written_at) ORDER BY seed"
    )


def markers(store: AnalyticsStore) -> list[Marker]:
    _ensure_marker_table(store)
    rows = store.query(
        "SELECT seed, lifecycles, days, until, events, complete "
        "FROM {db}.demo_history FINAL ORDER BY seed"
    ).result_rows
    return [
        Marker(
            int(s),
            int(n),
            int(d),
            u.replace(tzinfo=UTC) if u.tzinfo is None else u,
            int(e),
            bool(c),
        )
        for s, n, d, u, e, c in rows
    ]


def _mark(store: AnalyticsStore, marker: Marker) -> None:
    store.client.command(
        f"INSERT INTO {store.database}.{MARKER_TABLE} "
        "SELECT {seed:UInt64}, {lifecycles:UInt32}, {days:UInt16}, "
        "toDateTime64({until:String}, 3, 'UTC'), {events:UInt64}, {complete:UInt8}, now64(3)",
        parameters={
            "seed": marker.seed,
            "lifecycles": marker.lifecycles,
            "days": marker.days,
            "until": marker.until.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            "events": marker.events,
            "complete": int(marker.complete),
        },
    )


def load(
    store: AnalyticsStore,
    *,
    lifecycles: int,
    days: int,
    seed: int,
    people: People | None = None,
    now: datetime | None = None,
    progress: Progress = print_progress,
    batch: int = BATCH,
) -> Marker:
    """Generate and write the history of `seed`. The end time of a seed loaded before
    (even partly) is reused, so the rows are the same ones and fold into the stored."""
    earlier = {m.seed: m for m in markers(store)}.get(seed)
    if earlier is not None:
        until = earlier.until
    else:
        until = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    _mark(store, Marker(seed, lifecycles, days, until, 0, False))
    history = generate(lifecycles=lifecycles, days=days, seed=seed, until=until, people=people)
    total = len(history.events)
    rows: list[list[Any]] = []
    written = 0
    for topic, envelope in history.envelopes():
        rows.append(event_row(topic, envelope))
        if len(rows) >= batch:
            store.insert_events(rows)
            written += len(rows)
            rows = []
            progress(written, total)
    store.insert_events(rows)
    written += len(rows)
    progress(written, total)
    marker = Marker(seed, lifecycles, days, until, written, True)
    _mark(store, marker)
    return marker


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analytics.demo_history",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lifecycles", type=int, default=3000, help="requests to make up")
    parser.add_argument("--days", type=int, default=90, help="how far back the history goes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--people", type=Path, help="JSON: customers, managers, executors ([{id, skills}]), …"
    )
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when any demo history is loaded"
    )
    args = parser.parse_args(argv)
    settings = settings or get_settings()
    store = AnalyticsStore.open(settings)
    loaded = [m for m in markers(store) if m.complete]
    if args.if_missing and loaded:
        print(f"demo history already loaded ({loaded[0].events} events)", file=sys.stderr)
        return 0
    people = People.from_json(json.loads(args.people.read_text())) if args.people else None
    started = time.perf_counter()
    print(
        f"making up {args.lifecycles} request lifecycles over {args.days} days (seed {args.seed})",
        file=sys.stderr,
    )
    marker = load(store, lifecycles=args.lifecycles, days=args.days, seed=args.seed, people=people)
    counts = store.counts()
    print(
        f"\n{marker.events} events written in {time.perf_counter() - started:.1f} s; the store "
        f"holds {counts['events']} events of {counts['requests']} requests",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
