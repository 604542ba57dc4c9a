"""The delivery activity itself, run by Temporal's ActivityEnvironment against the real
database, Redis and the run's SMTP server: what each stored status makes it do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.notification_delivery import NotificationDelivery, notification_delivery
from core.settings import Settings
from devstack.emulators.telegram import RunningEmulator
from devstack.mailbox import SmtpSink
from domain.lifecycle import Role
from domain.notifications import Channel, Kind, PlannedNotification, notification_id
from store import notifications as notes
from store.models import ExecutorProfile
from tests.helpers.notifications import events_of, offer_context
from tests.helpers.people import PersonFactory


@pytest.fixture
async def activities(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], mailbox: SmtpSink
) -> AsyncIterator[NotificationDelivery]:
    redis = Redis.from_url(settings.redis.url)
    async with notification_delivery(sessions, redis, settings) as built:
        yield built
    await redis.aclose()


async def planned_email(
    sessions: async_sessionmaker[AsyncSession], recipient_id: str, address: str, kind: str
) -> PlannedNotification:
    trigger = str(uuid.uuid4())
    request_id = str(uuid.uuid4())
    item = PlannedNotification(
        notification_id=notification_id(trigger, Kind.REQUEST_CREATED, recipient_id, Channel.EMAIL),
        kind=kind,
        channel=Channel.EMAIL.value,
        recipient_id=recipient_id,
        address=address,
        locale="ru",
        request_id=request_id,
        context=offer_context(request_id),
    )
    async with sessions.begin() as session:
        await notes.record_planned(session, [item], trigger, datetime.now(UTC))
    return item


async def test_a_second_run_after_success_sends_nothing(
    activities: NotificationDelivery,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: SmtpSink,
    person: PersonFactory,
) -> None:
    customer = await person(Role.CUSTOMER)
    item = await planned_email(sessions, customer.id, customer.email, "request_created")
    env = ActivityEnvironment()
    first = await env.run(activities.deliver, item)
    second = await env.run(activities.deliver, item)
    assert (first.status, second.status) == ("sent", "sent")
    assert second.detail == "already done"
    assert len([e for e in mailbox.received if customer.email in e.rcpt_tos]) == 1
    events = [e["type"] for e in await events_of(sessions, item.notification_id)]
    assert events == ["notification.requested", "notification.sent"]


async def test_a_run_that_finds_sending_does_not_send_a_second_copy(
    activities: NotificationDelivery,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: SmtpSink,
    person: PersonFactory,
) -> None:
    customer = await person(Role.CUSTOMER)
    item = await planned_email(sessions, customer.id, customer.email, "request_created")
    async with sessions.begin() as session:  # an earlier attempt died after handing over
        row = await notes.get(session, item.notification_id, lock=True)
        notes.mark_sending(row, datetime.now(UTC), attempt=1)
    outcome = await ActivityEnvironment().run(activities.deliver, item)
    assert outcome.status == "unconfirmed"
    assert not [e for e in mailbox.received if customer.email in e.rcpt_tos]
    failed = (await events_of(sessions, item.notification_id))[-1]
    assert failed["type"] == "notification.failed"
    assert failed["data"]["permanent"] is True


async def test_an_unrenderable_or_undeliverable_message_fails_once_for_good(
    activities: NotificationDelivery,
    sessions: async_sessionmaker[AsyncSession],
    person: PersonFactory,
) -> None:
    customer = await person(Role.CUSTOMER)
    unknown_kind = await planned_email(sessions, customer.id, customer.email, "no_such_template")
    bad_address = await planned_email(sessions, customer.id, "not an address", "request_created")
    env = ActivityEnvironment()
    for item, says in ((unknown_kind, "cannot render"), (bad_address, "address")):
        outcome = await env.run(activities.deliver, item)
        assert outcome.status == "failed"
        assert says in outcome.detail
        async with sessions() as session:
            row = await notes.get(session, item.notification_id)
        assert (row.status, row.attempts) == ("failed", 0)  # never handed to a provider


async def planned_offer(
    sessions: async_sessionmaker[AsyncSession], executor_id: str, chat: int
) -> PlannedNotification:
    trigger, request_id = str(uuid.uuid4()), str(uuid.uuid4())
    item = PlannedNotification(
        notification_id=notification_id(
            trigger, Kind.EXECUTOR_OFFER, executor_id, Channel.TELEGRAM
        ),
        kind=Kind.EXECUTOR_OFFER.value,
        channel=Channel.TELEGRAM.value,
        recipient_id=executor_id,
        address=str(chat),
        locale="ru",
        request_id=request_id,
        context=offer_context(request_id),
    )
    async with sessions.begin() as session:
        await notes.record_planned(session, [item], trigger, datetime.now(UTC))
    return item


async def test_no_answer_from_telegram_is_recorded_unconfirmed_and_never_resent(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
) -> None:
    """Telegram got the message but its answer never came (a read time-out): sending
    again could post it twice, so the attempt records `unconfirmed` instead."""
    chat = 6 * 10**9 + uuid.uuid4().int % 10**6
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat)
    await telegram_api.control.user_says(chat, "/start")
    item = await planned_offer(sessions, executor.id, chat)
    impatient = settings.model_copy(
        update={"telegram": settings.telegram.model_copy(update={"read_timeout_s": 0.5})}
    )
    redis = Redis.from_url(settings.redis.url)
    await telegram_api.control.hold(True)
    try:
        async with notification_delivery(sessions, redis, impatient) as built:
            outcome = await ActivityEnvironment().run(built.deliver, item)
            again = await ActivityEnvironment().run(built.deliver, item)
    finally:
        await telegram_api.control.hold(False)
        await redis.aclose()
    assert (outcome.status, again.status) == ("unconfirmed", "unconfirmed")
    assert "did not answer" in outcome.detail
    assert len(await telegram_api.control.bot_messages(chat)) == 1
    async with sessions() as session:
        row = await notes.get(session, item.notification_id)
    assert (row.status, row.attempts) == ("unconfirmed", 1)


async def test_a_chat_unlinked_since_planning_does_not_get_the_message(
    activities: NotificationDelivery,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
) -> None:
    chat = 6 * 10**9 + uuid.uuid4().int % 10**6
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat)
    await telegram_api.control.user_says(chat, "/start")
    item = await planned_offer(sessions, executor.id, chat)
    async with sessions.begin() as session:  # the executor unlinks the chat meanwhile
        profile = await session.get(ExecutorProfile, uuid.UUID(executor.id))
        assert profile is not None
        profile.telegram_chat_id = None
    outcome = await ActivityEnvironment().run(activities.deliver, item)
    assert outcome.status == "failed"
    assert "unlinked" in outcome.detail
    assert await telegram_api.control.bot_messages(chat) == []
