"""PATCH /executors/{id}/profile on the real stack: executors set their own districts,
hours and duty, managers everything; refusals change nothing; changes are audited and
reach the candidates."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store.models import AuditEntry
from tests.helpers.api_client import BODY, SignedIn, create


async def test_an_executor_sets_their_areas_and_hours_and_a_manager_the_rest(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    other = await signed_in(Role.EXECUTOR)
    manager = await signed_in(Role.MANAGER)
    path = f"/executors/{executor.id}/profile"
    hours = {"mon": ["14:00-18:00", "09:00-13:00"], "sat": ["10:00-14:00"]}

    mine = await client.patch(
        path, json={"districts": ["ЦАО", "ЦАО"], "working_hours": hours}, headers=executor.headers
    )
    assert mine.status_code == 200, mine.text
    week: dict[str, list[str]] = {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert (mine.json()["districts"], mine.json()["working_hours"]) == (
        ["ЦАО"],
        week | {"mon": ["09:00-13:00", "14:00-18:00"], "sat": ["10:00-14:00"]},
    )
    for who, body, status in (
        (executor, {"capacity": 9}, 403),  # managers set capacity
        (executor, {"skills": ["electrical"]}, 403),
        (other, {"available": False}, 403),  # not their profile
        (executor, {"districts": ["Атлантида"]}, 422),
        (executor, {"working_hours": {"mon": ["18:00-09:00"]}}, 422),
        (executor, {"working_hours": {"someday": ["09:00-18:00"]}}, 422),
        (executor, {"available": None}, 422),
        (manager, {"capacity": 0}, 422),
        (manager, {"colour": "red"}, 422),
    ):
        refused = await client.patch(path, json=body, headers=who.headers)
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    unchanged = (await client.get(f"/executors/{executor.id}", headers=manager.headers)).json()
    assert (unchanged["capacity"], unchanged["skills"], unchanged["available"]) == (
        3,
        ["plumbing"],
        True,
    )

    managed = await client.patch(
        path,
        json={"capacity": 5, "skills": ["plumbing", "electrical"], "working_hours": None},
        headers=manager.headers,
    )
    assert managed.status_code == 200, managed.text
    found = managed.json()
    assert (found["capacity"], found["skills"], found["working_hours"]) == (
        5,
        ["electrical", "plumbing"],
        None,
    )
    async with sessions() as session:
        entries = (
            (
                await session.execute(
                    select(AuditEntry)
                    .where(
                        AuditEntry.target_id == executor.id, AuditEntry.action == "executor.profile"
                    )
                    .order_by(AuditEntry.id)
                )
            )
            .scalars()
            .all()
        )
    allowed = [e for e in entries if e.outcome == "allowed"]
    assert [e.actor_id for e in allowed] == [executor.id, manager.id]
    assert allowed[1].before == {
        "capacity": 3,
        "skills": ["plumbing"],
        "working_hours": {"mon": ["09:00-13:00", "14:00-18:00"], "sat": ["10:00-14:00"]},
    }
    assert any(e.outcome == "denied" for e in entries)


async def test_off_duty_and_hours_take_an_executor_out_of_the_candidates(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    skill = "profile-candidates"
    executor = await signed_in(Role.EXECUTOR, skills=[skill])
    manager, customer = await signed_in(Role.MANAGER), await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer, {**BODY, "category": skill})).json()["id"]

    async def reasons() -> list[str]:
        answer = await client.get(f"/requests/{rid}/candidates", headers=manager.headers)
        assert answer.status_code == 200, answer.text
        mine = [r for r in answer.json()["ineligible"] if r["executor_id"] == executor.id]
        return mine[0]["reasons"] if mine else []

    assert await reasons() == []
    path = f"/executors/{executor.id}/profile"
    await client.patch(path, json={"available": False}, headers=executor.headers)
    assert await reasons() == ["off_duty"]
    await client.patch(path, json={"available": True}, headers=executor.headers)
    # Hours with no time in them at all: never at work, so never a candidate.
    await client.patch(path, json={"working_hours": {}}, headers=executor.headers)
    assert await reasons() == ["outside_working_hours"]
