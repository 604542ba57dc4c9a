"""Documents and payouts over HTTP: who downloads what, and HR's payout list and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.lifecycle import Role
from services.requests import RequestCommands
from tests.helpers.api_client import SignedIn
from tests.helpers.audit_trail import Entry, entries
from tests.helpers.workflow_requests import closed_request


async def test_each_party_downloads_only_its_documents(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    commands: Callable[..., RequestCommands],
    temporal: Client,
) -> None:
    customer, stranger = await signed_in(Role.CUSTOMER), await signed_in(Role.CUSTOMER)
    executor, manager = await signed_in(Role.EXECUTOR), await signed_in(Role.MANAGER)
    hr, security = await signed_in(Role.HR), await signed_in(Role.SECURITY)
    rid = await closed_request(commands, temporal, customer.person, executor.person, manager.person)
    listing = await client.get(f"/requests/{rid}/documents", headers=hr.headers)
    ids = {d["kind"]: d["id"] for d in listing.json()}
    assert set(ids) == {"act", "contract", "payout"}

    may = {
        "customer": {"act"},
        "executor": {"act", "contract", "payout"},
        "manager": {"act", "contract", "payout"},
        "hr": {"act", "contract", "payout"},
        "stranger": set(),
        "security": set(),
    }
    users = {
        "customer": customer,
        "executor": executor,
        "manager": manager,
        "hr": hr,
        "stranger": stranger,
        "security": security,
    }
    for name, user in users.items():
        listed = await client.get(f"/requests/{rid}/documents", headers=user.headers)
        if may[name]:
            assert {d["kind"] for d in listed.json()} == may[name], name
        else:
            assert listed.status_code == 404, name
        for kind, doc_id in ids.items():
            got = await client.get(f"/requests/{rid}/documents/{doc_id}", headers=user.headers)
            if kind in may[name]:
                assert got.status_code == 200, (name, kind)
                assert got.headers["content-type"] == "application/pdf"
                assert got.content.startswith(b"%PDF")
                assert kind in got.headers["content-disposition"]
            else:
                assert got.status_code == 404, (name, kind)
    anonymous = await client.get(f"/requests/{rid}/documents/{ids['act']}")
    assert anonymous.status_code == 401


async def test_document_downloads_are_audited(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    commands: Callable[..., RequestCommands],
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer, executor = await signed_in(Role.CUSTOMER), await signed_in(Role.EXECUTOR)
    manager, hr = await signed_in(Role.MANAGER), await signed_in(Role.HR)
    rid = await closed_request(commands, temporal, customer.person, executor.person, manager.person)
    ids = {
        d["kind"]: d["id"]
        for d in (await client.get(f"/requests/{rid}/documents", headers=hr.headers)).json()
    }
    assert await entries(sessions, hr.id) == []  # a listing shows no personal data
    for kind in ("payout", "contract"):
        got = await client.get(f"/requests/{rid}/documents/{ids[kind]}", headers=hr.headers)
        assert got.status_code == 200
    assert await entries(sessions, hr.id) == [
        Entry("document.download", "document", ids[kind], "allowed", "audit-events")
        for kind in ("payout", "contract")
    ]
    refused = await client.get(
        f"/requests/{rid}/documents/{ids['payout']}", headers=customer.headers
    )
    assert refused.status_code == 404
    assert await entries(sessions, customer.id) == [
        Entry("document.download", "document", ids["payout"], "denied", "security-events"),
        Entry("document.download", "document", ids["payout"], "denied", "audit-events"),
    ]


async def test_hr_lists_payouts_by_period_and_exports_csv(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    commands: Callable[..., RequestCommands],
    temporal: Client,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    # A name a spreadsheet would run as a formula must arrive as text.
    executor = await signed_in(Role.EXECUTOR, full_name='=HYPERLINK("http://x")')
    manager, hr = await signed_in(Role.MANAGER), await signed_in(Role.HR)
    rid = await closed_request(commands, temporal, customer.person, executor.person, manager.person)
    today = date.today()
    period = {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }
    listed = await client.get("/payouts", params=period, headers=hr.headers)
    assert listed.status_code == 200
    ours = [p for p in listed.json()["items"] if p["request_id"] == rid]
    assert [(p["gross"], p["commission"], p["net"]) for p in ours] == [
        ("3000.00", "300.00", "2700.00")
    ]
    exported = await client.get("/payouts.csv", params=period, headers=hr.headers)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    mine = [r for r in rows if r["request_id"] == rid]
    assert [(r["gross"], r["net"], r["executor_name"]) for r in mine] == [
        ("3000.00", "2700.00", '\'=HYPERLINK("http://x")')
    ]
    earlier = {"from": "2020-01-01", "to": "2020-01-31"}
    assert (await client.get("/payouts", params=earlier, headers=hr.headers)).json() == {
        "items": [],
        "next_cursor": None,
    }
    for bad in ({"from": "2026-02-01", "to": "2026-01-01"}, {"from": "x", "to": "y"}, {}):
        refused = await client.get("/payouts", params=bad, headers=hr.headers)
        assert refused.status_code == 422, bad
    for who in (manager, customer, executor):
        assert (await client.get("/payouts", params=period, headers=who.headers)).status_code == 403
        assert (
            await client.get("/payouts.csv", params=period, headers=who.headers)
        ).status_code == 403

    # Every read of payouts is on the audit trail, and so is every refusal.
    span = f"{period['from']}..{period['to']}"
    assert await entries(sessions, hr.id) == [
        Entry("payout.list", "payouts", span, "allowed", "audit-events"),
        Entry("payout.export", "payouts", span, "allowed", "audit-events"),
        Entry("payout.list", "payouts", "2020-01-01..2020-01-31", "allowed", "audit-events"),
    ]
    for who in (manager, customer, executor):
        assert await entries(sessions, who.id, "payout.") == [
            Entry("payout.list", "payouts", span, "denied", "security-events"),
            Entry("payout.list", "payouts", span, "denied", "audit-events"),
            Entry("payout.export", "payouts", span, "denied", "security-events"),
            Entry("payout.export", "payouts", span, "denied", "audit-events"),
        ]
