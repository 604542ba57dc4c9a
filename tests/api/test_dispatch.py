"""The dispatch routes on the real stack: an auto-dispatched category's request shows its
offer cascade (GET /requests/{id}/offers, the request's `dispatch`), and managers
reassign and withdraw through POST /requests/{id}/reassign and /withdraw; anyone else,
and bad input, get a problem answer that changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from domain.lifecycle import Role
from tests.helpers.api_client import BODY, SignedIn, User, act, create
from tests.helpers.dispatch import AUTO_DISPATCHED

AUTO_BODY = {**BODY, "category": AUTO_DISPATCHED}


async def offers(client: httpx.AsyncClient, manager: User, rid: str, count: int) -> dict[str, Any]:
    """The cascade once it has made `count` offers."""

    async def poll() -> dict[str, Any]:
        while True:
            answer = await client.get(f"/requests/{rid}/offers", headers=manager.headers)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            if len(found["offers"]) >= count:
                return found
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(poll(), 30)


async def test_an_auto_dispatched_request_shows_its_offers_and_a_manager_takes_over(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    crew = {}
    for n in (1, 2):
        executor = await signed_in(
            Role.EXECUTOR, skills=[AUTO_DISPATCHED], full_name=f"Исполнитель {n}"
        )
        crew[executor.id] = executor
    manager, customer = await signed_in(Role.MANAGER), await signed_in(Role.CUSTOMER)
    filed = await create(client, customer, AUTO_BODY)
    assert filed.status_code == 201, filed.text
    rid = filed.json()["id"]

    first = (await offers(client, manager, rid, 1))["offers"][0]
    assert (first["offer_no"], first["status"]) == (1, "sent")
    assert first["full_name"].startswith("Исполнитель ")
    seen = (await client.get(f"/requests/{rid}", headers=manager.headers)).json()
    assert (seen["state"], seen["assignee_id"], seen["dispatch"]) == (
        "assigned",
        first["executor_id"],
        "offering",
    )
    for outsider in (customer, crew[first["executor_id"]]):
        refused = await client.get(f"/requests/{rid}/offers", headers=outsider.headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")

    declined = await act(client, crew[first["executor_id"]], rid, "decline", {"reason": "занят"})
    assert declined.status_code == 200, declined.text
    cascade = await offers(client, manager, rid, 2)
    second = cascade["offers"][1]
    assert second["executor_id"] != first["executor_id"]
    assert cascade["offers"][0]["status"] == "declined"

    # Bad input changes nothing: no executor, an unknown one, the customer asking.
    before = (await client.get(f"/requests/{rid}", headers=manager.headers)).json()
    for body in (
        None,
        {"executor_id": "not-a-uuid"},
        {"executor_id": first["executor_id"], "x": 1},
    ):
        bad = await act(client, manager, rid, "reassign", body)
        assert bad.status_code == 422, bad.text
    refused = await act(client, customer, rid, "withdraw")
    assert refused.status_code == 403, refused.text
    unchanged = (await client.get(f"/requests/{rid}", headers=manager.headers)).json()
    assert unchanged == before
    assert unchanged["assignee_id"] == second["executor_id"]

    taken = await act(client, manager, rid, "withdraw", {"reason": "назначу сам"})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["state"], taken.json()["dispatch"]) == ("new", "stopped")
    final = await offers(client, manager, rid, 2)
    assert [o["status"] for o in final["offers"]] == ["declined", "withdrawn"]
    assert final["offers"][1]["reason"] == "назначу сам"
    again = await act(client, manager, rid, "withdraw")
    assert again.status_code == 409, again.text

    # By hand from here; then moved to the other executor, who is told it is theirs.
    assigned = await act(client, manager, rid, "assign", {"executor_id": first["executor_id"]})
    assert assigned.status_code == 200, assigned.text
    moved = await act(client, manager, rid, "reassign", {"executor_id": second["executor_id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["state"], moved.json()["assignee_id"]) == (
        "assigned",
        second["executor_id"],
    )
    history = (await client.get(f"/requests/{rid}/history", headers=manager.headers)).json()
    actions = [line["action"] for line in history]
    assert actions[-5:] == ["decline", "offer", "withdraw", "assign", "reassign"]


async def test_a_hand_assigned_category_has_no_cascade(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    manager, customer = await signed_in(Role.MANAGER), await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    answer = await client.get(f"/requests/{rid}/offers", headers=manager.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"request_id": rid, "dispatch": None, "offers": []}
    refused = await act(client, manager, rid, "withdraw")
    assert refused.status_code == 409, refused.text
