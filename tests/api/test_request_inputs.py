"""Bodies and path ids of the request endpoints: unknown fields are refused by name,
times far outside any plausible range are refused, and any spelling of a UUID works."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.routes import (
    auth,
    documents,
    executors,
    links,
    request_actions,
    requests,
    users,
    verification,
)
from domain.lifecycle import Role
from store.models import ServiceRequest
from tests.helpers.api_client import BODY, SignedIn, User, create


@pytest.fixture
async def cast(signed_in: SignedIn) -> dict[str, User]:
    return {
        "customer": await signed_in(Role.CUSTOMER),
        "executor": await signed_in(Role.EXECUTOR, skills=["plumbing"]),
        "manager": await signed_in(Role.MANAGER),
    }


def problem_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [str(e["location"][-1]) for e in response.json()["errors"]]


async def own_requests(client: httpx.AsyncClient, who: User) -> list[str]:
    page = (await client.get("/requests", params={"limit": 200}, headers=who.headers)).json()
    return [r["id"] for r in page["items"]]


# ---- unknown fields ------------------------------------------------------------------


async def test_a_misspelt_field_files_nothing(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    customer = cast["customer"]
    body = {k: v for k, v in BODY.items() if k != "budget"} | {"budjet": "100.00"}
    refused = await create(client, customer, body)
    assert problem_fields(refused) == ["budjet"]
    assert "budjet" in refused.json()["detail"]
    assert await own_requests(client, customer) == []


async def test_action_bodies_refuse_unknown_fields(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    customer, executor, manager = cast["customer"], cast["executor"], cast["manager"]
    rid = (await create(client, customer)).json()["id"]

    async def act(who: User, action: str, body: dict[str, Any]) -> httpx.Response:
        return await client.post(f"/requests/{rid}/{action}", json=body, headers=who.headers)

    assign = await act(manager, "assign", {"executor_id": executor.id, "executor": "x"})
    assert problem_fields(assign) == ["executor"]
    cancel = await act(customer, "cancel", {"reason": "передумал", "reasn": "typo"})
    assert problem_fields(cancel) == ["reasn"]
    resolve = await act(manager, "resolve", {"outcome": "accept", "note": "x"})
    assert problem_fields(resolve) == ["note"]
    assert (await client.get(f"/requests/{rid}", headers=customer.headers)).json()["state"] == (
        "new"
    )
    assert (await act(manager, "assign", {"executor_id": executor.id})).status_code == 200
    complete = await act(executor, "complete", {"report": "Готово", "photos": []})
    assert problem_fields(complete) == ["photos"]


# Every JSON body the API takes. The OAuth2 token form is left out on purpose: RFC 6749
# tells a token endpoint to ignore parameters it does not know.
ROUTERS = (auth, documents, executors, links, request_actions, requests, users, verification)
BODY_ROUTES = [
    (method.lower(), route.path)
    for module in ROUTERS
    for route in module.router.routes
    if isinstance(route, APIRoute) and route.body_field is not None
    for method in sorted(route.methods or ())
    if route.path != "/auth/token"
]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas a body schema stands for (through $ref and anyOf)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolve(spec, spec["components"]["schemas"][name])
    if "anyOf" in schema:
        return [s for option in schema["anyOf"] for s in _resolve(spec, option)]
    return [schema] if schema.get("type") == "object" else []


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
def test_every_body_schema_says_no_additional_properties(
    app: FastAPI, method: str, path: str
) -> None:
    spec = app.openapi()
    content = spec["paths"][path][method]["requestBody"]["content"]
    schemas = _resolve(spec, content["application/json"]["schema"])
    assert schemas, "a JSON body with an object schema"
    seen: list[dict[str, Any]] = []
    while schemas:  # nested objects (a verification's scans) too
        schema = schemas.pop()
        seen.append(schema)
        assert schema.get("additionalProperties") is False, schema.get("title")
        for prop in schema.get("properties", {}).values():
            items = prop.get("items", prop)
            schemas += [s for s in _resolve(spec, items) if s not in seen]


def test_the_list_of_bodies_is_complete() -> None:
    assert ("post", "/requests") in BODY_ROUTES
    assert ("post", "/requests/{request_id}/assign") in BODY_ROUTES
    assert len(BODY_ROUTES) >= 12


# ---- implausible times ---------------------------------------------------------------

NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("window", "why"),
    [
        ({"window_start": "9999-12-31T20:00:00-14:00"}, "two years"),
        ({"window_start": "0001-01-01T00:00:00+14:00"}, "one year ago"),
        ({"window_end": "9999-12-31T23:59:59+00:00", "window_start": None}, "two years"),
        ({"window_start": (NOW + timedelta(days=800)).isoformat()}, "two years"),
        ({"window_start": (NOW - timedelta(days=400)).isoformat()}, "one year ago"),
        ({"window_start": "2027-01-10T09:00:00+23:00"}, "-14:00 and +14:00"),
        (
            {
                "window_start": (NOW + timedelta(days=1)).isoformat(),
                "window_end": (NOW + timedelta(days=40)).isoformat(),
            },
            "31 days",
        ),
    ],
)
async def test_implausible_windows_are_422_and_file_nothing(
    client: httpx.AsyncClient, cast: dict[str, User], window: dict[str, Any], why: str
) -> None:
    customer = cast["customer"]
    body = {k: v for k, v in BODY.items() if k not in ("window_start", "window_end")}
    body |= {k: v for k, v in window.items() if v is not None}
    refused = await create(client, customer, body)
    assert refused.status_code == 422, refused.text
    assert why in refused.json()["detail"]
    assert await own_requests(client, customer) == []


async def test_plausible_windows_are_kept_as_sent(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    start = (NOW + timedelta(days=700)).replace(microsecond=0)
    body = BODY | {
        "window_start": start.astimezone(_offset(-12)).isoformat(),
        "window_end": (start + timedelta(days=30)).astimezone(_offset(14)).isoformat(),
    }
    created = await create(client, cast["customer"], body)
    assert created.status_code == 201, created.text
    assert datetime.fromisoformat(created.json()["window_start"]) == start


def _offset(hours: int) -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=hours))


async def test_a_birth_date_out_of_range_is_422(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    base = {
        "full_name": "Иванов Иван Иванович",
        "inn": "500100732259",
        "passport_series": "45 06",
        "passport_number": "123456",
        "scans": [],
    }
    for born in ("0001-01-01", "1899-12-31", (NOW + timedelta(days=3)).date().isoformat()):
        refused = await client.post(
            "/executors/me/verification",
            json=base | {"date_of_birth": born},
            headers=executor.headers,
        )
        assert problem_fields(refused) == ["date_of_birth"], born


async def test_rows_with_extreme_times_still_list_and_page(
    client: httpx.AsyncClient, cast: dict[str, User], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Rows written before the bounds (at the very ends of what the store can hand back)
    still serialise, and the cursors of a list through them round-trip."""
    customer = cast["customer"]
    ids = [(await create(client, customer)).json()["id"] for _ in range(3)]
    extremes = [
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC)),
        (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)),
    ]
    async with sessions.begin() as session:
        for rid, (start, end) in zip(ids, extremes, strict=False):
            await session.execute(
                update(ServiceRequest)
                .where(ServiceRequest.id == uuid.UUID(rid))
                .values(window_start=start, window_end=end, sla_due_at=None)
            )
    for sort in ("created_at", "-updated_at", "sla_due_at", "-sla_due_at"):
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = await client.get("/requests", params=params, headers=customer.headers)
            assert page.status_code == 200, page.text
            seen += [r["id"] for r in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(ids), sort
    listed = (await client.get("/requests", headers=customer.headers)).json()["items"]
    windows = {r["id"]: (r["window_start"], r["window_end"]) for r in listed}
    assert windows[ids[0]] == ("9999-12-31T23:59:59Z", "0001-01-02T00:00:00Z")


# ---- path ids ------------------------------------------------------------------------


def spellings(rid: str) -> list[str]:
    return [rid.upper(), rid.replace("-", ""), rid.replace("-", "").upper()]


async def test_any_spelling_of_a_uuid_reads_and_acts(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    customer, executor, manager = cast["customer"], cast["executor"], cast["manager"]
    rid = (await create(client, customer)).json()["id"]
    upper, bare, bare_upper = spellings(rid)
    for spelt in (upper, bare, bare_upper):
        for suffix in ("", "/history", "/attachments"):
            read = await client.get(f"/requests/{spelt}{suffix}", headers=customer.headers)
            assert read.status_code == 200, (spelt, suffix, read.text)
        assert (await client.get(f"/requests/{spelt}", headers=customer.headers)).json()[
            "id"
        ] == rid
    steps = [
        (manager, upper, "assign", {"executor_id": executor.id.upper()}),
        (executor, bare, "accept", None),
        (executor, bare_upper, "start", None),
        (executor, upper, "complete", {"report": "Готово"}),
    ]
    for who, spelt, action, body in steps:
        done = await client.post(f"/requests/{spelt}/{action}", json=body, headers=who.headers)
        assert done.status_code == 200, (action, done.text)
        assert done.json()["id"] == rid
    assert (
        await client.get(
            f"/requests/{bare}/attachments/{uuid.uuid4().hex.upper()}", headers=customer.headers
        )
    ).status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("GET", "/history"),
        ("GET", "/attachments"),
        ("POST", "/accept"),
        ("POST", "/cancel"),
        ("POST", "/confirm"),
    ],
)
@pytest.mark.parametrize("bad", ["not-a-uuid", "a" * 70, "1234", "' OR 1=1 --"])
async def test_a_non_uuid_id_is_422(
    client: httpx.AsyncClient, cast: dict[str, User], method: str, suffix: str, bad: str
) -> None:
    response = await client.request(
        method, f"/requests/{bad}{suffix}", headers=cast["customer"].headers
    )
    assert problem_fields(response) == ["request_id"]


