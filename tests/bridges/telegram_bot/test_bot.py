"""The executor bot on the real stack against the Telegram emulator: linking, a whole job
driven from buttons, stale buttons, dialogs, and updates that must not break it."""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bridges.telegram_bot.runner import (
    WEBHOOK_PATH,
    BotRuntime,
    bot_runtime,
    check_webhook_secret,
)
from core.settings import Settings
from devstack.emulators.serving import serve_app
from devstack.emulators.telegram import RunningEmulator
from devstack.emulators.telegram_control import TelegramEmulatorControl
from devstack.mailbox import SmtpSink
from domain.cascade import CascadePolicy
from domain.lifecycle import Action, Role
from domain.requests import RequestView
from services.requests import RequestCommands, RequestDraft
from services.telegram_link import TelegramLinks
from store import attachments
from store import requests as repo
from store.models import ExecutorProfile, RequestTransition
from tests.helpers.notifications import about
from tests.helpers.people import Person, PersonFactory
from tests.helpers.polling import until

DRAFT = RequestDraft(
    category="plumbing",
    description="Течёт смеситель на кухне",
    address="Москва, Тверская 1",
    budget="3000.00",
)
JPEG = b"\xff\xd8\xff\xe0" + bytes(random.getrandbits(8) for _ in range(2048)) + b"\xff\xd9"
Json = dict[str, Any]


def new_chat() -> int:
    return random.randint(2 * 10**9, 3 * 10**9)


async def bot_says(
    control: TelegramEmulatorControl,
    chat: int,
    matches: Callable[[Json], bool],
    timeout_s: float = 15.0,
) -> Json:
    """The first bot message in `chat` that matches (waiting for it)."""
    deadline = time.monotonic() + timeout_s
    while True:
        for message in await control.bot_messages(chat):
            if matches(message):
                return message
        if time.monotonic() > deadline:
            texts = [m["text"] for m in await control.bot_messages(chat)]
            raise TimeoutError(f"chat {chat}: no matching bot message; got {texts}")
        await asyncio.sleep(0.05)


def has_button(data: str) -> Callable[[Json], bool]:
    def check(message: Json) -> bool:
        markup = message.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", [])
        return any(b.get("callback_data") == data for row in rows for b in row)

    return check


def says(fragment: str) -> Callable[[Json], bool]:
    return lambda message: fragment in message["text"]


async def answered(control: TelegramEmulatorControl, callback_id: str) -> Json:
    async def answer() -> Json | None:
        return await control.callback_answer(callback_id)

    result: Json = await until(answer, what=f"answer to {callback_id}")
    return result


async def link(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    control: TelegramEmulatorControl,
    executor: Person,
    chat: int,
) -> None:
    redis = Redis.from_url(settings.redis.url)
    try:
        code = await TelegramLinks(sessions, redis, 600).issue_code(executor.id)
    finally:
        await redis.aclose()
    await control.user_says(chat, f"/start {code.code}", user={"first_name": "Иван"})
    await bot_says(control, chat, says("Чат привязан"))


async def state_of(sessions: async_sessionmaker[AsyncSession], request_id: str) -> str:
    async with sessions() as session:
        row = await repo.require(session, request_id)
        return row.state


