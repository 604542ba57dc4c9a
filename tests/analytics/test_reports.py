"""Every KPI of every report, against figures computed here in Python from a known set
of request lifecycles, notifications, verification rounds and payouts written into the
run's real (embedded) ClickHouse store.

The store also receives this machine's Kafka history (the run's sink), so the known data
is told apart by a category, and executors, made up for this test.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI

from analytics.reports import (
    executors,
    notifications,
    payouts,
    quality,
    sla,
    timings,
    verification,
    volume,
)
from analytics.reports.filters import ReportFilter
from analytics.store import AnalyticsStore
from tests.helpers.analytics_events import Lifecycle, notification, rows_of, verification_round

ZONE = "Europe/Moscow"
LOCAL = ZoneInfo(ZONE)
FIRST, LAST = date(2026, 6, 1), date(2026, 6, 30)
ADDRESSES = ("Москва, Тверская ул., 1", "Москва, Профсоюзная ул., 5", "Где-то, дом 7")
DISTRICT = {ADDRESSES[0]: "ЦАО", ADDRESSES[1]: "ЮЗАО", ADDRESSES[2]: ""}
WORKDAY_HOURS = 8.0


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _p50_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return _quantile(values, 0.5), _quantile(values, 0.9)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _local_day(at: datetime) -> date:
    return at.astimezone(LOCAL).date()


def _story(n: int, category: str, crew: list[str], rng: random.Random) -> Lifecycle:
    """One of ten shapes of lifecycle, with random gaps between its steps."""
    at = datetime(2026, 6, 1, 3, 0, tzinfo=UTC) + timedelta(
        days=rng.randint(0, 28), minutes=rng.randint(0, 1200)
    )

    def later() -> datetime:
        nonlocal at
        at += timedelta(minutes=rng.randint(5, 600), seconds=rng.randint(0, 59))
        return at

    life = Lifecycle(category, ADDRESSES[n % 3]).created(at)
    who, other = rng.sample(crew, 2)
    shape = n % 10
    if shape == 0:
        return life
    if shape == 3:
        return life.cancelled(later(), "customer")
    if shape == 6:
        life.breached(later(), "assign", 1)
    life.assigned(later(), who)
    if shape == 1:
        life.declined(later()).assigned(later(), other)
    if shape == 4:
        return life.declined(later(), timeout=True).cancelled(later(), "manager")
    life.accepted(later())
    if shape == 6:
        return life.cancelled(later(), "customer")
    life.started(later())
    if shape == 7:
        return life.cancelled(later(), "head_manager")
    if shape == 5:
        life.breached(later(), "complete", 1).breached(later(), "complete", 2)
    life.completed(later())
    if shape == 8:
        return life
    if shape in (2, 9):
        life.disputed(later())
        if shape == 9:
            return life
        life.reworked(later()).completed(later())
    life.confirmed(later())
    gross = Decimal(rng.randint(1000, 9000)) + Decimal("0.50")
    commission = (gross / 10).quantize(Decimal("0.01"))
    life.payout(at, str(gross), str(commission), str(gross - commission))
    return life.closed(later())


def _events_of(life: Lifecycle, event_type: str) -> list[dict[str, Any]]:
    return [e for e in life.events if e["type"] == event_type]


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def _last_assignee(life: Lifecycle) -> str:
    assigned = _events_of(life, "request.assigned")
    return str(assigned[-1]["data"]["assignee_id"]) if assigned else ""


def _breaches(life: Lifecycle) -> list[tuple[str, int]]:
    return [(e["data"]["sla"], e["data"]["tier"]) for e in _events_of(life, "sla.breached")]


def expected_timings(cohort: list[Lifecycle]) -> list[dict[str, Any]]:
    Span = Callable[[Lifecycle], tuple[datetime | None, datetime | None]]
    stages: tuple[tuple[str, Span], ...] = (
        ("assign", lambda r: (r.first("created"), r.first("assigned"))),
        ("accept", lambda r: (r.first("assigned"), r.first("accepted"))),
        ("start", lambda r: (r.first("accepted"), r.first("started"))),
        ("complete", lambda r: (r.first("started"), r.last("completed"))),
        ("close", lambda r: (r.first("created"), r.last("closed"))),
    )
    found = []
    for stage, span in stages:
        spans = [span(r) for r in cohort]
        values = [(b - a).total_seconds() for a, b in spans if a and b]
        p50, p90 = _p50_p90(values)
        found.append({"stage": stage, "count": len(values), "p50_s": p50, "p90_s": p90})
    return found


def expected_sla(cohort: list[Lifecycle]) -> dict[str, Any]:
    def row(key: str, group: list[Lifecycle], breached: int | None = None) -> dict[str, Any]:
        hits = sum(1 for r in group if _breaches(r)) if breached is None else breached
        return {
            "key": key,
            "requests": len(group),
            "breached": hits,
            "breach_pct": _pct(hits, len(group)),
        }

    def grouped(key: Any) -> list[dict[str, Any]]:
        groups: dict[str, list[Lifecycle]] = defaultdict(list)
        for r in cohort:
            groups[key(r)].append(r)
        return [row(k, groups[k]) for k in sorted(groups)]

    reached = {
        "assign": cohort,
        "accept": [r for r in cohort if r.first("assigned")],
        "start": [r for r in cohort if r.first("accepted")],
        "complete": [r for r in cohort if r.first("started")],
    }
    return {
        "overall": row("all", cohort),
        "by_stage": [
            row(s, group, sum(1 for r in cohort if any(b[0] == s for b in _breaches(r))))
            for s, group in reached.items()
        ],
        "by_tier": [
            row(str(t), cohort, sum(1 for r in cohort if any(b[1] == t for b in _breaches(r))))
            for t in (1, 2, 3)
        ],
        "by_category": grouped(lambda r: r.category),
        "by_executor": grouped(_last_assignee),
        "by_district": grouped(lambda r: DISTRICT[r.address]),
    }


def expected_quality(cohort: list[Lifecycle]) -> dict[str, Any]:
    confirmed = [r for r in cohort if r.first("confirmed")]
    fixed = [
        r for r in confirmed if not r.first("disputed") and r.first("started") == r.last("started")
    ]
    completed = [r for r in cohort if r.first("completed")]
    disputed = [r for r in cohort if r.first("disputed")]
    cancelled = [r for r in cohort if r.first("cancelled")]

    def counted(keys: list[str]) -> list[dict[str, Any]]:
        tally: dict[str, int] = defaultdict(int)
        for key in keys:
            tally[key] += 1
        ordered = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
        return [{"key": k, "count": n} for k, n in ordered]

    tally: dict[tuple[str, str], int] = defaultdict(int)
    for r in cancelled:
        event = _events_of(r, "request.cancelled")[-1]
        tally[(event["actor"]["role"], event["from_state"])] += 1
    return {
        "confirmed": len(confirmed),
        "first_time_fix": len(fixed),
        "first_time_fix_pct": _pct(len(fixed), len(confirmed)),
        "completed": len(completed),
        "disputed": len(disputed),
        "dispute_pct": _pct(len(disputed), len(completed)),
        "disputes_by_category": counted([r.category for r in disputed]),
        "disputes_by_district": counted([DISTRICT[r.address] for r in disputed]),
        "disputes_by_executor": counted([_last_assignee(r) for r in disputed]),
        "cancelled": len(cancelled),
        "cancellations": [
            {"by_role": role, "stage": stage, "count": n}
            for (role, stage), n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def _covered_s(spells: list[tuple[datetime, datetime]]) -> float:
    """Seconds covered by the spells, overlaps once."""
    covered, end = 0.0, None
    for began, ended in sorted(spells):
        if end is not None and began < end:
            if ended > end:
                covered += (ended - end).total_seconds()
                end = ended
        else:
            covered += (ended - began).total_seconds()
            end = ended
    return covered


def expected_executors(cohort: list[Lifecycle]) -> list[dict[str, Any]]:
    f: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "assigned": 0,
            "accepted": 0,
            "declined": 0,
            "jobs": set(),
            "spells": [],
            "days": set(),
        }
    )
    for life in cohort:
        holder, began = "", None
        for e in life.events:
            kind, at, data = e["type"], _at(e), e["data"]
            if e["actor"]["role"] == "executor":
                f[e["actor"]["id"]]["days"].add(_local_day(at))
            if kind == "request.assigned":
                holder = data["assignee_id"]
                f[holder]["assigned"] += 1
            elif kind == "request.accepted":
                f[data["assignee_id"]]["accepted"] += 1
            elif kind == "request.declined":
                f[holder]["declined"] += 1
            elif kind == "request.started" or (
                kind == "request.resolved" and e["to_state"] == "in_progress"
            ):
                began = at
            elif kind == "request.completed":
                assert began is not None
                f[data["assignee_id"]]["jobs"].add(life.request_id)
                f[data["assignee_id"]]["spells"].append((began, at))
    found = []
    for executor in sorted(f):
        x = f[executor]
        days, jobs = len(x["days"]), len(x["jobs"])
        busy = _covered_s(x["spells"])
        found.append(
            {
                "executor_id": executor,
                "assigned": x["assigned"],
                "accepted": x["accepted"],
                "declined": x["declined"],
                "acceptance_pct": _pct(x["accepted"], x["assigned"]),
                "decline_pct": _pct(x["declined"], x["assigned"]),
                "completed": jobs,
                "active_days": days,
                "jobs_per_day": round(jobs / days, 2) if days else 0.0,
                "busy_s": busy,
                "busy_share": round(busy / (days * WORKDAY_HOURS * 3600), 4) if days else 0.0,
                "rating": None,
            }
        )
    return found


def expected_volume(everything: list[Lifecycle]) -> dict[str, Any]:
    def on(step: str, day: date) -> int:
        times = [r.first(step) for r in everything]
        return sum(1 for at in times if at is not None and _local_day(at) == day)

    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
    created = [r.first("created") for r in everything]
    in_period = [at for at in created if at and FIRST <= _local_day(at) <= LAST]
    return {
        "by_day": [
            {
                "day": d,
                "created": on("created", d),
                "closed": on("closed", d),
                "cancelled": on("cancelled", d),
            }
            for d in days
        ],
        "by_hour": [
            {"hour": h, "created": sum(1 for at in in_period if at.astimezone(LOCAL).hour == h)}
            for h in range(24)
        ],
    }


def _approx(found: Any, expected: Any) -> None:
    """Equal, floats to a millisecond (the reports round seconds to three places)."""
    if isinstance(expected, float):
        assert found == pytest.approx(expected, abs=1e-3)
    elif isinstance(expected, dict):
        assert set(found) == set(expected), (found, expected)
        for key in expected:
            _approx(found[key], expected[key])
    elif isinstance(expected, list):
        assert len(found) == len(expected), (found, expected)
        for one, other in zip(found, expected, strict=True):
            _approx(one, other)
    else:
        assert found == expected


@pytest.fixture
async def store(app: FastAPI) -> AnalyticsStore:
    found: AnalyticsStore = await app.state.resources.analytics()
    return found


async def test_every_kpi_matches_figures_computed_from_the_lifecycles(
    store: AnalyticsStore,
) -> None:
    rng = random.Random(20260601)
    category = f"kpi-{uuid.uuid4().hex[:10]}"
    crew = [str(uuid.uuid4()) for _ in range(3)]
    stories = [_story(n, category, crew, rng) for n in range(20)]
    # Just either side of the period's first local midnight (21:00 UTC the day before).
    outside = Lifecycle(category, ADDRESSES[0]).created(datetime(2026, 5, 31, 20, 59, tzinfo=UTC))
    inside = Lifecycle(category, ADDRESSES[0]).created(datetime(2026, 5, 31, 21, 0, tzinfo=UTC))
    everything = [*stories, outside, inside]
    cohort = [*stories, inside]

    sent_in = [5.0, 12.5, 3.25, 40.0]
    notes = []
    for n, life in enumerate(cohort[:8]):
        requested = life.first("created")
        assert requested is not None
        channel = ("email", "telegram")[n % 2]
        if n < 4:
            sent = requested + timedelta(seconds=sent_in[n])
            notes.append(notification(crew[0], life.request_id, channel, requested, sent_at=sent))
        elif n < 6:
            failed = requested + timedelta(seconds=1)
            notes.append(
                notification(crew[0], life.request_id, channel, requested, failed_at=failed)
            )
        elif n == 6:
            # A failure that is retried is not a failure: still unconfirmed.
            failed = requested + timedelta(seconds=1)
            notes.append(
                notification(
                    crew[1], life.request_id, channel, requested, failed_at=failed, permanent=False
                )
            )
        else:
            notes.append(notification(crew[1], life.request_id, channel, requested))
    early = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    notes.append(notification(crew[0], cohort[0].request_id, "email", early, sent_at=early))

    checked, waiting = str(uuid.uuid4()), str(uuid.uuid4())
    t = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    rounds = [
        # Rejected by the checks, then approved by an officer.
        verification_round(
            checked,
            1,
            t,
            decided_at=t + timedelta(seconds=90),
            approved=False,
            reason="inn: not found",
        ),
        verification_round(
            checked,
            2,
            t + timedelta(days=1),
            seq=4,
            awaiting_at=t + timedelta(days=1, minutes=1),
            decided_at=t + timedelta(days=1, minutes=31),
        ),
        # Awaiting, then replaced by newer documents that await a decision now.
        verification_round(waiting, 1, t, awaiting_at=t + timedelta(minutes=2)),
        verification_round(
            waiting, 2, t + timedelta(hours=5), seq=4, awaiting_at=t + timedelta(hours=5, minutes=2)
        ),
    ]
    envelopes = [e for life in everything for e in life.events]
    envelopes += [e for group in [*notes, *rounds] for e in group]
    await store.run(store.insert_events, rows_of(envelopes))

    asked = ReportFilter(FIRST, LAST, ZONE, category=category)

    async def run(module: Any, *args: Any, filters: ReportFilter = asked) -> dict[str, Any]:
        found: dict[str, Any] = asdict(await store.run(module.report, store, filters, *args))
        return found

    _approx(await run(timings), {"stages": expected_timings(cohort)})
    _approx(await run(sla), expected_sla(cohort))
    _approx(await run(quality), expected_quality(cohort))
    _approx(await run(executors, WORKDAY_HOURS), {"executors": expected_executors(cohort)})
    _approx(await run(volume), expected_volume(everything))

    _approx(
        await run(notifications),
        {
            "channels": [
                {
                    "channel": "email",
                    "requested": 4,
                    "sent": 2,
                    "failed": 1,
                    "unconfirmed": 1,
                    "p50_latency_s": _quantile([5.0, 3.25], 0.5),
                    "p90_latency_s": _quantile([5.0, 3.25], 0.9),
                },
                {
                    "channel": "telegram",
                    "requested": 4,
                    "sent": 2,
                    "failed": 1,
                    "unconfirmed": 1,
                    "p50_latency_s": _quantile([12.5, 40.0], 0.5),
                    "p90_latency_s": _quantile([12.5, 40.0], 0.9),
                },
            ]
        },
    )
    only_crew_1 = ReportFilter(FIRST, LAST, ZONE, category=category, executor_id=crew[1])
    by_crew_1 = await run(notifications, filters=only_crew_1)
    assert [(c["channel"], c["requested"], c["unconfirmed"]) for c in by_crew_1["channels"]] == [
        ("email", 1, 1),
        ("telegram", 1, 1),
    ]

    _approx(
        await run(verification, filters=ReportFilter(FIRST, LAST, ZONE, executor_id=checked)),
        {
            "submitted": 2,
            "checked": 2,
            "awaiting_decision": 0,
            "approved": 1,
            "rejected": 1,
            "p50_decision_s": _quantile([90.0, 1860.0], 0.5),
            "p90_decision_s": _quantile([90.0, 1860.0], 0.9),
            "rejection_reasons": [{"reason": "inn: not found", "count": 1}],
        },
    )
    _approx(
        await run(verification, filters=ReportFilter(FIRST, LAST, ZONE, executor_id=waiting)),
        {
            "submitted": 2,
            "checked": 2,
            "awaiting_decision": 1,
            "approved": 0,
            "rejected": 0,
            "p50_decision_s": None,
            "p90_decision_s": None,
            "rejection_reasons": [],
        },
    )

    recorded = [
        (_local_day(_at(e)), e) for life in everything for e in _events_of(life, "payout.recorded")
    ]
    grains: tuple[payouts.Grain, ...] = ("day", "week", "month")
    for grain in grains:
        found = await run(payouts, grain)
        expected: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
        for day, e in recorded:
            start = payouts.period_start(day, grain)
            figures = expected[start]
            figures[0] += 1
            for k, name in enumerate(("gross", "commission", "net"), start=1):
                figures[k] += Decimal(e["data"][name])
        assert found["grain"] == grain
        assert {
            p["period"]: [p["count"], p["gross"], p["commission"], p["net"]]
            for p in found["by_period"]
            if p["count"]
        } == dict(expected)
        assert found["total"]["count"] == len(recorded)
        assert found["total"]["net"] == sum(Decimal(e["data"]["net"]) for _, e in recorded)
    weeks = await run(payouts, "week")
    assert [p["period"] for p in weeks["by_period"]] == [
        date(2026, 6, 1) + timedelta(weeks=n) for n in range(5)
    ]


async def test_the_filters_narrow_the_requests(store: AnalyticsStore) -> None:
    category = f"kpi-{uuid.uuid4().hex[:10]}"
    crew = [str(uuid.uuid4()) for _ in range(2)]
    at = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    central = Lifecycle(category, ADDRESSES[0]).created(at).assigned(at, crew[0])
    southwest = Lifecycle(category, ADDRESSES[1]).created(at).assigned(at, crew[1])
    await store.run(store.insert_events, rows_of([*central.events, *southwest.events]))

    async def requests(**filters: str) -> int:
        asked = ReportFilter(FIRST, LAST, ZONE, category=category, **filters)
        found = await store.run(sla.report, store, asked)
        return int(found.overall.requests)

    assert await requests() == 2
    assert await requests(district="ЦАО") == 1
    assert await requests(district="ЮЗАО", executor_id=crew[0]) == 0
    assert await requests(executor_id=crew[1]) == 1


async def test_two_jobs_in_progress_at_once_are_busy_time_once(store: AnalyticsStore) -> None:
    category = f"overlap-{uuid.uuid4().hex[:10]}"
    worker = str(uuid.uuid4())
    day = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)

    def job(start_h: float, end_h: float) -> Lifecycle:
        life = Lifecycle(category, ADDRESSES[0]).created(day)
        life.assigned(day + timedelta(minutes=1), worker).accepted(day + timedelta(minutes=2))
        life.started(day + timedelta(hours=start_h)).completed(day + timedelta(hours=end_h))
        return life

    # 9–12 and 10–13 overlap (4 h together), 15–16 stands alone: 5 h busy, not 7.
    jobs = [job(3, 6), job(4, 7), job(9, 10)]
    await store.run(store.insert_events, rows_of([e for life in jobs for e in life.events]))
    asked = ReportFilter(FIRST, LAST, ZONE, category=category)
    (figures,) = (await store.run(executors.report, store, asked, WORKDAY_HOURS)).executors
    assert (figures.executor_id, figures.completed, figures.busy_s) == (worker, 3, 5 * 3600.0)
