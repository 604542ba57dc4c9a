"""Verification over HTTP: who may submit, see and decide; bad documents are refused."""

from __future__ import annotations

import httpx

from devstack.emulators.tax_service import RunningTaxService
from domain.lifecycle import Role
from tests.api_client import SignedIn
from tests.notifications.helpers import until
from tests.verification_data import documents, valid_inn


async def test_an_executor_submits_and_an_officer_decides_over_http(
    client: httpx.AsyncClient, signed_in: SignedIn, tax_service: RunningTaxService
) -> None:
    executor = await signed_in(Role.EXECUTOR, verified=False)
    officer, manager = await signed_in(Role.SECURITY), await signed_in(Role.MANAGER)
    customer = await signed_in(Role.CUSTOMER)
    inn = valid_inn()
    tax_service.emulator.set_status(inn, True)

    body = documents(inn) | {
        "scans": [
            {"kind": "passport_main", "content_type": "image/jpeg", "content_base64": "/9j/4AAQ"}
        ]
    }
    submitted = await client.post("/executors/me/verification", json=body, headers=executor.headers)
    assert submitted.status_code == 202, submitted.text
    path = f"/executors/{executor.id}/verification"

    async def awaiting() -> dict[str, object] | None:
        seen = (await client.get(path, headers=officer.headers)).json()
        return seen if seen["state"] == "awaiting_decision" else None

    seen = await until(awaiting, what="checks done")
    assert [c["name"] for c in seen["checks"]] == ["inn", "passport", "age", "self_employed"]
    mine = await client.get("/executors/me/verification", headers=executor.headers)
    assert mine.json()["state"] == "awaiting_decision"
    assert "123456" not in mine.text  # the passport number never leaves

    for who, expected in ((manager, 403), (customer, 403), (executor, 403)):
        denied = await client.post(f"{path}/decision", json={"approved": True}, headers=who.headers)
        assert denied.status_code == expected
    assert (await client.get(path, headers=customer.headers)).status_code == 403
    no_reason = await client.post(
        f"{path}/decision", json={"approved": False, "reason": ""}, headers=officer.headers
    )
    assert no_reason.status_code == 422
    approved = await client.post(
        f"{path}/decision", json={"approved": True}, headers=officer.headers
    )
    assert approved.status_code == 200
    assert approved.json()["state"] == "verified"
    again = await client.post(f"{path}/decision", json={"approved": True}, headers=officer.headers)
    assert again.status_code == 409
    queue = await client.get("/verifications?state=verified", headers=officer.headers)
    assert executor.id in {row["executor_id"] for row in queue.json()}
    assert (await client.get("/verifications", headers=manager.headers)).status_code == 403


async def test_bad_submissions_are_refused_and_change_nothing(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    executor, customer = (
        await signed_in(Role.EXECUTOR, verified=False),
        await signed_in(Role.CUSTOMER),
    )
    bad_bodies = [
        documents() | {"date_of_birth": "not a date"},
        documents() | {"inn": ""},
        documents() | {"passport_series": "45061"},  # refused, not cut to 4 digits
        documents() | {"inn": "5001007322591"},
        documents() | {"extra": "field"},
        documents()
        | {
            "scans": [
                {"kind": "passport_main", "content_type": "image/jpeg", "content_base64": "@@@@"}
            ]
        },
        documents()
        | {"scans": [{"kind": "tattoo", "content_type": "image/jpeg", "content_base64": "AAAA"}]},
    ]
    for body in bad_bodies:
        refused = await client.post(
            "/executors/me/verification", json=body, headers=executor.headers
        )
        assert refused.status_code == 422, body
        assert refused.headers["content-type"].startswith("application/problem+json")
    as_customer = await client.post(
        "/executors/me/verification", json=documents(), headers=customer.headers
    )
    assert as_customer.status_code == 403
    state = await client.get("/executors/me/verification", headers=executor.headers)
    assert state.json()["state"] == "unverified"
