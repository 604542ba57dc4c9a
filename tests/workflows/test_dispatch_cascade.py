"""The dispatch cascade through the real workflow on the real stack: offers go out one at
a time to the ranked candidates, run out or are declined, and end in an accept, an
escalation or a manager's takeover, with exactly one executor holding the request under
races. Each test's category is its own, so only its executors are candidates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.cascade import CascadePolicy
from domain.lifecycle import Action, ActorNotAllowed, Role
from domain.requests import RequestView
from services.errors import Unprocessable
from services.requests import RequestCommands, RequestDraft
from store import cascade as cascades
from store import requests as repo
from store.models import AuditEntry, Notification, OutboxEvent
from tests.helpers.people import Person, PersonFactory
from tests.helpers.workflow_requests import result

Commands = Callable[..., RequestCommands]
Sessions = async_sessionmaker[AsyncSession]

QUICK = CascadePolicy(offer_timeout_s=2, max_offers=3)
PATIENT = CascadePolicy(offer_timeout_s=120, max_offers=3)


@pytest.fixture
def category() -> str:
    return f"cascade-{uuid.uuid4().hex[:8]}"


async def executors(person: PersonFactory, category: str, count: int) -> list[Person]:
    return [await person(Role.EXECUTOR, skills=[category]) for _ in range(count)]


async def file(commands: RequestCommands, customer: Person, category: str) -> RequestView:
    draft = RequestDraft(category, "Течёт кран на кухне", "Москва, Тверская ул., 1")
    view, created = await commands.create(customer.id, str(uuid.uuid4()), draft)
    assert created
    return view


async def cascade_events(sessions: Sessions, request_id: str) -> list[OutboxEvent]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(
                OutboxEvent.aggregate_id == request_id,
                OutboxEvent.type.like("offer.%") | OutboxEvent.type.like("dispatch.%"),
            )
            .order_by(OutboxEvent.seq)
        )
        return list(rows.scalars())


async def wait_for_events(
    sessions: Sessions, request_id: str, want: Callable[[list[str]], bool], within: float = 60
) -> list[OutboxEvent]:
    async def poll() -> list[OutboxEvent]:
        while True:
            found = await cascade_events(sessions, request_id)
            if want([e.type for e in found]):
                return found
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(poll(), within)


def offeree_of(event: OutboxEvent) -> str:
    executor: str = event.envelope["data"]["executor_id"]
    return executor


async def stored(sessions: Sessions, request_id: str) -> RequestView:
    async with sessions() as session:
        return repo.to_view(await repo.require(session, request_id))


async def offer_statuses(sessions: Sessions, request_id: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        return [
            (str(o.executor_id), o.status) for o in await cascades.offers_of(session, request_id)
        ]


async def notified(sessions: Sessions, request_id: str, kind: str) -> set[str]:
    """Who was sent a notice of `kind` about the request (planned counts: delivery is
    the notification tests' business)."""

    async def poll() -> set[str]:
        while True:
            async with sessions() as session:
                rows = await session.execute(
                    select(Notification.recipient_id).where(
                        Notification.request_id == uuid.UUID(request_id),
                        Notification.kind == kind,
                    )
                )
                found = {str(r) for r in rows.scalars()}
            if found:
                return found
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(poll(), 30)


async def test_a_cascade_runs_past_two_timeouts_to_a_third_executor_who_accepts(
    commands: Commands,
    person: PersonFactory,
    sessions: Sessions,
    category: str,
    temporal: Client,
    record_history: Any,
) -> None:
    crew = {p.id: p for p in await executors(person, category, 3)}
    cmd = commands(cascade=QUICK)
    view = await file(cmd, await person(Role.CUSTOMER), category)

    found = await wait_for_events(sessions, view.id, lambda t: t.count("offer.sent") == 3)
    offers = [e for e in found if e.type == "offer.sent"]
    offerees = [offeree_of(e) for e in offers]
    assert sorted(offerees) == sorted(crew), "each executor is offered it once"
    assert [e.envelope["data"]["offer_no"] for e in offers] == [1, 2, 3]
    assert (await stored(sessions, view.id)).assignee_id == offerees[2]

    # The first offeree presses an old button: the job is no longer theirs.
    with pytest.raises(ActorNotAllowed):
        await cmd.act(view.id, Action.ACCEPT, crew[offerees[0]].actor)
    accepted = await cmd.act(view.id, Action.ACCEPT, crew[offerees[2]].actor)
    assert (accepted.state, accepted.assignee_id) == ("accepted", offerees[2])

    found = await wait_for_events(sessions, view.id, lambda t: "offer.accepted" in t)
    assert [e.type for e in found] == [
        "offer.sent",
        "offer.expired",
        "offer.sent",
        "offer.expired",
        "offer.sent",
        "offer.accepted",
    ]
    assert [offeree_of(e) for e in found] == [
        offerees[0],
        offerees[0],
        offerees[1],
        offerees[1],
        offerees[2],
        offerees[2],
    ]
    assert await offer_statuses(sessions, view.id) == [
        (offerees[0], "expired"),
        (offerees[1], "expired"),
        (offerees[2], "accepted"),
    ]
    final = await stored(sessions, view.id)
    assert (final.state, final.assignee_id, final.dispatch) == ("accepted", offerees[2], "accepted")
    # Those whose offer ran out are told it went on; each got the offer first.
    assert await notified(sessions, view.id, "offer_gone") >= {offerees[0], offerees[1]}
    assert await notified(sessions, view.id, "executor_offer") == set(offerees)
    # Ended (cancelled) so that its whole history replays in tests/workflows/test_replay.py.
    manager = await person(Role.MANAGER)
    await cmd.act(view.id, Action.CANCEL, manager.actor, reason="тест окончен")
    assert (await result(temporal, view.id)).state == "cancelled"
    await record_history(view.id, "cascade_two_timeouts_then_accept")


async def test_when_every_executor_declines_the_request_escalates_to_the_managers(
    commands: Commands, person: PersonFactory, sessions: Sessions, category: str
) -> None:
    crew = {p.id: p for p in await executors(person, category, 2)}
    manager = await person(Role.MANAGER)
    cmd = commands(cascade=PATIENT)
    view = await file(cmd, await person(Role.CUSTOMER), category)

    for offer_no in (1, 2):

        def offered(types: list[str], n: int = offer_no) -> bool:
            return types.count("offer.sent") == n

        found = await wait_for_events(sessions, view.id, offered)
        offeree = offeree_of(found[-1])
        await cmd.act(view.id, Action.DECLINE, crew[offeree].actor, reason="занят")

    found = await wait_for_events(sessions, view.id, lambda t: "dispatch.escalated" in t)
    assert [e.type for e in found] == [
        "offer.sent",
        "offer.declined",
        "offer.sent",
        "offer.declined",
        "dispatch.escalated",
    ]
    assert found[-1].envelope["data"]["reason"] == "2 offers declined or unanswered"
    final = await stored(sessions, view.id)
    assert (final.state, final.assignee_id, final.dispatch) == ("new", None, "escalated")
    assert [s for _, s in await offer_statuses(sessions, view.id)] == ["declined", "declined"]
    assert manager.id in await notified(sessions, view.id, "dispatch_escalated")
    # A declined step of the cascade is not a "back in the queue" notice for managers.
    async with sessions() as session:
        returned = await session.execute(
            select(Notification.id).where(
                Notification.request_id == uuid.UUID(view.id),
                Notification.kind == "request_returned",
            )
        )
        assert returned.first() is None


async def test_with_no_eligible_executor_the_request_escalates_at_once(
    commands: Commands, person: PersonFactory, sessions: Sessions, category: str
) -> None:
    await person(Role.EXECUTOR, skills=[category], verified=False)  # not eligible
    view = await file(commands(cascade=PATIENT), await person(Role.CUSTOMER), category)
    found = await wait_for_events(sessions, view.id, lambda t: "dispatch.escalated" in t)
    assert [e.type for e in found] == ["dispatch.escalated"]
    assert found[0].envelope["data"]["reason"] == "no eligible executor"
    assert (await stored(sessions, view.id)).dispatch == "escalated"


async def test_an_accept_racing_a_reassignment_leaves_exactly_one_executor_holding_it(
    commands: Commands, person: PersonFactory, sessions: Sessions, category: str
) -> None:
    crew = {p.id: p for p in await executors(person, category, 1)}
    manager = await person(Role.MANAGER)
    # The manager's pick has the skill under another name: never offered by the cascade.
    pick = await person(Role.EXECUTOR, skills=["plumbing", category + "-x"])
    cmd = commands(cascade=PATIENT)
    draft = RequestDraft(category, "Течёт кран", "Москва, Тверская ул., 1")
    view, _ = await cmd.create((await person(Role.CUSTOMER)).id, str(uuid.uuid4()), draft)
    found = await wait_for_events(sessions, view.id, lambda t: "offer.sent" in t)
    offeree = crew[offeree_of(found[0])]

    # The pick cannot take this category: a reassignment to them is refused first.
    with pytest.raises(Unprocessable):
        await cmd.act(view.id, Action.REASSIGN, manager.actor, executor_id=pick.id)
    other = await person(Role.EXECUTOR, skills=[category])
    accept, reassign = await asyncio.gather(
        cmd.act(view.id, Action.ACCEPT, offeree.actor),
        cmd.act(view.id, Action.REASSIGN, manager.actor, executor_id=other.id),
        return_exceptions=True,
    )
    assert not isinstance(reassign, BaseException), reassign
    # Whichever came first, the manager's move is last: the offeree lost the job.
    if isinstance(accept, BaseException):
        assert isinstance(accept, ActorNotAllowed), accept
        assert await offer_statuses(sessions, view.id) == [(offeree.id, "withdrawn")]
    else:
        assert await offer_statuses(sessions, view.id) == [(offeree.id, "accepted")]
    final = await stored(sessions, view.id)
    assert (final.state, final.assignee_id) == ("assigned", other.id)
    assert reassign.assignee_id == other.id
    assert offeree.id in await notified(sessions, view.id, "offer_gone")


async def test_two_accepts_at_once_only_the_open_offer_wins(
    commands: Commands, person: PersonFactory, sessions: Sessions, category: str
) -> None:
    crew = {p.id: p for p in await executors(person, category, 2)}
    cmd = commands(cascade=CascadePolicy(offer_timeout_s=2, max_offers=2))
    view = await file(cmd, await person(Role.CUSTOMER), category)
    found = await wait_for_events(sessions, view.id, lambda t: t.count("offer.sent") == 2)
    first, second = (offeree_of(e) for e in found if e.type == "offer.sent")
    late, current = await asyncio.gather(
        cmd.act(view.id, Action.ACCEPT, crew[first].actor),
        cmd.act(view.id, Action.ACCEPT, crew[second].actor),
        return_exceptions=True,
    )
    assert isinstance(late, ActorNotAllowed), late
    assert not isinstance(current, BaseException), current
    final = await stored(sessions, view.id)
    assert (final.state, final.assignee_id) == ("accepted", second)


async def test_a_manager_withdrawing_the_open_offer_stops_the_cascade(
    commands: Commands, person: PersonFactory, sessions: Sessions, category: str
) -> None:
    crew = {p.id: p for p in await executors(person, category, 3)}
    manager = await person(Role.MANAGER)
    cmd = commands(cascade=QUICK)
    view = await file(cmd, await person(Role.CUSTOMER), category)
    found = await wait_for_events(sessions, view.id, lambda t: "offer.sent" in t)
    offeree = offeree_of(found[0])
    try:
        taken = await cmd.act(view.id, Action.WITHDRAW, manager.actor, reason="сам назначу")
    except Exception:  # the 2 s offer ran out first: take back the next one
        found = await wait_for_events(sessions, view.id, lambda t: t.count("offer.sent") == 2)
        offeree = offeree_of(found[-1])
        taken = await cmd.act(view.id, Action.WITHDRAW, manager.actor, reason="сам назначу")
    assert (taken.state, taken.assignee_id, taken.dispatch) == ("new", None, "stopped")
    sent = [e.type for e in await cascade_events(sessions, view.id)].count("offer.sent")
    await asyncio.sleep(3 * QUICK.offer_timeout_s)  # time for two more offers, were it running
    types = [e.type for e in await cascade_events(sessions, view.id)]
    assert types.count("offer.sent") == sent
    assert types[-1] == "offer.withdrawn"
    assert (await stored(sessions, view.id)).state == "new"
    assert offeree in await notified(sessions, view.id, "offer_gone")
    # The manager takes it from here, by hand.
    hand_pick = next(executor for executor in crew if executor != offeree)
    assigned = await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=hand_pick)
    assert (assigned.assignee_id, assigned.dispatch) == (hand_pick, "stopped")


