"""Two-way ratings on the real stack: each side rates the other once the work is
confirmed, may change it for 24 hours, sees only its own; a customer's low rating opens
a follow-up for the managers; ratings feed the candidate score."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from store.models import OutboxEvent, Rating
from tests.helpers.api_client import BODY, SignedIn, User, act, create


async def confirmed(
    client: httpx.AsyncClient, customer: User, executor: User, manager: User, skill: str
) -> str:
    rid: str = (await create(client, customer, {**BODY, "category": skill})).json()["id"]
    steps = [
        (manager, "assign", {"executor_id": executor.id}),
        (executor, "accept", None),
        (executor, "start", None),
        (executor, "complete", {"report": "Готово"}),
        (customer, "confirm", None),
    ]
    for who, action, body in steps:
        answer = await act(client, who, rid, action, body)
        assert answer.status_code == 200, (action, answer.text)
    return rid


async def test_each_side_rates_once_may_change_it_for_a_day_and_sees_its_own(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    skill = f"rated-{uuid.uuid4().hex[:6]}"
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=[skill])
    stranger = await signed_in(Role.CUSTOMER)
    early = (await create(client, customer, {**BODY, "category": skill})).json()["id"]
    too_early = await client.put(
        f"/requests/{early}/rating", json={"score": 5}, headers=customer.headers
    )
    assert too_early.status_code == 409, too_early.text

    rid = await confirmed(client, customer, executor, manager, skill)
    path = f"/requests/{rid}/rating"
    for who, body, status in (
        (customer, {"score": 6}, 422),
        (customer, {"score": 0}, 422),
        (customer, {"score": 4, "extra": 1}, 422),
        (manager, {"score": 4}, 403),
        (stranger, {"score": 4}, 404),
    ):
        refused = await client.put(path, json=body, headers=who.headers)
        assert refused.status_code == status, (body, refused.text)

    given = await client.put(path, json={"score": 4, "comment": "Быстро"}, headers=customer.headers)
    assert given.status_code == 201, given.text
    assert (given.json()["rater_role"], given.json()["ratee_id"]) == ("customer", executor.id)
    changed = await client.put(path, json={"score": 5}, headers=customer.headers)
    assert changed.status_code == 200, changed.text
    back = await client.put(path, json={"score": 3}, headers=executor.headers)
    assert back.status_code == 201, back.text
    assert (back.json()["rater_role"], back.json()["ratee_id"]) == ("executor", customer.id)

    staff = (await client.get(f"/requests/{rid}/ratings", headers=manager.headers)).json()
    assert [(r["rater_role"], r["score"]) for r in staff] == [("customer", 5), ("executor", 3)]
    own = (await client.get(f"/requests/{rid}/ratings", headers=customer.headers)).json()
    assert [(r["rater_role"], r["score"]) for r in own] == [("customer", 5)]

    # A day later the rating stands as it is.
    async with sessions.begin() as session:
        await session.execute(
            update(Rating)
            .where(Rating.request_id == uuid.UUID(rid), Rating.rater_role == "customer")
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    late = await client.put(path, json={"score": 1}, headers=customer.headers)
    assert late.status_code == 409, late.text
    async with sessions() as session:
        types = (
            (
                await session.execute(
                    select(OutboxEvent.type)
                    .where(OutboxEvent.aggregate_id == rid, OutboxEvent.type.like("rating.%"))
                    .order_by(OutboxEvent.seq)
                )
            )
            .scalars()
            .all()
        )
    assert types == ["rating.given", "rating.changed", "rating.given"]

    # The executor's rating is theirs in the profile and in the candidate score.
    seen = (await client.get(f"/executors/{executor.id}", headers=manager.headers)).json()
    assert (seen["rating"], seen["ratings"]) == (5.0, 1)
    fresh = (await create(client, customer, {**BODY, "category": skill})).json()["id"]
    ranked = (await client.get(f"/requests/{fresh}/candidates", headers=manager.headers)).json()
    mine = next(c for c in ranked["candidates"] if c["executor_id"] == executor.id)
    part = next(p for p in mine["parts"] if p["factor"] == "rating")
    assert (part["value"], part["why"]) == (1.0, "rated 5.0 of 5")


async def test_a_low_rating_from_a_customer_opens_a_follow_up_for_the_managers(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    skill = f"rated-{uuid.uuid4().hex[:6]}"
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=[skill])
    rid = await confirmed(client, customer, executor, manager, skill)
    low = await client.put(
        f"/requests/{rid}/rating", json={"score": 2, "comment": "Опоздал"}, headers=customer.headers
    )
    assert low.status_code == 201, low.text
    # The executor's low rating of the customer asks nothing of the managers.
    await client.put(f"/requests/{rid}/rating", json={"score": 1}, headers=executor.headers)

    refused = await client.get("/follow-ups", headers=customer.headers)
    assert refused.status_code == 403, refused.text
    tasks = (await client.get("/follow-ups", headers=manager.headers)).json()
    mine = [t for t in tasks if t["request_id"] == rid]
    assert [(t["customer_id"], t["score"], t["comment"]) for t in mine] == [
        (customer.id, 2, "Опоздал")
    ]
    task = mine[0]["id"]
    done = await client.post(
        f"/follow-ups/{task}/done", json={"note": "Извинились, скидка"}, headers=manager.headers
    )
    assert done.status_code == 200, done.text
    assert (done.json()["done_by"], done.json()["note"]) == (manager.id, "Извинились, скидка")
    again = await client.post(f"/follow-ups/{task}/done", json={}, headers=manager.headers)
    assert again.status_code == 409, again.text
    still_open = (await client.get("/follow-ups", headers=manager.headers)).json()
    assert all(t["id"] != task for t in still_open)
    missing = await client.post(
        f"/follow-ups/{uuid.uuid4()}/done", json={}, headers=manager.headers
    )
    assert missing.status_code == 404, missing.text