async def test_a_non_uuid_attachment_id_is_422(
    client: httpx.AsyncClient, cast: dict[str, User]
) -> None:
    rid = (await create(client, cast["customer"])).json()["id"]
    response = await client.get(
        f"/requests/{rid}/attachments/nope", headers=cast["customer"].headers
    )
    assert problem_fields(response) == ["attachment_id"]


# ---- cursors -------------------------------------------------------------------------


def b64(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode()


def json_cursor(value: Any) -> str:
    return b64(json.dumps(value))


VALID_TIME = "2026-01-01T00:00:00+00:00"
NAME = "requests:-created_at"  # the list GET /requests serves by default
MALFORMED_CURSORS = [
    # the one the probe found: the old shape with an integer for the id
    json_cursor([VALID_TIME, 5]),
    json_cursor([VALID_TIME, str(uuid.uuid4())]),  # the old, unnamed shape
    json_cursor(["requests:created_at", VALID_TIME, str(uuid.uuid4())]),  # another sort
    json_cursor([NAME, VALID_TIME, 5]),
    json_cursor([NAME, VALID_TIME, None]),
    json_cursor([NAME, VALID_TIME, "not-a-uuid"]),
    json_cursor([NAME, VALID_TIME, [str(uuid.uuid4())]]),
    json_cursor([NAME, "2026-01-01T00:00:00", str(uuid.uuid4())]),  # naive
    json_cursor([NAME, "yesterday", str(uuid.uuid4())]),
    json_cursor([NAME, 10**400, str(uuid.uuid4())]),
    json_cursor([NAME, 1e308, str(uuid.uuid4())]),
    json_cursor([NAME, "9999-12-31T23:59:59-23:59", str(uuid.uuid4())][:2]),
    # times whose UTC falls off the calendar
    json_cursor([NAME, "9999-12-31T23:59:59-14:00", str(uuid.uuid4())]),
    json_cursor([NAME, "0001-01-01T00:00:00+14:00", str(uuid.uuid4())]),
    json_cursor([NAME, VALID_TIME, str(uuid.uuid4()), "extra"]),
    json_cursor([NAME]),
    json_cursor([]),
    json_cursor({"created_at": VALID_TIME}),
    json_cursor("a string"),
    json_cursor(None),
    json_cursor(12),
    b64("[" * 300),
    b64('"\\ud800"'),
    b64(b"\xff\xfe\x00garbage"),
    json_cursor([VALID_TIME, 5])[:-3],  # truncated
    "garbage",
    "====",
    "%00",
    "é",
]


@pytest.mark.parametrize("cursor", MALFORMED_CURSORS)
async def test_a_malformed_cursor_is_422(
    client: httpx.AsyncClient, cast: dict[str, User], cursor: str
) -> None:
    response = await client.get(
        "/requests", params={"cursor": cursor}, headers=cast["manager"].headers
    )
    assert response.status_code == 422, (cursor, response.text)
    assert response.headers["content-type"] == "application/problem+json"


# Valid shapes with odd values are a page (possibly empty), never a 500.
ODD_BUT_VALID = [
    json_cursor([NAME, "9999-12-31T23:59:59+00:00", str(uuid.uuid4())]),
    json_cursor([NAME, "0001-01-01T00:00:00-14:00", str(uuid.uuid4())]),
    json_cursor([NAME, VALID_TIME, str(uuid.uuid4()).upper()]),
]


@pytest.mark.parametrize("cursor", ODD_BUT_VALID)
async def test_odd_values_in_a_well_formed_cursor_page_normally(
    client: httpx.AsyncClient, cast: dict[str, User], cursor: str
) -> None:
    response = await client.get(
        "/requests", params={"cursor": cursor}, headers=cast["manager"].headers
    )
    assert response.status_code == 200, (cursor, response.text)


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
cursors = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=200).map(b64),
    values.map(json_cursor),
    st.tuples(st.sampled_from([NAME, "requests:created_at", "x"]), values, values).map(
        lambda t: json_cursor(list(t))
    ),
    st.tuples(
        st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat()),
        st.uuids().map(str) | values,
    ).map(lambda t: json_cursor([NAME, *t])),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cursor=cursors)
async def test_no_cursor_is_a_server_error(
    client: httpx.AsyncClient, cast: dict[str, User], cursor: str
) -> None:
    response = await client.get(
        "/requests", params={"cursor": cursor}, headers=cast["manager"].headers
    )
    assert response.status_code in (200, 422), (cursor, response.text)
    if response.status_code == 422:
        assert response.headers["content-type"] == "application/problem+json"