async def test_reassigning_an_accepted_request_tells_the_previous_executor_and_audits_it(
    commands: Commands, person: PersonFactory, sessions: Sessions
) -> None:
    first, second = (await person(Role.EXECUTOR), await person(Role.EXECUTOR))
    manager, customer = await person(Role.MANAGER), await person(Role.CUSTOMER)
    cmd = commands()
    draft = RequestDraft("plumbing", "Течёт кран", "Москва, Тверская ул., 1")
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), draft)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=first.id)
    await cmd.act(view.id, Action.ACCEPT, first.actor)

    with pytest.raises(ActorNotAllowed):
        await cmd.act(view.id, Action.REASSIGN, customer.actor, executor_id=second.id)
    with pytest.raises(Unprocessable):
        await cmd.act(view.id, Action.REASSIGN, manager.actor, executor_id=first.id)
    moved = await cmd.act(view.id, Action.REASSIGN, manager.actor, executor_id=second.id)
    assert (moved.state, moved.assignee_id, moved.sla_stage) == ("assigned", second.id, "accept")
    assert moved.dispatch is None  # no cascade: managers assign this category

    async with sessions() as session:
        event = (
            await session.execute(
                select(OutboxEvent).where(
                    OutboxEvent.aggregate_id == view.id, OutboxEvent.type == "request.reassigned"
                )
            )
        ).scalar_one()
        audit: Any = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.target_id == view.id, AuditEntry.action == "request.reassign"
                )
            )
        ).scalar_one()
    data = event.envelope["data"]
    assert (data["previous_assignee_id"], data["assignee_id"]) == (first.id, second.id)
    assert audit.before == {"state": "accepted", "assignee_id": first.id}
    assert audit.after == {"state": "assigned", "assignee_id": second.id}
    assert first.id in await notified(sessions, view.id, "offer_gone")
    assert second.id in await notified(sessions, view.id, "executor_offer")
    # The new executor takes it on as after any assignment; the previous one cannot.
    with pytest.raises(ActorNotAllowed):
        await cmd.act(view.id, Action.START, first.actor)
    assert (await cmd.act(view.id, Action.ACCEPT, second.actor)).state == "accepted"


