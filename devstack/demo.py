"""Demo data for a newcomer's first `make up`: an account for every role, executors with
skills (verified and not), and requests standing in every state of the lifecycle.

Idempotent: accounts are found by email, requests by their Idempotency-Key, and each
action carries a fixed key (the workflow runs an update id once), so running it again
changes nothing. Requests are created through the same services as the API, so the
workflows, history and outbox are real."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from temporalio.client import Client

from core.security import hash_password
from core.settings import REPO_ROOT, Settings
from devstack.emulators.tax_service import DEMO_NOT_SELF_EMPLOYED_INN, DEMO_SELF_EMPLOYED_INNS
from devstack.emulators.telegram_control import TelegramEmulatorControl
from devstack.local_secrets import child_environment
from devstack.progress import say
from devstack.services import python_environment
from domain.lifecycle import Action, Actor, Role, TransitionError
from services.errors import ServiceError
from services.requests import RequestCommands, RequestDraft
from services.telegram_link import TelegramLinks
from services.verification import Documents, Verifications
from store import users
from store.models import ExecutorProfile, ServiceRequest

PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: Role
    skills: tuple[str, ...] = ()
    verified: bool = True
    expired: bool = False  # verified a year ago: must re-verify before new work
    # Documents this executor submits through the verification workflow on seeding.
    submits_inn: str | None = None


ACCOUNTS = (
    DemoAccount("admin@example.com", "Администратор Платформы", Role.ADMIN),
    DemoAccount("head@example.com", "Ольга Руководитель", Role.HEAD_MANAGER),
    DemoAccount("manager@example.com", "Михаил Диспетчер", Role.MANAGER),
    DemoAccount("security@example.com", "Сергей Безопасность", Role.SECURITY),
    DemoAccount("hr@example.com", "Елена Кадры", Role.HR),
    DemoAccount("anna@example.com", "Анна Иванова", Role.CUSTOMER),
    DemoAccount("boris@example.com", "Борис Смирнов", Role.CUSTOMER),
    DemoAccount(
        "ivan.plumber@example.com", "Иван Сантехник", Role.EXECUTOR, ("plumbing", "heating")
    ),
    DemoAccount(
        "petr.electric@example.com", "Пётр Электрик", Role.EXECUTOR, ("electrics", "installation")
    ),
    DemoAccount("maria.clean@example.com", "Мария Клининг", Role.EXECUTOR, ("cleaning",)),
    DemoAccount(
        "new.plumber@example.com",
        "Новый Сантехник (не проверен)",
        Role.EXECUTOR,
        ("plumbing",),
        verified=False,
    ),
    DemoAccount(
        "olga.painter@example.com",
        "Ольга Маляр (ждёт решения СБ)",
        Role.EXECUTOR,
        ("painting",),
        verified=False,
        submits_inn=DEMO_SELF_EMPLOYED_INNS[0],
    ),
    DemoAccount(
        "kirill.carpenter@example.com",
        "Кирилл Столяр (не прошёл проверку)",
        Role.EXECUTOR,
        ("carpentry",),
        verified=False,
        submits_inn=DEMO_NOT_SELF_EMPLOYED_INN,
    ),
    DemoAccount(
        "oleg.installer@example.com",
        "Олег Монтажник (проверка истекла)",
        Role.EXECUTOR,
        ("installation",),
        expired=True,
    ),
    DemoAccount("head.security@example.com", "Глеб Начальник СБ", Role.HEAD_SECURITY),
)

# (key, customer, category, description, address, executor, steps to apply)
ASSIGN, ACCEPT, START, COMPLETE, CONFIRM, DISPUTE, CANCEL = (
    Action.ASSIGN,
    Action.ACCEPT,
    Action.START,
    Action.COMPLETE,
    Action.CONFIRM,
    Action.DISPUTE,
    Action.CANCEL,
)
REQUESTS = (
    (
        "demo-new-1",
        "anna",
        "plumbing",
        "Течёт смеситель на кухне",
        "Москва, Тверская ул., 1",
        None,
        (),
    ),
    (
        "demo-new-2",
        "boris",
        "cleaning",
        "Генеральная уборка после ремонта",
        "Москва, Арбат, 10",
        None,
        (),
    ),
    (
        "demo-assigned",
        "anna",
        "electrics",
        "Не работают две розетки в спальне",
        "Москва, Тверская ул., 1",
        "petr",
        (ASSIGN,),
    ),
    (
        "demo-waiting-verification",
        "boris",
        "plumbing",
        "Заменить унитаз",
        "Москва, Арбат, 10",
        "new",
        (ASSIGN,),
    ),
    (
        "demo-accepted",
        "boris",
        "cleaning",
        "Мойка окон",
        "Москва, Арбат, 10",
        "maria",
        (ASSIGN, ACCEPT),
    ),
    (
        "demo-in-progress",
        "anna",
        "plumbing",
        "Установить водонагреватель",
        "Москва, Тверская ул., 1",
        "ivan",
        (ASSIGN, ACCEPT, START),
    ),
    (
        "demo-completed",
        "boris",
        "electrics",
        "Повесить люстру",
        "Москва, Арбат, 10",
        "petr",
        (ASSIGN, ACCEPT, START, COMPLETE),
    ),
    (
        "demo-disputed",
        "anna",
        "cleaning",
        "Уборка кухни",
        "Москва, Тверская ул., 1",
        "maria",
        (ASSIGN, ACCEPT, START, COMPLETE, DISPUTE),
    ),
    (
        "demo-closed",
        "anna",
        "plumbing",
        "Прочистить засор в ванной",
        "Москва, Тверская ул., 1",
        "ivan",
        (ASSIGN, ACCEPT, START, COMPLETE, CONFIRM),
    ),
    (
        "demo-cancelled",
        "boris",
        "plumbing",
        "Поменять кран",
        "Москва, Арбат, 10",
        "ivan",
        (ASSIGN, CANCEL),
    ),
)
# Requests of the auto-dispatched categories (devstack/local_secrets.DEMO_AUTO_CATEGORIES),
# one left in each state of its offer cascade: (key, customer, category, description,
# the executor the offer goes to, what they or the manager do with it, in order).
WITHDRAW, DECLINE = Action.WITHDRAW, Action.DECLINE
CASCADES = (
    ("demo-cascade-accepted", "anna", "heating", "Не греет батарея в детской", "ivan", ACCEPT),
    ("demo-cascade-stopped", "boris", "heating", "Промыть систему отопления", "ivan", WITHDRAW),
    # Petr declines; the only other installer's verification ran out: the managers' turn.
    ("demo-cascade-escalated", "boris", "installation", "Установить кондиционер", "petr", DECLINE),
    ("demo-cascade-offering", "anna", "installation", "Повесить телевизор на стену", "petr", None),
)
SHORT = {
    "anna": "anna@example.com",
    "boris": "boris@example.com",
    "ivan": "ivan.plumber@example.com",
    "petr": "petr.electric@example.com",
    "maria": "maria.clean@example.com",
    "new": "new.plumber@example.com",
    "manager": "manager@example.com",
}


async def seed(settings: Settings) -> list[DemoAccount]:
    engine = create_async_engine(settings.postgres.url())
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        ids = await _accounts(sessions)
        if settings.telegram.uses_emulator:
            await _link_telegram(settings, sessions, ids)
        client = await Client.connect(
            settings.temporal.address, namespace=settings.temporal.namespace
        )
        commands = RequestCommands.from_settings(client, sessions, settings)
        await _submit_documents(settings, client, sessions, ids)
        for spec in REQUESTS:
            await _request(commands, ids, *spec)
        for cascade in CASCADES:
            # Only where the category is auto-dispatched (make up switches them on).
            if settings.dispatch.cascade_for(cascade[2]) is not None:
                await _cascade(commands, sessions, ids, *cascade)
    finally:
        await engine.dispose()
    return list(ACCOUNTS)


# Stable chat ids, so the emulator's page shows the same chats after every `make up`.
DEMO_CHATS = {"ivan": 7_000_000_001, "petr": 7_000_000_002, "maria": 7_000_000_003}


async def _link_telegram(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], ids: dict[str, Actor]
) -> None:
    """Link the verified demo executors' chats the way an executor does: a code from the
    account, sent to the bot. The emulator forgets chats when it restarts, so this runs
    on every `make up`."""
    redis = Redis.from_url(settings.redis.url)
    links = TelegramLinks(sessions, redis, settings.telegram.link_code_ttl_s)
    try:
        async with TelegramEmulatorControl(settings.telegram.base_url) as control:
            for short, chat in DEMO_CHATS.items():
                account = next(a for a in ACCOUNTS if a.email == SHORT[short])
                code = await links.issue_code(ids[account.email].id)
                first_name = account.full_name.split()[0]
                await control.user_says(
                    chat, f"/start {code.code}", user={"first_name": first_name}
                )
                await _until_linked(links, chat)
    finally:
        await redis.aclose()


async def _until_linked(links: TelegramLinks, chat: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while await links.executor_of_chat(chat) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not link demo chat {chat}; see `make logs S=bot`")
        await asyncio.sleep(0.1)


# Checksum-valid INNs of the demo executors verified before the platform kept documents.
DEMO_VERIFIED_INNS = {
    "ivan.plumber@example.com": DEMO_SELF_EMPLOYED_INNS[1],
    "petr.electric@example.com": DEMO_SELF_EMPLOYED_INNS[2],
    "maria.clean@example.com": DEMO_SELF_EMPLOYED_INNS[3],
    "oleg.installer@example.com": DEMO_SELF_EMPLOYED_INNS[4],
}


def _status_of(account: DemoAccount) -> str:
    if account.expired:
        return "expired"
    return "verified" if account.verified else "unverified"


def _until_of(account: DemoAccount) -> datetime | None:
    if account.expired:
        return datetime.now(UTC) - timedelta(days=12)
    return datetime.now(UTC) + timedelta(days=365) if account.verified else None


async def _submit_documents(
    settings: Settings,
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    ids: dict[str, Actor],
) -> None:
    """Executors who are mid-verification in the demo go through the real workflow
    (checks, tax service) once; a later seed finds them already submitted."""
    service = Verifications.from_settings(client, sessions, settings)
    for account in ACCOUNTS:
        if account.submits_inn is None:
            continue
        executor_id = ids[account.email].id
        if (await service.status(executor_id)).state != "unverified":
            continue
        await service.submit(
            executor_id,
            Documents(
                account.full_name.split(" (")[0],
                account.submits_inn,
                "45 06",
                "654321",
                date(1988, 3, 14),
            ),
        )


async def _accounts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Actor]:
    ids: dict[str, Actor] = {}
    password_hash = hash_password(PASSWORD)
    async with sessions.begin() as session:
        for account in ACCOUNTS:
            user = await users.by_email(session, account.email)
            if user is None:
                user = await users.add(
                    session,
                    email=account.email,
                    password_hash=password_hash,
                    full_name=account.full_name,
                    role=account.role,
                )
                if account.role == Role.EXECUTOR:
                    await users.add_executor_profile(
                        session,
                        user,
                        skills=list(account.skills),
                        service_area="Москва",
                        verification_status=_status_of(account),
                        verified_until=_until_of(account),
                    )
                    profile = await session.get(ExecutorProfile, user.id)
                    if profile is not None and (account.verified or account.expired):
                        profile.inn = DEMO_VERIFIED_INNS[account.email]
                elif account.role == Role.CUSTOMER:
                    await users.add_customer_profile(session, user)
            ids[account.email] = Actor(str(user.id), Role(user.role))
    return ids


async def _request(
    commands: RequestCommands,
    ids: dict[str, Actor],
    key: str,
    customer: str,
    category: str,
    description: str,
    address: str,
    executor: str | None,
    steps: tuple[Action, ...],
) -> None:
    owner = ids[SHORT[customer]]
    view, _ = await commands.create(
        owner.id, key, RequestDraft(category, description, address, budget="3000.00")
    )
    worker = ids[SHORT[executor]] if executor else None
    manager = ids[SHORT["manager"]]
    for action in steps:
        actor = {ASSIGN: manager, CONFIRM: owner, DISPUTE: owner, CANCEL: owner}.get(action, worker)
        assert actor is not None
        try:
            await commands.act(
                view.id,
                action,
                actor,
                idempotency_key=f"{key}-{action}",
                executor_id=worker.id if action == ASSIGN and worker else None,
                report="Работа выполнена, фото приложены" if action == COMPLETE else None,
                reason="Демо" if action in (DISPUTE, CANCEL) else None,
            )
        except (TransitionError, ServiceError):
            return  # already further along (an earlier seed run); nothing to redo


async def _cascade(
    commands: RequestCommands,
    sessions: async_sessionmaker[AsyncSession],
    ids: dict[str, Actor],
    key: str,
    customer: str,
    category: str,
    description: str,
    offeree: str,
    answer: Action | None,
) -> None:
    owner, executor = ids[SHORT[customer]], ids[SHORT[offeree]]
    address = "Москва, Тверская ул., 1" if customer == "anna" else "Москва, Арбат, 10"
    view, _ = await commands.create(
        owner.id, key, RequestDraft(category, description, address, budget="4500.00")
    )
    if answer is None or not await _offered(sessions, view.id, executor.id):
        return  # left open, or an earlier seed run answered it already
    actor = ids[SHORT["manager"]] if answer == WITHDRAW else executor
    reason = {WITHDRAW: "Назначу сам", DECLINE: "Нет нужного инструмента"}.get(answer)
    try:
        await commands.act(view.id, answer, actor, idempotency_key=f"{key}-{answer}", reason=reason)
    except (TransitionError, ServiceError):
        return  # the offer moved on meanwhile; the cascade carries on by itself


async def _offered(
    sessions: async_sessionmaker[AsyncSession], request_id: str, executor_id: str
) -> bool:
    """Whether the request's cascade has its offer open with the executor (waiting a
    little for the workflow to make it); False once it is past that."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with sessions() as session:
            row = await session.get(ServiceRequest, uuid.UUID(request_id))
        if row is not None and row.state == "assigned" and str(row.assignee_id) == executor_id:
            return True
        if row is not None and row.dispatch not in (None, "offering"):
            return False
        await asyncio.sleep(0.2)
    return False


