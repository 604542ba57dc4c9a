"""GET /reports/...: who may read which report, the period refusals, JSON and CSV."""

from __future__ import annotations

import csv
import io
import socket
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from analytics.store import AnalyticsStore
from api.main import create_app
from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.analytics_events import Lifecycle, rows_of
from tests.helpers.api_client import SignedIn

REPORTS = (
    "timings",
    "sla",
    "quality",
    "executors",
    "notifications",
    "verification",
    "volume",
    "payouts",
)
PERIOD = {"from": "2026-06-01", "to": "2026-06-30"}


@pytest.fixture
async def category(app: FastAPI) -> str:
    """A category of its own, with one closed and paid request in June 2026."""
    store: AnalyticsStore = await app.state.resources.analytics()
    name = f"api-{uuid.uuid4().hex[:10]}"
    at = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    executor = str(uuid.uuid4())
    life = Lifecycle(name, "Москва, Тверская ул., 1").created(at)
    for step, minutes in (("accepted", 20), ("started", 60), ("completed", 180)):
        if step == "accepted":
            life.assigned(at + timedelta(minutes=10), executor)
        getattr(life, step)(at + timedelta(minutes=minutes))
    life.confirmed(at + timedelta(hours=4)).payout(
        at + timedelta(hours=4), "1000.00", "100.00", "900.00"
    )
    life.closed(at + timedelta(hours=5))
    await store.run(store.insert_events, rows_of(life.events))
    return name


async def test_each_role_reads_only_its_reports(
    client: httpx.AsyncClient, signed_in: SignedIn, category: str
) -> None:
    readers = {
        Role.MANAGER: set(REPORTS),
        Role.HEAD_MANAGER: set(REPORTS),
        Role.HR: {"payouts"},
        Role.SECURITY: {"verification"},
        Role.HEAD_SECURITY: {"verification"},
        Role.CUSTOMER: set(),
        Role.EXECUTOR: set(),
    }
    for role, allowed in readers.items():
        who = await signed_in(role)
        for report in REPORTS:
            answer = await client.get(
                f"/reports/{report}", params={**PERIOD, "category": category}, headers=who.headers
            )
            if report in allowed:
                assert answer.status_code == 200, (role, report, answer.text)
            else:
                assert answer.status_code == 403, (role, report, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")


async def test_the_figures_come_from_the_store(
    client: httpx.AsyncClient, signed_in: SignedIn, category: str
) -> None:
    manager = await signed_in(Role.MANAGER)
    asked = {**PERIOD, "category": category}
    timings = (await client.get("/reports/timings", params=asked, headers=manager.headers)).json()
    assert {s["stage"]: s["p50_s"] for s in timings["stages"]} == {
        "assign": 600.0,
        "accept": 600.0,
        "start": 2400.0,
        "complete": 7200.0,
        "close": 18000.0,
    }
    paid = await client.get(
        "/reports/payouts", params={**asked, "grain": "month"}, headers=manager.headers
    )
    assert paid.json()["by_period"] == [
        {
            "period": "2026-06-01",
            "count": 1,
            "gross": "1000.00",
            "commission": "100.00",
            "net": "900.00",
        }
    ]
    assert paid.json()["total"]["net"] == "900.00"
    executors = await client.get("/reports/executors", params=asked, headers=manager.headers)
    assert [e["rating"] for e in executors.json()["executors"]] == [None]
    # Nothing of the category outside its month.
    empty = await client.get(
        "/reports/sla",
        params={"from": "2026-07-01", "to": "2026-07-31", "category": category},
        headers=manager.headers,
    )
    assert empty.json()["overall"]["requests"] == 0


@pytest.mark.parametrize(
    "period",
    [
        {"from": "2026-06-30", "to": "2026-06-01"},
        {"from": "2025-01-01", "to": "2026-01-02"},
        {"from": "not-a-date"},
        # Dates the store cannot hold (it once answered these with a 500).
        {"to": "0222-12-24"},
        {"to": "0001-01-01"},  # its default start, 30 days back, is before any date
        {"from": "2150-01-01", "to": "2150-01-31"},
    ],
)
async def test_a_bad_period_is_refused(
    client: httpx.AsyncClient, signed_in: SignedIn, period: dict[str, str]
) -> None:
    manager = await signed_in(Role.MANAGER)
    answer = await client.get("/reports/volume", params=period, headers=manager.headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 422


async def test_a_whole_leap_year_is_allowed(client: httpx.AsyncClient, signed_in: SignedIn) -> None:
    manager = await signed_in(Role.MANAGER)
    leap_year = {"from": "2028-01-01", "to": "2028-12-31"}
    answer = await client.get("/reports/volume", params=leap_year, headers=manager.headers)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["by_day"]) == 366


async def test_csv_by_parameter_or_accept_header(
    client: httpx.AsyncClient, signed_in: SignedIn, category: str
) -> None:
    manager = await signed_in(Role.MANAGER)
    asked = {**PERIOD, "category": category}
    by_param = await client.get(
        "/reports/sla", params={**asked, "format": "csv"}, headers=manager.headers
    )
    by_accept = await client.get(
        "/reports/sla", params=asked, headers=manager.headers | {"Accept": "text/csv"}
    )
    for answer in (by_param, by_accept):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert 'filename="sla-2026-06-01-2026-06-30.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(by_param.text)))
    assert list(rows[0]) == ["section", "key", "requests", "breached", "breach_pct"]
    assert rows[0] == {
        "section": "overall",
        "key": "all",
        "requests": "1",
        "breached": "0",
        "breach_pct": "0.0",
    }
    assert {r["section"] for r in rows} == {
        "overall",
        "by_stage",
        "by_tier",
        "by_category",
        "by_executor",
        "by_district",
    }
    # A report of one list is that list, without a section column.
    timings = await client.get(
        "/reports/timings", params={**asked, "format": "csv"}, headers=manager.headers
    )
    assert timings.text.splitlines()[0] == "stage,count,p50_s,p90_s"
    assert len(timings.text.splitlines()) == 6
    # JSON asked explicitly wins over the Accept header.
    json_answer = await client.get(
        "/reports/sla",
        params={**asked, "format": "json"},
        headers=manager.headers | {"Accept": "text/csv"},
    )
    assert json_answer.headers["content-type"] == "application/json"


async def test_an_unreachable_store_is_a_503_with_retry_after(
    settings: Settings, signed_in: SignedIn
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    server_down = settings.model_copy(
        update={
            "clickhouse": settings.clickhouse.model_copy(
                update={"dsn": f"http://127.0.0.1:{dead_port}"}
            )
        }
    )
    manager = await signed_in(Role.MANAGER)
    app = create_app(server_down)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            answer = await http.get("/reports/volume", params=PERIOD, headers=manager.headers)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["detail"] == "the analytics store cannot be reached now"
