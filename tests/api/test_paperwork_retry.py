"""POST /requests/{id}/paperwork/retry over HTTP: only HR (or an admin) may ask, a
refusal is audited, and a request whose paperwork is not parked answers 409."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.lifecycle import Role
from tests.helpers.api_client import BODY, SignedIn, create
from tests.helpers.audit_trail import Entry, entries


async def test_only_hr_may_retry_and_a_refusal_is_audited(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer, hr = await signed_in(Role.CUSTOMER), await signed_in(Role.HR)
    created = await create(client, customer, BODY)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    path = f"/requests/{request_id}/paperwork/retry"

    refused = await client.post(path, headers=customer.headers)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert await entries(sessions, customer.id, "request.paperwork_retry") == [
        Entry("request.paperwork_retry", "request", request_id, "denied", "security-events")
    ]

    nothing_parked = await client.post(path, headers=hr.headers)
    assert nothing_parked.status_code == 409, nothing_parked.text
    assert nothing_parked.headers["content-type"] == "application/problem+json"
    after = await client.get(f"/requests/{request_id}", headers=customer.headers)
    assert after.json()["state"] == "new"  # nothing changed
