"""Executor verification on the real stack: every path of the verification workflow,
with second-scale timeouts, and the requests that wait on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from core.settings import Settings
from devstack.emulators.tax_service import RunningTaxService
from devstack.mailbox import SmtpSink
from domain.executor_verification import VerificationPolicy, VerificationView
from domain.lifecycle import Action, Actor, Role, StateConflict
from services.errors import Conflict, Forbidden, TooManyRequests, Unprocessable
from services.requests import RequestCommands, RequestDraft
from services.verification import Documents, Verifications
from store import requests as repo
from store.models import ExecutorProfile, OutboxEvent, VerificationSubmission
from tests.helpers.people import Person, PersonFactory
from tests.helpers.polling import until
from tests.helpers.verification_data import valid_inn

DRAFT = RequestDraft("plumbing", "Течёт смеситель", "Москва, Тверская 1", budget="3000.00")
HOUR = 3600.0
Factory = Callable[..., Verifications]


@pytest.fixture
def verifications(
    temporal: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings, worker: None
) -> Factory:
    def build(**policy: float | tuple[float, ...]) -> Verifications:
        base: dict[str, Any] = {
            "decision_timeout_s": HOUR,
            "validity_s": 365 * 24 * HOUR,
            "reminders_before_s": (),
        }
        return Verifications(
            temporal,
            sessions,
            settings.verification.task_queue,
            VerificationPolicy(**(base | policy)),
            1024 * 1024,
            settings.notifications.task_queue,
        )

    return build


def docs(inn: str, born: date = date(1990, 4, 12)) -> Documents:
    return Documents("Иванов Иван Иванович", inn, "45 06", "123456", born)


async def newcomer(person: PersonFactory) -> Person:
    return await person(Role.EXECUTOR, verified=False)


async def self_employed(tax_service: RunningTaxService) -> str:
    inn = valid_inn()
    tax_service.emulator.set_status(inn, True)
    return inn


async def state_becomes(service: Verifications, executor_id: str, state: str) -> VerificationView:
    """The workflow is in `state` and the store has recorded it."""

    async def reached() -> VerificationView | None:
        view = await service.status(executor_id)
        async with service.sessions() as session:
            profile = await session.get(ExecutorProfile, uuid.UUID(executor_id))
        stored = profile.verification_status if profile else None
        return view if view.state == state and stored == state else None

    result: VerificationView = await until(reached, what=f"verification {state}")
    return result


async def security_events(
    sessions: async_sessionmaker[AsyncSession], executor_id: str
) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent.type, OutboxEvent.envelope)
            .where(OutboxEvent.aggregate_id == executor_id, OutboxEvent.topic == "security-events")
            .order_by(OutboxEvent.seq)
        )
        return [
            (event_type, str(envelope["data"].get("check", ""))) for event_type, envelope in rows
        ]


async def profile_of(
    sessions: async_sessionmaker[AsyncSession], executor_id: str
) -> ExecutorProfile:
    async with sessions() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(executor_id))
        assert profile is not None
        return profile


async def test_checks_pass_and_an_officer_approves(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    service = verifications()
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    inn = await self_employed(tax_service)
    await service.submit(executor.id, docs(inn))
    waiting = await state_becomes(service, executor.id, "awaiting_decision")
    assert [(c.name, c.passed) for c in waiting.checks] == [
        ("inn", True),
        ("passport", True),
        ("age", True),
        ("self_employed", True),
    ]
    assert (await profile_of(sessions, executor.id)).verification_status == "awaiting_decision"

    decided = await service.decide(executor.id, officer.actor, True, "", None)
    assert decided.state == "verified"
    assert decided.decided_by == officer.id
    profile = await profile_of(sessions, executor.id)
    assert (profile.verification_status, profile.inn) == ("verified", inn)
    assert profile.verified_until is not None
    assert profile.verified_until - datetime.now(UTC) > timedelta(days=364)
    assert await security_events(sessions, executor.id) == [
        ("verification.started", ""),
        ("verification.check_passed", "inn"),
        ("verification.check_passed", "passport"),
        ("verification.check_passed", "age"),
        ("verification.check_passed", "self_employed"),
        ("verification.awaiting_decision", ""),
        ("verification.approved", ""),
    ]
    with pytest.raises(Conflict, match="nothing to decide"):
        await service.decide(executor.id, officer.actor, False, "changed my mind", None)


@pytest.mark.parametrize(
    ("inn_kind", "born", "failed"),
    [
        ("bad_checksum", date(1990, 1, 1), "inn"),
        ("not_self_employed", date(1990, 1, 1), "self_employed"),
        ("self_employed", date.today().replace(year=date.today().year - 17), "age"),
    ],
)
async def test_a_failed_check_rejects_without_an_officer(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    inn_kind: str,
    born: date,
    failed: str,
) -> None:
    service = verifications()
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    inn = await self_employed(tax_service) if inn_kind == "self_employed" else valid_inn()
    if inn_kind == "bad_checksum":
        inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)
    await service.submit(executor.id, docs(inn, born))
    rejected = await state_becomes(service, executor.id, "rejected")
    assert [c.name for c in rejected.checks if not c.passed] == [failed]
    assert failed in rejected.reason
    assert ("verification.check_failed", failed) in await security_events(sessions, executor.id)
    profile = await profile_of(sessions, executor.id)
    assert profile.verification_status == "rejected"
    assert failed in profile.verification_reason
    with pytest.raises(Conflict):
        await service.decide(executor.id, officer.actor, True, "", None)


async def test_an_officer_rejects_with_a_reason_and_only_officers_decide(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    service = verifications()
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    manager = await person(Role.MANAGER)
    await service.submit(executor.id, docs(await self_employed(tax_service)))
    await state_becomes(service, executor.id, "awaiting_decision")
    with pytest.raises(Forbidden):
        await service.decide(executor.id, manager.actor, True, "", None)
    with pytest.raises(Unprocessable, match="reason"):
        await service.decide(executor.id, officer.actor, False, "  ", None)
    rejected = await service.decide(executor.id, officer.actor, False, "Фото не совпадает", None)
    assert (rejected.state, rejected.reason) == ("rejected", "Фото не совпадает")
    events = await security_events(sessions, executor.id)
    assert events[-1] == ("verification.rejected", "")


async def test_an_officer_who_takes_too_long_escalates_to_the_head_of_security(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    service = verifications(decision_timeout_s=1)
    executor, head = await newcomer(person), await person(Role.HEAD_SECURITY)
    await service.submit(executor.id, docs(await self_employed(tax_service)))

    async def escalated() -> bool:
        view = await service.status(executor.id)
        events = await security_events(sessions, executor.id)
        return view.escalated and ("verification.escalated", "") in events

    await until(escalated, what="escalation")
    approved = await service.decide(executor.id, head.actor, True, "", None)
    assert approved.state == "verified"


async def test_a_verification_expires_after_its_validity_and_can_be_renewed(
    record_history: Callable[..., Any],
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    commands: Callable[..., RequestCommands],
) -> None:
    service = verifications(validity_s=4, reminders_before_s=(2,))
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    inn = await self_employed(tax_service)
    await service.submit(executor.id, docs(inn))
    await state_becomes(service, executor.id, "awaiting_decision")
    await service.decide(executor.id, officer.actor, True, "", None)
    await state_becomes(service, executor.id, "expired")
    types = [t for t, _ in await security_events(sessions, executor.id)]
    assert types[-3:] == ["verification.approved", "verification.expiring", "verification.expired"]
    assert (await profile_of(sessions, executor.id)).verification_status == "expired"

    # An expired executor cannot be assigned.
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    with pytest.raises(Unprocessable, match="expired"):
        await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)

    # Re-verification: new documents, a new round, verified again.
    await service.submit(executor.id, docs(inn))
    again = await state_becomes(service, executor.id, "awaiting_decision")
    assert again.round == 2
    renewed = await service.decide(executor.id, officer.actor, True, "", None)
    assert renewed.state == "verified"
    assigned = await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    assert assigned.state == "assigned"
    await record_history(
        "", "verification_expires_and_renews", of_workflow=f"verification-{executor.id}"
    )


@pytest.mark.parametrize("approved", [True, False])
async def test_requests_assigned_to_an_unverified_executor_wait_for_the_decision(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    commands: Callable[..., RequestCommands],
    approved: bool,
) -> None:
    service = verifications()
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    with pytest.raises(StateConflict, match="waiting for security verification"):
        await cmd.act(view.id, Action.ACCEPT, executor.actor)

    await service.submit(executor.id, docs(await self_employed(tax_service)))
    await state_becomes(service, executor.id, "awaiting_decision")
    await service.decide(executor.id, officer.actor, approved, "" if approved else "Нет", None)

    if approved:
        accepted = await until(
            lambda: _try_accept(cmd, view.id, executor.actor), what="accept after approval"
        )
        assert accepted.state == "accepted"
    else:

        async def back_in_queue() -> bool:
            async with sessions() as session:
                row = await repo.require(session, view.id)
                return row.state == "new" and row.assignee_id is None

        await until(back_in_queue, what="request back in the queue")


async def _try_accept(cmd: RequestCommands, request_id: str, actor: Actor) -> Any:
    try:
        return await cmd.act(request_id, Action.ACCEPT, actor)
    except StateConflict:
        return None


async def test_officers_executors_and_the_head_of_security_are_told(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    mailbox: SmtpSink,
) -> None:
    """Officers hear that documents wait for them, the head of security that they waited
    too long, the executor the decision, the reminder and the expiry."""
    service = verifications(decision_timeout_s=1, validity_s=4, reminders_before_s=(2,))
    executor = await newcomer(person)
    officer, head = await person(Role.SECURITY), await person(Role.HEAD_SECURITY)
    await service.submit(executor.id, docs(await self_employed(tax_service)))

    pending = await mailbox.wait_for(lambda e: officer.email in e.rcpt_tos, timeout_s=20)
    overdue = await mailbox.wait_for(lambda e: head.email in e.rcpt_tos, timeout_s=20)
    assert pending.subject != overdue.subject
    await service.decide(executor.id, officer.actor, True, "", None)

    def executors_mail() -> set[str]:
        return {e.subject for e in mailbox.received if executor.email in e.rcpt_tos}

    async def three_notices() -> bool:
        return len(executors_mail()) == 3  # approved, expiring, expired

    await until(three_notices, timeout_s=20, what="the executor's three notices")


async def test_re_verifying_early_keeps_the_executor_working_until_the_decision(
    record_history: Callable[..., Any],
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    commands: Callable[..., RequestCommands],
) -> None:
    service = verifications()
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    inn = await self_employed(tax_service)
    await service.submit(executor.id, docs(inn))
    await state_becomes(service, executor.id, "awaiting_decision")
    await service.decide(executor.id, officer.actor, True, "", None)
    await service.submit(executor.id, docs(inn))  # fresh documents, months early
    await state_becomes(service, executor.id, "awaiting_decision")

    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    accepted = await cmd.act(view.id, Action.ACCEPT, executor.actor)  # no waiting
    assert accepted.state == "accepted"
    rejected = await service.decide(executor.id, officer.actor, False, "Паспорт просрочен", None)
    assert rejected.state == "rejected"
    profile = await profile_of(sessions, executor.id)
    assert (profile.verification_status, profile.verified_until) == ("rejected", None)
    await record_history(
        "",
        "verification_reverifies_early",
        of_workflow=f"verification-{executor.id}",
    )


async def _back_in_queue(sessions: async_sessionmaker[AsyncSession], request_id: str) -> bool:
    async with sessions() as session:
        row = await repo.require(session, request_id)
        return row.state == "new" and row.assignee_id is None


async def test_an_expiry_sends_requests_not_yet_accepted_back_to_the_queue(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    commands: Callable[..., RequestCommands],
) -> None:
    service = verifications(validity_s=5)
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    await service.submit(executor.id, docs(await self_employed(tax_service)))
    await state_becomes(service, executor.id, "awaiting_decision")
    await service.decide(executor.id, officer.actor, True, "", None)
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    assigned = await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    assert assigned.state == "assigned"  # verified: it could be accepted now, but is not

    await state_becomes(service, executor.id, "expired")
    await until(lambda: _back_in_queue(sessions, view.id), what="request back in the queue")


async def test_an_approval_still_expires_at_its_time_while_re_verifying(
    record_history: Callable[..., Any],
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    commands: Callable[..., RequestCommands],
) -> None:
    service = verifications(validity_s=6)
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    inn = await self_employed(tax_service)
    await service.submit(executor.id, docs(inn))
    await state_becomes(service, executor.id, "awaiting_decision")
    approved = await service.decide(executor.id, officer.actor, True, "", None)
    assert approved.verified_until is not None
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    await service.submit(executor.id, docs(inn))  # re-verifying; the officer takes long
    await state_becomes(service, executor.id, "awaiting_decision")

    async def expired_while_waiting() -> bool:
        return ("verification.expired", "") in await security_events(sessions, executor.id)

    await until(expired_while_waiting, timeout_s=20, what="the old approval's expiry")
    assert datetime.now(UTC) >= approved.verified_until
    await until(lambda: _back_in_queue(sessions, view.id), what="request back in the queue")
    # The new documents still wait for their officer, who can approve them.
    assert (await profile_of(sessions, executor.id)).verification_status == "awaiting_decision"
    renewed = await service.decide(executor.id, officer.actor, True, "", None)
    assert renewed.verified_until is not None
    assert renewed.verified_until > approved.verified_until
    await record_history(
        "", "verification_expires_while_reverifying", of_workflow=f"verification-{executor.id}"
    )


async def test_an_unavailable_tax_service_goes_to_an_officer_not_checked_after_the_deadline(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: SmtpSink,
) -> None:
    # The first retry (seconds later) would start past the deadline: no second attempt.
    service = verifications(tax_check_deadline_s=2)
    executor, officer = await newcomer(person), await person(Role.SECURITY)
    tax_service.emulator.fail_next(1)
    await service.submit(executor.id, docs(await self_employed(tax_service)))
    waiting = await state_becomes(service, executor.id, "awaiting_decision")
    [tax] = [c for c in waiting.checks if c.name == "self_employed"]
    assert (tax.checked, tax.passed) == (False, False)
    assert tax.detail.startswith("not checked")
    notice = await mailbox.wait_for(lambda e: officer.email in e.rcpt_tos, timeout_s=20)
    assert "Не проверено" in notice.text or "Not checked" in notice.text
    async with sessions() as session:
        [data] = (
            await session.scalars(
                select(OutboxEvent.envelope).where(
                    OutboxEvent.aggregate_id == executor.id,
                    OutboxEvent.type == "verification.awaiting_decision",
                )
            )
        ).all()
    assert (data["data"]["not_checked"], data["data"]["checks"]) == (["self_employed"], [])
    decided = await service.decide(executor.id, officer.actor, True, "checked by hand", None)
    assert decided.state == "verified"


async def test_submissions_are_capped_per_executor_per_local_day(
    verifications: Factory,
    person: PersonFactory,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    service = verifications(submissions_per_day=2)
    executor = await newcomer(person)
    inn = await self_employed(tax_service)
    for _ in range(2):
        await service.submit(executor.id, docs(inn))
    with pytest.raises(TooManyRequests, match="2 verification submissions a day") as refused:
        await service.submit(executor.id, docs(inn))
    local_now = datetime.now(ZoneInfo("Europe/Moscow"))
    midnight = datetime.combine(local_now.date() + timedelta(days=1), time(), local_now.tzinfo)
    to_midnight = (midnight - local_now).total_seconds()
    assert to_midnight - 5 <= refused.value.retry_after_s <= to_midnight + 1
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(VerificationSubmission)
            .where(VerificationSubmission.executor_id == uuid.UUID(executor.id))
        )
    assert stored == 2  # the refused one left nothing behind
    other = await newcomer(person)  # the cap is per executor
    await service.submit(other.id, docs(await self_employed(tax_service)))
