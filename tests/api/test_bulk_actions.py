"""POST /requests/bulk on the real stack: each item gets its own result, refused items
carry their RFC 9457 problem and block nothing, a repeat with the same key repeats
nothing, and only managers may send one."""

from __future__ import annotations

import uuid

import httpx

from domain.lifecycle import Role
from tests.helpers.api_client import BODY, SignedIn, act, create


async def test_a_mixed_selection_is_done_item_by_item(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    skill = f"bulk-{uuid.uuid4().hex[:6]}"
    manager, customer = await signed_in(Role.MANAGER), await signed_in(Role.CUSTOMER)
    executor = await signed_in(Role.EXECUTOR, skills=[skill])
    other = await signed_in(Role.EXECUTOR, skills=[skill])
    unskilled = await signed_in(Role.EXECUTOR, skills=["gardening"])
    body = {**BODY, "category": skill}
    fresh = [(await create(client, customer, body)).json()["id"] for _ in range(3)]
    cancelled = (await create(client, customer, body)).json()["id"]
    assert (await act(client, manager, cancelled, "cancel", {"reason": "дубль"})).status_code == 200
    key = {"Idempotency-Key": str(uuid.uuid4())}

    items = [
        {"request_id": fresh[0], "executor_id": executor.id},
        {"request_id": fresh[1], "executor_id": unskilled.id},  # 422: no skill
        {"request_id": cancelled, "executor_id": executor.id},  # 409: finished
        {"request_id": str(uuid.uuid4()), "executor_id": executor.id},  # 404
        {"request_id": fresh[2], "executor_id": other.id},
        {"request_id": fresh[1]},  # a repeat of one request: the body is refused as a whole
    ]
    malformed = await client.post(
        "/requests/bulk", json={"action": "assign", "items": items}, headers=manager.headers
    )
    assert malformed.status_code == 422, malformed.text
    items.pop()
    answer = await client.post(
        "/requests/bulk",
        json={"action": "assign", "items": items},
        headers=manager.headers | key,
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["done"], found["refused"]) == (2, 3)
    results = found["results"]
    assert [r["status"] for r in results] == ["done", "refused", "refused", "refused", "done"]
    assert [r["problem"]["status"] for r in results if r["problem"]] == [422, 409, 404]
    assert all(r["problem"]["type"].startswith("https://") for r in results if r["problem"])
    assert results[0]["request"]["assignee_id"] == executor.id
    assert results[4]["request"]["assignee_id"] == other.id

    # The same key again: the same outcome, and nothing assigned twice.
    again = await client.post(
        "/requests/bulk",
        json={"action": "assign", "items": items},
        headers=manager.headers | key,
    )
    assert [r["status"] for r in again.json()["results"]] == [r["status"] for r in results]
    history = (await client.get(f"/requests/{fresh[0]}/history", headers=manager.headers)).json()
    assert [h["action"] for h in history].count("assign") == 1

    moved = await client.post(
        "/requests/bulk",
        json={
            "action": "reassign",
            "items": [
                {"request_id": fresh[0], "executor_id": other.id},
                {"request_id": fresh[1], "executor_id": other.id},  # 409: not assigned
                {"request_id": fresh[2]},  # 422: no executor given
            ],
        },
        headers=manager.headers,
    )
    assert [r["status"] for r in moved.json()["results"]] == ["done", "refused", "refused"]
    assert [r["problem"]["status"] for r in moved.json()["results"][1:]] == [409, 422]

    cancel = await client.post(
        "/requests/bulk",
        json={
            "action": "cancel",
            "reason": "клиент передумал",
            "items": [{"request_id": r} for r in (*fresh, cancelled)],
        },
        headers=manager.headers,
    )
    assert [r["status"] for r in cancel.json()["results"]] == ["done", "done", "done", "refused"]
    assert cancel.json()["results"][0]["request"]["state"] == "cancelled"


async def test_only_managers_send_bulk_actions(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    refused = await client.post(
        "/requests/bulk",
        json={"action": "cancel", "items": [{"request_id": rid}]},
        headers=customer.headers,
    )
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    seen = (await client.get(f"/requests/{rid}", headers=customer.headers)).json()
    assert seen["state"] == "new"