async def test_a_whole_job_is_driven_from_the_bot_and_the_customer_confirms_by_email(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    mailbox: SmtpSink,
    person: PersonFactory,
    commands: Callable[..., RequestCommands],
    client: httpx.AsyncClient,
) -> None:
    control = telegram_api.control
    chat = new_chat()
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR, full_name="Иван Мастер")
    await link(settings, sessions, control, executor, chat)
    async with sessions() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(executor.id))
        assert profile is not None
        assert profile.telegram_chat_id == chat

    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    rid = view.id
    await cmd.act(rid, Action.ASSIGN, manager.actor, executor_id=executor.id)

    offer = await bot_says(control, chat, has_button(f"accept:{rid}"))
    pressed = await control.user_presses(chat, offer["message_id"], f"accept:{rid}")
    assert "принята" in (await answered(control, pressed))["text"]
    assert await state_of(sessions, rid) == "accepted"

    start_prompt = await bot_says(control, chat, has_button(f"start:{rid}"))
    await control.user_presses(chat, start_prompt["message_id"], f"start:{rid}")
    complete_prompt = await bot_says(control, chat, has_button(f"complete:{rid}"))
    assert await state_of(sessions, rid) == "in_progress"

    await control.user_presses(chat, complete_prompt["message_id"], f"complete:{rid}")
    await bot_says(control, chat, says("пришлите фото"))
    await control.user_sends_photo(chat, JPEG, caption="после ремонта")
    await bot_says(control, chat, says("Фото сохранено (1)"))
    await control.user_says(chat, "Заменил картридж смесителя, протечки нет")
    await bot_says(control, chat, says("завершена"))
    assert await state_of(sessions, rid) == "completed"
    async with sessions() as session:
        photos = await attachments.list_for(session, rid)
    assert [(p.size, p.caption, str(p.uploaded_by)) for p in photos] == [
        (len(JPEG), "после ремонта", executor.id)
    ]

    # The customer gets the report with a confirm link, and confirming through it works.
    email = await mailbox.wait_for(
        lambda e: about(customer.email, rid)(e) and "Заменил картридж" in e.text
    )
    match = re.search(r"https?://[^/\s]+(/confirm/[\w.-]+)", email.text)
    assert match, email.text
    page = await client.get(match.group(1))
    assert page.status_code == 200
    assert "Подтвердить" in page.text
    assert await state_of(sessions, rid) == "completed"  # opening the link changes nothing
    confirmed = await client.post(match.group(1))
    assert confirmed.status_code == 200, confirmed.text
    await until(lambda: _is(sessions, rid, "closed"), what="request closed after confirmation")
    again = await client.post(match.group(1))
    assert again.status_code in (200, 409)  # a second click never confirms twice

    # A stale button answers with where the request is now and changes nothing.
    stale = await control.user_presses(chat, offer["message_id"], f"accept:{rid}")
    answer = await answered(control, stale)
    assert answer["show_alert"] is True
    assert "закрыта" in answer["text"] or "подтверждена" in answer["text"]
    async with sessions() as session:
        actions = (
            await session.execute(
                select(RequestTransition.action)
                .where(RequestTransition.request_id == uuid.UUID(rid))
                .order_by(RequestTransition.seq)
            )
        ).scalars()
        assert list(actions) == [
            "create",
            "assign",
            "accept",
            "start",
            "complete",
            "confirm",
            "close",
        ]


async def _is(sessions: async_sessionmaker[AsyncSession], rid: str, state: str) -> bool:
    return await state_of(sessions, rid) == state


async def test_decline_asks_for_a_reason_and_returns_the_request_to_the_queue(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    mailbox: SmtpSink,
    person: PersonFactory,
    commands: Callable[..., RequestCommands],
) -> None:
    control = telegram_api.control
    chat = new_chat()
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR)
    await link(settings, sessions, control, executor, chat)
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    offer = await bot_says(control, chat, has_button(f"decline:{view.id}"))
    # /jobs lists it, /job <short number> shows it with the buttons it has now
    await control.user_says(chat, "/jobs")
    listing = await bot_says(control, chat, says("Ваши активные заявки"))
    assert view.id[:8] in listing["text"]
    assert has_button(f"show:{view.id}")(listing)
    await control.user_says(chat, f"/job {view.id[:8]}")
    details = await bot_says(
        control,
        chat,
        lambda m: (
            m is not offer
            and has_button(f"accept:{view.id}")(m)
            and "ждёт вашего ответа" in m["text"]
        ),
    )
    assert "Течёт смеситель" in details["text"]
    await control.user_says(chat, "/job 00000000")
    await bot_says(control, chat, says("не найдена"))
    await control.user_presses(chat, offer["message_id"], f"decline:{view.id}")
    await bot_says(control, chat, says("Напишите причину"))
    await control.user_says(chat, "Слишком далеко ехать")
    await bot_says(control, chat, says("Вы отказались"))
    assert await state_of(sessions, view.id) == "new"
    async with sessions() as session:
        declined = (
            await session.execute(
                select(RequestTransition).where(
                    RequestTransition.request_id == uuid.UUID(view.id),
                    RequestTransition.action == "decline",
                )
            )
        ).scalar_one()
    assert declined.data["reason"] == "Слишком далеко ехать"
    assert declined.actor_id == executor.id
    # "its manager" — the one who assigned it — hears that it is back in the queue
    returned = await mailbox.wait_for(about(manager.email, view.id))
    assert "Слишком далеко ехать" in returned.text