async def test_a_withdrawal_that_loses_to_a_decline_leaves_the_cascade_running(
    commands: Commands, person: PersonFactory, sessions: Sessions, category: str
) -> None:
    crew = {p.id: p for p in await executors(person, category, 2)}
    manager = await person(Role.MANAGER)
    cmd = commands(cascade=PATIENT)
    view = await file(cmd, await person(Role.CUSTOMER), category)
    found = await wait_for_events(sessions, view.id, lambda t: "offer.sent" in t)
    offeree = crew[offeree_of(found[0])]
    declined, withdrawn = await asyncio.gather(
        cmd.act(view.id, Action.DECLINE, offeree.actor, reason="занят"),
        cmd.act(view.id, Action.WITHDRAW, manager.actor),
        return_exceptions=True,
    )
    # Exactly one of the two moves the request.
    assert isinstance(declined, BaseException) != isinstance(withdrawn, BaseException)
    if isinstance(withdrawn, BaseException):
        # The offeree answered first: the cascade goes on to the next executor.
        found = await wait_for_events(sessions, view.id, lambda t: t.count("offer.sent") == 2)
        assert offeree_of(found[-1]) != offeree.id
        assert (await stored(sessions, view.id)).dispatch == "offering"
    else:
        assert (await stored(sessions, view.id)).dispatch == "stopped"
