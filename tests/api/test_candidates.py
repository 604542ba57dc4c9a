"""GET /requests/{id}/candidates on the real stack: who may take a request, ranked by a
score that explains itself, and why the others may not (skill, area, verification,
duty, capacity)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store.models import ExecutorProfile
from tests.helpers.api_client import BODY, SignedIn, act, create
from tests.helpers.people import PersonFactory


async def _profile(
    sessions: async_sessionmaker[AsyncSession], executor_id: str, **fields: Any
) -> None:
    async with sessions.begin() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(executor_id))
        assert profile is not None
        for name, value in fields.items():
            setattr(profile, name, value)


async def test_candidates_are_ranked_and_the_others_refused_with_their_reasons(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    person: PersonFactory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    manager = await signed_in(Role.MANAGER)
    customer = await signed_in(Role.CUSTOMER)
    cast = {
        name: (await person(Role.EXECUTOR, skills=["plumbing"], full_name=f"Кандидат {name}")).id
        for name in ("area", "city", "elsewhere", "full", "expired", "off")
    }
    cast["unverified"] = (await person(Role.EXECUTOR, skills=["plumbing"], verified=False)).id
    await _profile(sessions, cast["area"], districts=["ЦАО"])
    await _profile(sessions, cast["elsewhere"], districts=["ЮЗАО"])
    await _profile(sessions, cast["full"], capacity=1)
    await _profile(sessions, cast["expired"], verified_until=datetime.now(UTC) - timedelta(days=1))
    await _profile(sessions, cast["off"], available=False)
    # The one place of "full" is taken by a job it holds.
    held = (await create(client, customer)).json()["id"]
    taken = await act(client, manager, held, "assign", {"executor_id": cast["full"]})
    assert taken.status_code == 200, taken.text

    rid = (await create(client, customer, {**BODY, "address": "Москва, Тверская ул., 1"})).json()[
        "id"
    ]
    answer = await client.get(f"/requests/{rid}/candidates", headers=manager.headers)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["category"], found["district"]) == ("plumbing", "ЦАО")

    ranked = [c["executor_id"] for c in found["candidates"]]
    mine = [who for who in ranked if who in cast.values()]
    # Same record and load; serving the district outranks serving the whole city.
    assert mine == [cast["area"], cast["city"]]
    best = next(c for c in found["candidates"] if c["executor_id"] == cast["area"])
    parts = {p["factor"]: p for p in best["parts"]}
    assert (parts["area"]["value"], parts["area"]["why"]) == (1.0, "serves ЦАО")
    assert parts["load"]["why"] == "0 of 3 places taken"
    assert best["score"] == round(sum(p["points"] for p in best["parts"]), 4)
    assert best["full_name"] == "Кандидат area"

    refused = {r["executor_id"]: r["reasons"] for r in found["ineligible"]}
    assert refused[cast["elsewhere"]] == ["outside_area"]
    assert refused[cast["full"]] == ["at_capacity"]
    assert refused[cast["expired"]] == ["verification_ends_before_the_window"]
    assert refused[cast["off"]] == ["off_duty"]
    assert refused[cast["unverified"]] == ["not_verified"]


async def test_candidates_are_for_those_who_assign(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    refused = await client.get(f"/requests/{rid}/candidates", headers=customer.headers)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    manager = await signed_in(Role.MANAGER)
    missing = await client.get(f"/requests/{uuid.uuid4()}/candidates", headers=manager.headers)
    assert missing.status_code == 404, missing.text
