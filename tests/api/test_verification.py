"""Verification over HTTP: who may submit, see and decide; bad documents are refused."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from devstack.emulators.tax_service import RunningTaxService
from domain.lifecycle import Role
from store.models import VerificationSubmission
from tests.helpers.api_client import SignedIn
from tests.helpers.audit_trail import Entry, entries
from tests.helpers.polling import until
from tests.helpers.verification_data import documents, valid_inn


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
    assert executor.id in await queue_of(client, "verified", officer.headers)
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


async def queue_of(client: httpx.AsyncClient, state: str, headers: dict[str, str]) -> set[str]:
    """Every executor in the officers' queue in `state`, following its pages (the suite's
    database holds the executors of every test before this one)."""
    found: set[str] = set()
    cursor: str | None = None
    while True:
        params = {"state": state, "limit": "200", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/verifications", params=params, headers=headers)).json()
        found |= {row["executor_id"] for row in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return found


async def submitted_before(
    sessions: async_sessionmaker[AsyncSession], executor_id: str, *ages: timedelta
) -> None:
    """Submissions the executor made that long ago."""
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        for age in ages:
            session.add(
                VerificationSubmission(
                    id=uuid.uuid4(),
                    executor_id=uuid.UUID(executor_id),
                    full_name="Иванов Иван Иванович",
                    inn="500100732259",
                    passport_series="4506",
                    passport_number="123456",
                    date_of_birth=date(1990, 4, 12),
                    submitted_at=now - age,
                )
            )


async def submissions(sessions: async_sessionmaker[AsyncSession], executor_id: str) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count())
                    .select_from(VerificationSubmission)
                    .where(VerificationSubmission.executor_id == uuid.UUID(executor_id))
                )
            ).scalar_one()
        )


async def test_the_daily_cap_counts_the_local_day_and_waits_until_local_midnight(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tax_service: RunningTaxService,
) -> None:
    cap = settings.verification.submissions_per_day
    zone = ZoneInfo(settings.time_zone)
    now = datetime.now(zone)
    local_midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since_midnight = now - local_midnight
    executor = await signed_in(Role.EXECUTOR, verified=False)
    # A full day's worth a minute before local midnight: yesterday, they do not count.
    await submitted_before(sessions, executor.id, *([since_midnight + timedelta(minutes=1)] * cap))
    accepted = await client.post(
        "/executors/me/verification", json=documents(), headers=executor.headers
    )
    assert accepted.status_code == 202, accepted.text
    # Today's count reaches the cap with the ones made since local midnight.
    await submitted_before(sessions, executor.id, *([since_midnight / 2] * (cap - 1)))
    refused = await client.post(
        "/executors/me/verification", json=documents(), headers=executor.headers
    )
    assert refused.status_code == 429, refused.text
    until_midnight = (local_midnight + timedelta(days=1) - datetime.now(zone)).total_seconds()
    assert abs(int(refused.headers["Retry-After"]) - until_midnight) <= 60
    assert await submissions(sessions, executor.id) == 2 * cap  # the refused one is not stored


async def test_reads_of_verification_details_and_refusals_are_audited(
    client: httpx.AsyncClient, signed_in: SignedIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    executor = await signed_in(Role.EXECUTOR, verified=False)
    officer, manager = await signed_in(Role.SECURITY), await signed_in(Role.MANAGER)

    assert (await client.get("/executors/me/verification", headers=executor.headers)).is_success
    assert await entries(sessions, executor.id) == []  # one's own data is no disclosure
    path = f"/executors/{executor.id}/verification"
    assert (await client.get(path, headers=officer.headers)).status_code == 200
    queue = await client.get(
        "/verifications", params={"state": "unverified"}, headers=officer.headers
    )
    assert queue.status_code == 200
    assert await entries(sessions, officer.id) == [
        Entry("verification.read", "executor", executor.id, "allowed", "audit-events"),
        Entry("verification.list", "verifications", "unverified", "allowed", "audit-events"),
    ]

    assert (await client.get(path, headers=manager.headers)).status_code == 403
    assert (await client.get("/verifications", headers=manager.headers)).status_code == 403
    # Each refusal: a security event, and a line in the personal data's access trail.
    assert await entries(sessions, manager.id) == [
        Entry("verification.read", "executor", executor.id, "denied", "security-events"),
        Entry("verification.read", "executor", executor.id, "denied", "audit-events"),
        Entry("verification.list", "verifications", "*", "denied", "security-events"),
        Entry("verification.list", "verifications", "*", "denied", "audit-events"),
    ]
