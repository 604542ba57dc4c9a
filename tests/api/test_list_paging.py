"""The executor list, the verification queue and HR's payouts come a page at a time:
a bounded page size, a next cursor, and a 422 for a cursor the API did not issue. The
CSV export streams a whole period, however long."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store import documents
from store.documents import NewPayout
from store.models import ExecutorProfile, ServiceRequest
from tests.helpers.api_client import SignedIn, User
from tests.helpers.people import make_person


def cursor_of(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


SOME_ID = str(uuid.uuid4())
NOT_CURSORS = [
    "not-a-cursor",
    "W10",
    "WyJwYXlvdXRzIl0",
    "bm90IGpzb24",
    "x" * 2001,
    # The right shapes, with values the database cannot take.
    cursor_of(["executors", "a\x00b", SOME_ID]),
    cursor_of(["verifications", "a\x00b", SOME_ID]),
    cursor_of(["payouts", "2031-01-01", "9999-12-31T23:59:59-14:00", SOME_ID]),
    cursor_of(["payouts", "2031-01-01", "2031-01-01T00:00:00", SOME_ID]),
]


async def walk(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], who: User
) -> list[list[dict[str, Any]]]:
    """Every page of a list, following next_cursor until there is none."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query, headers=who.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 1000, "the cursor does not move"


async def refuses_bad_paging(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], who: User, foreign: str
) -> None:
    bad_params: list[dict[str, Any]] = [{"limit": 0}, {"limit": 201}]
    for bad in [*bad_params, *({"cursor": c} for c in [*NOT_CURSORS, foreign])]:
        response = await client.get(path, params=params | bad, headers=who.headers)
        assert response.status_code == 422, (path, bad, response.text)
        assert response.headers["content-type"] == "application/problem+json"


async def test_the_executor_list_pages(client: httpx.AsyncClient, signed_in: SignedIn) -> None:
    manager = await signed_in(Role.MANAGER)
    skill = f"paging-{uuid.uuid4().hex[:8]}"
    ours = {(await signed_in(Role.EXECUTOR, skills=[skill])).id for _ in range(5)}

    pages = await walk(client, "/executors", {"skill": skill, "limit": 2}, manager)
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [e["id"] for page in pages for e in page]
    assert sorted(ids) == sorted(ours)  # each exactly once
    whole = (
        await client.get("/executors", params={"skill": skill}, headers=manager.headers)
    ).json()
    assert [e["id"] for e in whole["items"]] == ids
    assert whole["next_cursor"] is None

    other = (
        await client.get(
            "/verifications", params={"limit": 1}, headers=(await signed_in(Role.SECURITY)).headers
        )
    ).json()["next_cursor"]
    await refuses_bad_paging(client, "/executors", {"skill": skill}, manager, other)