async def test_unlinked_chats_get_one_clear_answer_and_nothing_else(
    bot: BotRuntime,
    telegram_api: RunningEmulator,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    control = telegram_api.control
    chat = new_chat()
    for text in ["/jobs", "/job 12345678", "hello", "/start WRONGCODE"]:
        await control.user_says(chat, text)
    replies = await control.wait_for_bot_messages(chat, 4)
    assert ["не привязан" in r["text"] for r in replies[:3]] == [True, True, True]
    assert "Код не подошёл" in replies[3]["text"]
    assert all(r.get("reply_markup") is None for r in replies)
    async with sessions() as session:
        linked = await session.execute(
            select(ExecutorProfile.user_id).where(ExecutorProfile.telegram_chat_id == chat)
        )
        assert linked.first() is None


async def test_malformed_and_unexpected_updates_are_skipped_and_the_bot_carries_on(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
) -> None:
    control = telegram_api.control
    chat = new_chat()
    executor = await person(Role.EXECUTOR)
    await link(settings, sessions, control, executor, chat)
    await control.raw_update({"message": "not an object"})
    await control.raw_update({"edited_message": {"garbage": True}})
    await control.raw_update({"something_new": {"x": 1}})
    await control.raw_update({"callback_query": {"id": "1", "data": "drop table"}})
    await control.user_says(chat, "/jobs")
    await bot_says(control, chat, says("Активных заявок нет"))
    assert await bot.feed("not even a dict") is False
    assert await bot.feed({"update_id": "x"}) is False


async def test_webhook_mode_receives_updates_and_refuses_a_wrong_secret(
    settings: Settings,
    worker: None,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
) -> None:
    control = telegram_api.control
    executor = await person(Role.EXECUTOR)
    chat = new_chat()
    secret = settings.telegram.webhook_secret.get_secret_value()
    async with bot_runtime(settings) as runtime, serve_app(runtime.webhook_app()) as base_url:
        url = f"{base_url}{WEBHOOK_PATH}"
        await runtime.app.bot.set_webhook(url, secret_token=secret)
        try:
            await link(settings, sessions, control, executor, chat)
            await control.user_says(chat, "/help")
            await bot_says(control, chat, says("/jobs"))
            async with httpx.AsyncClient() as http:
                forged = await http.post(
                    url,
                    json={"update_id": 1, "message": {}},
                    headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
                )
            assert forged.status_code == 403
        finally:
            await runtime.app.bot.delete_webhook()


async def job_awaiting_report(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    control: TelegramEmulatorControl,
    person: PersonFactory,
    cmd: RequestCommands,
) -> tuple[int, RequestCommands, RequestView, Person]:
    """A linked executor's job in progress, with Complete pressed: the bot waits for the
    report (and photos)."""
    chat = new_chat()
    customer, manager = await person(Role.CUSTOMER), await person(Role.MANAGER)
    executor = await person(Role.EXECUTOR)
    await link(settings, sessions, control, executor, chat)
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    await cmd.act(view.id, Action.ASSIGN, manager.actor, executor_id=executor.id)
    offer = await bot_says(control, chat, has_button(f"accept:{view.id}"))
    await cmd.act(view.id, Action.ACCEPT, executor.actor)
    await cmd.act(view.id, Action.START, executor.actor)
    await control.user_presses(chat, offer["message_id"], f"complete:{view.id}")
    await bot_says(control, chat, says("пришлите фото"))
    return chat, cmd, view, manager


async def test_a_photo_for_a_job_that_moved_on_is_not_kept(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
    commands: Callable[..., RequestCommands],
) -> None:
    control = telegram_api.control
    chat, cmd, view, manager = await job_awaiting_report(
        settings, sessions, control, person, commands()
    )
    await cmd.act(view.id, Action.CANCEL, manager.actor, reason="Заказчик передумал")
    await control.user_sends_photo(chat, JPEG)
    await bot_says(control, chat, says("уже недоступно"))
    async with sessions() as session:
        assert await attachments.list_for(session, view.id) == []
    await control.user_says(chat, "Отчёт, которого уже не ждут")
    await bot_says(control, chat, says("Не понимаю"))  # the dialog was closed
    assert await state_of(sessions, view.id) == "cancelled"


async def test_a_code_sent_from_a_group_links_nothing(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
) -> None:
    """In a group every member could press the executor's buttons: private chats only."""
    executor = await person(Role.EXECUTOR)
    redis = Redis.from_url(settings.redis.url)
    try:
        code = await TelegramLinks(sessions, redis, 600).issue_code(executor.id)
    finally:
        await redis.aclose()
    group, member = -(10**12) - new_chat(), new_chat()
    text = f"/start {code.code}"
    await telegram_api.control.raw_update(
        {
            "message": {
                "message_id": 1,
                "date": 1_780_000_000,
                "chat": {"id": group, "type": "group", "title": "Бригада"},
                "from": {"id": member, "is_bot": False, "first_name": "Иван"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    await telegram_api.control.user_says(member, "/help")  # a later update: the group one is done
    await bot_says(telegram_api.control, member, says("не привязан"))
    async with sessions() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(executor.id))
        assert profile is not None
        assert profile.telegram_chat_id is None


async def test_a_report_longer_than_the_api_allows_is_refused_and_can_be_resent(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
    commands: Callable[..., RequestCommands],
) -> None:
    control = telegram_api.control
    chat, _cmd, view, _manager = await job_awaiting_report(
        settings, sessions, control, person, commands()
    )
    await control.user_says(chat, "а" * 4001)
    await bot_says(control, chat, says("Слишком длинно"))
    assert await state_of(sessions, view.id) == "in_progress"
    await control.user_says(chat, "Готово, коротко")
    await bot_says(control, chat, says("завершена"))
    assert await state_of(sessions, view.id) == "completed"


def test_webhook_mode_with_a_real_token_refuses_the_default_secret(settings: Settings) -> None:
    real = settings.telegram.model_copy(
        update={"bot_token": SecretStr("123:real-token"), "mode": "webhook"}
    )
    with pytest.raises(RuntimeError, match="WEBHOOK_SECRET"):
        check_webhook_secret(settings.model_copy(update={"telegram": real}))
    own = real.model_copy(update={"webhook_secret": SecretStr("a-long-random-secret-4f9c")})
    check_webhook_secret(settings.model_copy(update={"telegram": own}))
    emulated = real.model_copy(update={"bot_token": SecretStr("")})
    check_webhook_secret(settings.model_copy(update={"telegram": emulated}))


async def test_a_cascade_offer_shows_its_deadline_and_says_when_it_went_to_someone_else(
    bot: BotRuntime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: RunningEmulator,
    person: PersonFactory,
    commands: Callable[..., RequestCommands],
) -> None:
    control = telegram_api.control
    category = f"bot-cascade-{uuid.uuid4().hex[:8]}"
    chats = {}
    for _ in range(2):
        executor = await person(Role.EXECUTOR, skills=[category])
        chats[executor.id] = new_chat()
        await link(settings, sessions, control, executor, chats[executor.id])
    cmd = commands(cascade=CascadePolicy(offer_timeout_s=3, max_offers=2))
    draft = RequestDraft(category, "Течёт смеситель", "Москва, Тверская 1")
    view, _ = await cmd.create((await person(Role.CUSTOMER)).id, str(uuid.uuid4()), draft)

    async def offered_to() -> str | None:
        async with sessions() as session:
            assignee = (await repo.require(session, view.id)).assignee_id
        return str(assignee) if assignee else None

    first: str = await until(offered_to, what="the first offer")
    offer = await bot_says(control, chats[first], has_button(f"accept:{view.id}"))
    assert "Ответьте до" in offer["text"]
    # It runs out: the executor is told it moved on, and the old button says so.
    await bot_says(control, chats[first], says("больше не ваша"), timeout_s=20)
    (second,) = set(chats) - {first}
    await bot_says(control, chats[second], has_button(f"accept:{view.id}"), timeout_s=20)
    pressed = await control.user_presses(chats[first], offer["message_id"], f"accept:{view.id}")
    alert = await answered(control, pressed)
    assert "больше не назначена вам" in alert["text"]

    # Off duty from the bot: out of every cascade until back on.
    await control.user_says(chats[first], "/off")
    await bot_says(control, chats[first], says("Вы не на смене"))
    async with sessions() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(first))
        assert profile is not None
        assert profile.available is False
    await control.user_says(chats[first], "/on")
    await bot_says(control, chats[first], says("Вы на смене"))
    async with sessions() as session:
        profile = await session.get(ExecutorProfile, uuid.UUID(first))
        assert profile is not None
        await session.refresh(profile)
        assert profile.available is True
