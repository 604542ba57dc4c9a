"""Notifications started by the request workflow, delivered to a real SMTP server and
the Telegram emulator: who hears what, in which language, exactly once, and what
happens when a channel fails."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from devstack.emulators.telegram import RunningEmulator
from devstack.mailbox import SmtpSink
from domain.lifecycle import Action, Role
from domain.notifications import parse_button_data
from domain.sla import SlaPolicy
from domain.workflow_ids import VERIFICATION_DECIDED_SIGNAL, request_workflow_id
from services.requests import RequestCommands, RequestDraft
from tests.helpers.notifications import about, events_of, notifications_of
from tests.helpers.people import PersonFactory
from tests.helpers.polling import until

DRAFT = RequestDraft(
    category="plumbing",
    description="Течёт смеситель на кухне",
    address="Москва, Тверская 1",
    budget="2500.00",
)
Commands = Callable[..., RequestCommands]


def new_chat() -> int:
    return random.randint(10**9, 2 * 10**9)


async def test_every_party_hears_about_a_whole_lifecycle(
    commands: Commands,
    person: PersonFactory,
    mailbox: SmtpSink,
    telegram_api: RunningEmulator,
    sessions: async_sessionmaker[AsyncSession],
    temporal: Client,
) -> None:
    chat = new_chat()
    customer = await person(Role.CUSTOMER, full_name="Анна Заказчица")
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat, full_name="Иван Мастер")
    manager = await person(Role.MANAGER)
    await telegram_api.control.user_says(chat, "/start")  # the executor opened the bot
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    rid = view.id

    created = await mailbox.wait_for(about(customer.email, rid))
    assert "Течёт смеситель" in created.text
    assert created.html is not None

    await cmd.act(rid, Action.ASSIGN, manager.actor, executor_id=executor.id)
    offer = (await telegram_api.control.wait_for_bot_messages(chat, 1))[0]
    assert rid[:8] in offer["text"]
    buttons = [b for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert [parse_button_data(b["callback_data"]) for b in buttons] == [
        ("accept", rid),
        ("decline", rid),
    ]

    await cmd.act(rid, Action.ACCEPT, executor.actor)
    accepted = await mailbox.wait_for(
        lambda e: about(customer.email, rid)(e) and "Иван Мастер" in e.text and e != created
    )
    await cmd.act(rid, Action.START, executor.actor)
    await cmd.act(rid, Action.COMPLETE, executor.actor, report="Заменил картридж смесителя")
    completed = await mailbox.wait_for(
        lambda e: about(customer.email, rid)(e) and "Заменил картридж" in e.text
    )
    assert re.search(r"/confirm/[\w-]+\.[\w-]+\.[\w-]+", completed.text), completed.text
    await cmd.act(rid, Action.CONFIRM, customer.actor)
    # The run ends only after its notifications have settled.
    await temporal.get_workflow_handle(request_workflow_id(rid)).result()

    rows = await notifications_of(sessions, rid)
    kinds = sorted((r.kind, r.channel, str(r.recipient_id)) for r in rows)
    assert kinds == sorted(
        [
            ("request_created", "email", customer.id),
            ("executor_offer", "telegram", executor.id),
            ("request_accepted", "email", customer.id),
            ("request_started", "email", customer.id),
            ("request_completed", "email", customer.id),
            ("request_confirmed", "telegram", executor.id),
            ("documents_ready", "email", customer.id),
            ("documents_ready", "telegram", executor.id),
        ]
    )
    assert {r.status for r in rows} == {"sent"}
    assert all(r.attempts == 1 for r in rows)
    # Each message once: 5 emails to the customer about this request, 3 Telegram messages.
    customer_mail = [e for e in mailbox.received if about(customer.email, rid)(e)]
    assert len(customer_mail) == 5
    assert len({e.message_id for e in customer_mail}) == 5
    assert accepted in customer_mail
    assert len(await telegram_api.control.bot_messages(chat)) == 3
    for row in rows:
        events = await events_of(sessions, str(row.id))
        assert [e["type"] for e in events] == ["notification.requested", "notification.sent"]
        assert {e["aggregate_id"] for e in events} == {str(row.recipient_id)}
        assert events[0]["data"]["template"] == row.kind
        assert events[0]["data"]["channel"] == row.channel


async def test_messages_follow_the_recipients_language_and_channels(
    commands: Commands,
    person: PersonFactory,
    mailbox: SmtpSink,
    telegram_api: RunningEmulator,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chat = new_chat()
    customer = await person(Role.CUSTOMER, locale="en")
    # this executor wants email as well as Telegram
    executor = await person(
        Role.EXECUTOR, telegram_chat_id=chat, locale="en", channels=["email", "telegram"]
    )
    manager = await person(Role.MANAGER)
    await telegram_api.control.user_says(chat, "/start")
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    created = await mailbox.wait_for(about(customer.email, view.id))
    cyrillic = re.compile("[а-яА-ЯёЁ]")
    assert not cyrillic.search(created.subject)
    assert "Течёт смеситель" in created.text  # the customer's own words stay as written

    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    offer_mail = await mailbox.wait_for(about(executor.email, view.id))
    offer_tg = (await telegram_api.control.wait_for_bot_messages(chat, 1))[0]
    assert not cyrillic.search(offer_mail.subject)
    assert "Accept" in offer_tg["reply_markup"]["inline_keyboard"][0][0]["text"]


async def test_a_blocked_bot_is_recorded_as_a_permanent_failure_not_retried(
    commands: Commands,
    person: PersonFactory,
    telegram_api: RunningEmulator,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chat = new_chat()
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat)
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    await telegram_api.control.user_says(chat, "/start")
    await telegram_api.control.block(chat)
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    assigned = await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    assert assigned.state == "assigned"  # a failed notification never blocks the request

    async def offer_settled() -> object:
        rows = [r for r in await notifications_of(sessions, view.id) if r.kind == "executor_offer"]
        return rows[0] if rows and rows[0].status != "requested" else None

    offer = await until(offer_settled, what="offer delivery settled")
    assert offer.status == "failed"
    assert offer.attempts == 1
    assert "blocked" in (offer.last_error or "")
    events = await events_of(sessions, str(offer.id))
    assert [e["type"] for e in events] == ["notification.requested", "notification.failed"]
    assert events[1]["data"]["permanent"] is True
    assert await telegram_api.control.bot_messages(chat) == []


async def test_a_refused_address_fails_permanently_and_a_busy_server_is_retried(
    commands: Commands,
    person: PersonFactory,
    mailbox: SmtpSink,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    refused, busy = await person(Role.CUSTOMER), await person(Role.CUSTOMER)
    mailbox.refuse(refused.email, code=550, text="5.1.1 No such user")
    mailbox.refuse(busy.email, code=451, text="4.7.1 Greylisted, try again")
    cmd = commands()
    try:
        gone, _ = await cmd.create(refused.id, str(uuid.uuid4()), DRAFT)
        later, _ = await cmd.create(busy.id, str(uuid.uuid4()), DRAFT)

        async def settled(rid: str, status: str) -> object:
            rows = await notifications_of(sessions, rid)
            return rows[0] if rows and rows[0].status == status else None

        failed = await until(lambda: settled(gone.id, "failed"), what="refused address failed")
        assert "550" in (failed.last_error or "")

        async def retried() -> object:
            rows = await notifications_of(sessions, later.id)
            return rows and len(await events_of(sessions, str(rows[0].id))) >= 3

        await until(retried, what="two failed attempts on the busy server")
        mailbox.accept(busy.email)
        await mailbox.wait_for(about(busy.email, later.id), timeout_s=30)
        row = await until(lambda: settled(later.id, "sent"), timeout_s=30, what="busy sent")
    finally:
        mailbox.accept(refused.email)
        mailbox.accept(busy.email)
    types = [e["type"] for e in await events_of(sessions, str(failed.id))]
    assert types == ["notification.requested", "notification.failed"]
    events = await events_of(sessions, str(row.id))
    assert events[0]["type"] == "notification.requested"
    assert events[-1]["type"] == "notification.sent"
    transient = [e for e in events if e["type"] == "notification.failed"]
    assert len(transient) >= 2
    assert all(e["data"]["permanent"] is False for e in transient)
    assert len([e for e in mailbox.received if about(busy.email, later.id)(e)]) == 1


async def test_sla_breaches_reach_its_manager_then_the_head_managers(
    commands: Commands,
    person: PersonFactory,
    mailbox: SmtpSink,
    telegram_api: RunningEmulator,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chat = new_chat()
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    other_manager = await person(Role.MANAGER)
    head = await person(Role.HEAD_MANAGER)
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat)
    await telegram_api.control.user_says(chat, "/start")
    hour = 3600.0
    cmd = commands(
        SlaPolicy(
            assign_s=hour,
            accept_s=hour,
            start_s=1,
            complete_s=hour,
            auto_confirm_s=hour,
            escalation_step_s=1,
        )
    )
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    await cmd.act(view.id, Action.ACCEPT, executor.actor)
    # tier 1: the manager who assigned it; tier 2: the head managers; tier 3: back to
    # the queue, and its manager hears that too.
    tier1 = await mailbox.wait_for(about(manager.email, view.id), timeout_s=20)
    tier2 = await mailbox.wait_for(about(head.email, view.id), timeout_s=20)
    returned = await mailbox.wait_for(
        lambda e: about(manager.email, view.id)(e) and e != tier1, timeout_s=20
    )
    assert tier1.subject != returned.subject
    assert tier2.subject
    assert not [e for e in mailbox.received if about(other_manager.email, view.id)(e)]


async def test_cancellation_tells_the_customer_and_releases_the_executor(
    commands: Commands,
    person: PersonFactory,
    mailbox: SmtpSink,
    telegram_api: RunningEmulator,
) -> None:
    chat = new_chat()
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat)
    await telegram_api.control.user_says(chat, "/start")
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    await cmd.act(view.id, Action.ACCEPT, executor.actor)
    await cmd.act(view.id, Action.CANCEL, manager.actor, reason="Заказчик уехал")
    told = await mailbox.wait_for(
        lambda e: about(customer.email, view.id)(e) and "Заказчик уехал" in e.text
    )
    assert told.html is not None
    messages = await telegram_api.control.wait_for_bot_messages(chat, 2)
    assert "Заказчик уехал" in messages[1]["text"]
    assert messages[1].get("reply_markup") is None  # nothing left to press


async def test_an_approved_verification_tells_the_waiting_executor(
    commands: Commands,
    person: PersonFactory,
    telegram_api: RunningEmulator,
    temporal: Client,
) -> None:
    chat = new_chat()
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR, telegram_chat_id=chat, verified=False)
    await telegram_api.control.user_says(chat, "/start")
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    await telegram_api.control.wait_for_bot_messages(chat, 1)  # the offer
    handle = temporal.get_workflow_handle(request_workflow_id(view.id))
    await handle.signal(VERIFICATION_DECIDED_SIGNAL, args=[executor.id, True])
    approved = (await telegram_api.control.wait_for_bot_messages(chat, 2))[1]
    buttons = [b for row in approved["reply_markup"]["inline_keyboard"] for b in row]
    assert parse_button_data(buttons[0]["callback_data"]) == ("accept", view.id)
    accepted = await cmd.act(view.id, Action.ACCEPT, executor.actor)
    assert accepted.state == "accepted"
