"""SLA timers and tiered escalation, with second-scale policies on the real server."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.lifecycle import Action, Role
from domain.requests import RequestView
from domain.sla import SlaPolicy
from services.requests import RequestCommands
from store import requests as repo
from tests.helpers.people import Person, PersonFactory
from tests.helpers.workflow_requests import DRAFT, events, result

HOUR = 3600.0
STEP = 1.0
Commands = Callable[..., RequestCommands]


def only(**short: float) -> SlaPolicy:
    """A policy where every stage takes an hour except the ones named."""
    base = {
        "assign_s": HOUR,
        "accept_s": HOUR,
        "start_s": HOUR,
        "complete_s": HOUR,
        "auto_confirm_s": HOUR,
        "escalation_step_s": STEP,
    }
    return SlaPolicy(**(base | short))


@pytest.fixture
async def people(person: PersonFactory) -> dict[str, Person]:
    return {
        "customer": await person(Role.CUSTOMER),
        "executor": await person(Role.EXECUTOR, skills=["plumbing"]),
        "manager": await person(Role.MANAGER),
    }


async def breaches(sessions: async_sessionmaker[AsyncSession], rid: str) -> list[tuple[Any, ...]]:
    return [
        (e.envelope["data"]["sla"], e.envelope["data"]["tier"], e.envelope["data"]["escalation"])
        for e in await events(sessions, rid)
        if e.type == "sla.breached"
    ]


async def wait_for(check: Any, timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.2)


async def stored(sessions: async_sessionmaker[AsyncSession], rid: str) -> RequestView:
    async with sessions() as session:
        row = await repo.get(session, rid)
        assert row is not None
        return repo.to_view(row)


async def test_assign_sla_notifies_manager_then_head(
    commands: Commands, people: dict[str, Person], sessions: Any
) -> None:
    cmd = commands(only(assign_s=1))
    view, _ = await cmd.create(people["customer"].id, str(uuid.uuid4()), DRAFT)
    expected = [("assign", 1, "notify_manager"), ("assign", 2, "notify_head")]

    async def both_tiers() -> bool:
        return await breaches(sessions, view.id) == expected

    await wait_for(both_tiers)
    assert (await stored(sessions, view.id)).sla_breached is True
    assigned = await cmd.act(
        view.id, Action.ASSIGN, people["manager"].actor, executor_id=people["executor"].id
    )
    assert (assigned.sla_stage, assigned.sla_breached) == ("accept", False)


async def test_accept_timeout_returns_the_request_to_the_queue(
    commands: Commands, people: dict[str, Person], sessions: Any
) -> None:
    cmd = commands(only(accept_s=1))
    view, _ = await cmd.create(people["customer"].id, str(uuid.uuid4()), DRAFT)
    await cmd.act(
        view.id, Action.ASSIGN, people["manager"].actor, executor_id=people["executor"].id
    )

    async def requeued() -> bool:
        return (await stored(sessions, view.id)).state == "new"

    await wait_for(requeued)
    assert await breaches(sessions, view.id) == [("accept", 1, "act")]
    declined = [e for e in await events(sessions, view.id) if e.type == "request.declined"]
    assert [(e.envelope["actor"]["role"], e.envelope["data"]["reason"]) for e in declined] == [
        ("system", "accept SLA expired")
    ]
    assert (await stored(sessions, view.id)).assignee_id is None


async def test_start_sla_escalates_three_tiers_then_requeues(
    commands: Commands, people: dict[str, Person], sessions: Any
) -> None:
    cmd = commands(only(start_s=1))
    view, _ = await cmd.create(people["customer"].id, str(uuid.uuid4()), DRAFT)
    exe = people["executor"].actor
    await cmd.act(view.id, Action.ASSIGN, people["manager"].actor, executor_id=exe.id)
    await cmd.act(view.id, Action.ACCEPT, exe)

    async def requeued() -> bool:
        return (await stored(sessions, view.id)).state == "new"

    await wait_for(requeued)
    assert await breaches(sessions, view.id) == [
        ("start", 1, "notify_manager"),
        ("start", 2, "notify_head"),
        ("start", 3, "requeue"),
    ]
    unassigned = [e for e in await events(sessions, view.id) if e.type == "request.unassigned"]
    assert len(unassigned) == 1


async def test_complete_sla_escalates_and_work_can_still_finish(
    commands: Commands, people: dict[str, Person], sessions: Any
) -> None:
    cmd = commands(only(complete_s=1))
    view, _ = await cmd.create(people["customer"].id, str(uuid.uuid4()), DRAFT)
    exe = people["executor"].actor
    await cmd.act(view.id, Action.ASSIGN, people["manager"].actor, executor_id=exe.id)
    await cmd.act(view.id, Action.ACCEPT, exe)
    await cmd.act(view.id, Action.START, exe)

    async def both_tiers() -> bool:
        return len(await breaches(sessions, view.id)) == 2

    await wait_for(both_tiers)
    assert await breaches(sessions, view.id) == [
        ("complete", 1, "notify_manager"),
        ("complete", 2, "notify_head"),
    ]
    assert (await cmd.act(view.id, Action.COMPLETE, exe, report="late")).state == "completed"


async def test_auto_confirm_after_the_timeout_closes_the_request(
    commands: Commands,
    people: dict[str, Person],
    sessions: Any,
    temporal: Client,
    record_history: Any,
) -> None:
    cmd = commands(only(auto_confirm_s=1))
    view, _ = await cmd.create(people["customer"].id, str(uuid.uuid4()), DRAFT)
    exe = people["executor"].actor
    await cmd.act(view.id, Action.ASSIGN, people["manager"].actor, executor_id=exe.id)
    await cmd.act(view.id, Action.ACCEPT, exe)
    await cmd.act(view.id, Action.START, exe)
    await cmd.act(view.id, Action.COMPLETE, exe, report="done")

    assert (await result(temporal, view.id)).state == "closed"
    await record_history(view.id, "auto_confirm_closes")
    assert await breaches(sessions, view.id) == []  # auto-confirm is the plan, not a breach
    confirmed = next(e for e in await events(sessions, view.id) if e.type == "request.confirmed")
    assert confirmed.envelope["actor"]["role"] == "system"