async def test_the_verification_queue_pages_past_200(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    officer = await signed_in(Role.SECURITY)
    ours = {(await signed_in(Role.EXECUTOR, verified=False)).id for _ in range(3)}
    # More rejected executors than the old fixed cut of 200 rows.
    crowd = [(await make_person(sessions, Role.EXECUTOR, verified=False)).id for _ in range(200)]
    async with sessions.begin() as session:
        await session.execute(
            update(ExecutorProfile)
            .where(ExecutorProfile.user_id.in_([uuid.UUID(i) for i in [*ours, *crowd]]))
            .values(verification_status="expired")
        )

    pages = await walk(client, "/verifications", {"state": "expired", "limit": 200}, officer)
    ids = [row["executor_id"] for page in pages for row in page]
    assert len(ids) == len(set(ids))
    assert {*ours, *crowd} <= set(ids)
    assert all(len(page) <= 200 for page in pages)
    assert len(pages) >= 2
    small = await walk(client, "/verifications", {"state": "expired", "limit": 50}, officer)
    assert [row["executor_id"] for page in small for row in page] == ids

    foreign = (
        await client.get(
            "/executors", params={"limit": 1}, headers=(await signed_in(Role.MANAGER)).headers
        )
    ).json()["next_cursor"]
    await refuses_bad_paging(client, "/verifications", {"state": "expired"}, officer, foreign)


async def payouts_in(
    sessions: async_sessionmaker[AsyncSession],
    customer: User,
    executors: Sequence[User],
    days: Sequence[date],
) -> list[str]:
    """One closed request and its payout per day given (executors taken in turn)."""
    request_ids: list[str] = []
    async with sessions.begin() as session:
        for n, day in enumerate(days):
            rid = uuid.uuid4()
            executor = executors[n % len(executors)]
            session.add(
                ServiceRequest(
                    id=rid,
                    customer_id=uuid.UUID(customer.id),
                    idempotency_key=f"payout-test-{rid}",
                    category="plumbing",
                    description="paging test",
                    address="Казань, 1",
                    state="closed",
                    assignee_id=uuid.UUID(executor.id),
                )
            )
            await session.flush()
            await documents.record_payout(
                session,
                NewPayout(
                    request_id=str(rid),
                    executor_id=executor.id,
                    gross=Decimal("1000.00") + n,
                    commission_rate=Decimal("0.1000"),
                    commission=Decimal("100.00"),
                    net=Decimal("900.00") + n,
                    recorded_on=day,
                ),
            )
            request_ids.append(str(rid))
    return request_ids


async def test_payouts_page_within_a_period(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hr, customer = await signed_in(Role.HR), await signed_in(Role.CUSTOMER)
    executor = await signed_in(Role.EXECUTOR)
    start = date(2032, 3, 1)
    # Several payouts on one day: the cursor must tell them apart.
    days = [start + timedelta(days=n // 3) for n in range(7)]
    rids = await payouts_in(sessions, customer, [executor], days)
    period = {"from": "2032-03-01", "to": "2032-03-31"}

    pages = await walk(client, "/payouts", period | {"limit": 3}, hr)
    assert [len(p) for p in pages] == [3, 3, 1]
    listed = [p for page in pages for p in page]
    assert sorted(p["request_id"] for p in listed) == sorted(rids)
    assert [p["recorded_on"] for p in listed] == [d.isoformat() for d in days]
    whole = (await client.get("/payouts", params=period, headers=hr.headers)).json()
    assert whole["items"] == listed
    assert whole["next_cursor"] is None

    foreign = (
        await client.get(
            "/executors", params={"limit": 1}, headers=(await signed_in(Role.MANAGER)).headers
        )
    ).json()["next_cursor"]
    await refuses_bad_paging(client, "/payouts", period, hr, foreign)


async def test_the_csv_of_a_whole_year_streams_every_payout(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hr, customer = await signed_in(Role.HR), await signed_in(Role.CUSTOMER)
    plain = await signed_in(Role.EXECUTOR, full_name="Петров Пётр")
    formula = await signed_in(Role.EXECUTOR, full_name='=HYPERLINK("http://x")')
    start = date(2031, 1, 1)
    # More rows than the export reads from the database at once.
    days = [start + timedelta(days=n % 365) for n in range(1234)]
    rids = await payouts_in(sessions, customer, [plain, formula], days)

    async with client.stream(
        "GET", "/payouts.csv", params={"from": "2031-01-01", "to": "2031-12-31"}, headers=hr.headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "content-length" not in response.headers  # streamed, not built whole
        text = (await response.aread()).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(rids)
    assert {r["request_id"] for r in rows} == set(rids)
    assert [r["recorded_on"] for r in rows] == sorted(r["recorded_on"] for r in rows)
    names = {r["executor_id"]: r["executor_name"] for r in rows}
    assert names == {plain.id: "Петров Пётр", formula.id: '\'=HYPERLINK("http://x")'}
    by_request = {r["request_id"]: r for r in rows}
    assert by_request[rids[1233]]["gross"] == "2233.00"
    assert by_request[rids[0]]["net"] == "900.00"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
an_iso_time = st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat())
cursors = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    json_values.map(cursor_of),
    st.tuples(
        st.sampled_from(["executors", "verifications", "payouts", "requests"]),
        st.lists(json_values, max_size=4),
    ).map(lambda t: cursor_of([t[0], *t[1]])),
    # The right shape with odd values: any text for a name (NUL too), odd ids.
    st.tuples(
        st.sampled_from(["executors", "verifications"]),
        st.text(max_size=60) | json_values,
        st.uuids().map(str) | st.text(max_size=40),
    ).map(lambda t: cursor_of(list(t))),
    # Payout keys at the calendar's edges, in any offset or none.
    st.tuples(
        st.dates().map(date.isoformat) | json_values,
        an_iso_time | st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]),
        st.uuids().map(str) | json_values,
    ).map(lambda t: cursor_of(["payouts", *t])),
)


@pytest.fixture
async def staff(signed_in: SignedIn) -> dict[Role, User]:
    return {role: await signed_in(role) for role in (Role.MANAGER, Role.SECURITY, Role.HR)}


@pytest.mark.parametrize(
    ("path", "params", "role"),
    [
        ("/executors", {}, Role.MANAGER),
        ("/verifications", {}, Role.SECURITY),
        ("/payouts", {"from": "2026-01-01", "to": "2026-12-31"}, Role.HR),
    ],
)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cursor=cursors)
async def test_no_cursor_is_a_server_error(
    client: httpx.AsyncClient,
    staff: dict[Role, User],
    path: str,
    params: dict[str, str],
    role: Role,
    cursor: str,
) -> None:
    response = await client.get(
        path, params=params | {"cursor": cursor}, headers=staff[role].headers
    )
    assert response.status_code in (200, 422), (cursor, response.text)
    if response.status_code == 422:
        assert response.headers["content-type"] == "application/problem+json"