# ---- months of analytics history ---------------------------------------------------------

HISTORY_LIFECYCLES = 3000
# The demo executors with a past: verified ones and the one whose approval ran out.
HISTORY_EXECUTORS = (
    "ivan.plumber@example.com",
    "petr.electric@example.com",
    "maria.clean@example.com",
    "oleg.installer@example.com",
)


def history_marker(settings: Settings) -> Path:
    """Written once the analytics store holds the demo history. Inside the embedded
    store's own directory, so a store that is deleted is seeded again; with a server, in
    the state dir, one per DSN."""
    dsn = settings.clickhouse_dsn
    if settings.clickhouse_embedded:
        return Path(dsn.removeprefix("chdb://")) / ".demo-history-loaded"
    digest = hashlib.sha256(f"{dsn}/{settings.clickhouse.database}".encode()).hexdigest()[:12]
    return settings.state_dir.resolve() / f"analytics-demo-history-{digest}"


def history_seeded(settings: Settings) -> bool:
    return history_marker(settings).exists()


def seed_history(settings: Settings) -> bool:
    """Load the analytics demo history, about the demo people, in a process of its own
    (it opens the embedded store, which the API must not hold meanwhile). Its progress
    goes to the console. A failure is reported, not raised: the platform works without."""
    ids = asyncio.run(_account_ids(settings))
    people = {
        "managers": [ids[a.email].id for a in ACCOUNTS if a.role == Role.MANAGER],
        "head_managers": [ids[a.email].id for a in ACCOUNTS if a.role == Role.HEAD_MANAGER],
        "security": [
            ids[a.email].id for a in ACCOUNTS if a.role in (Role.SECURITY, Role.HEAD_SECURITY)
        ],
        "hr": [ids[a.email].id for a in ACCOUNTS if a.role == Role.HR],
        "executors": [
            {"id": ids[a.email].id, "skills": list(a.skills)}
            for a in ACCOUNTS
            if a.email in HISTORY_EXECUTORS
        ],
    }
    marker = history_marker(settings)
    marker.parent.mkdir(parents=True, exist_ok=True)
    people_file = settings.state_dir.resolve() / "demo-history-people.json"
    people_file.write_text(json.dumps(people))
    environment = {
        **os.environ,
        **python_environment(settings),
        **child_environment(settings),
        "SRA_CLICKHOUSE__DSN": settings.clickhouse_dsn,
        "SRA_CLICKHOUSE__DATABASE": settings.clickhouse.database,
    }
    command = [sys.executable, "-m", "analytics.demo_history", "--if-missing"]
    command += ["--lifecycles", str(HISTORY_LIFECYCLES), "--people", str(people_file)]
    result = subprocess.run(command, env=environment, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        say(
            f"  ! the analytics demo history was not loaded (exit {result.returncode}); "
            "the next `make up` tries again"
        )
        return False
    marker.write_text(datetime.now(UTC).isoformat())
    return True


async def _account_ids(settings: Settings) -> dict[str, Actor]:
    engine = create_async_engine(settings.postgres.url())
    try:
        return await _accounts(async_sessionmaker(engine, expire_on_commit=False))
    finally:
        await engine.dispose()
