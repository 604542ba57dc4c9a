"""Demo data: every role, executors in both verification states, requests in every
state of the lifecycle; seeding twice changes nothing."""

import json

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.main import create_app
from bridges.telegram_bot.runner import BotRuntime
from core.settings import Settings
from devstack import demo
from devstack.emulators.tax_service import RunningTaxService
from devstack.local_secrets import DEMO_AUTO_CATEGORIES
from store.models import (
    Document,
    ExecutorProfile,
    OutboxEvent,
    RequestTransition,
    ServiceRequest,
    User,
)
from tests.helpers.polling import until


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    demo_ids = select(ServiceRequest.id).where(ServiceRequest.idempotency_key.like("demo-%"))
    async with sessions() as session:
        return [
            (await session.execute(select(func.count()).where(condition))).scalar_one()
            for condition in (
                ServiceRequest.id.in_(demo_ids),
                RequestTransition.request_id.in_(demo_ids),
                OutboxEvent.aggregate_id.in_(
                    select(func.cast(demo_ids.subquery().c.id, OutboxEvent.aggregate_id.type))
                ),
            )
        ]


async def _cascades(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str | None]:
    """Where each demo cascade stands; an open offer counts once it is made."""
    async with sessions() as session:
        rows = await session.execute(
            select(ServiceRequest.idempotency_key, ServiceRequest.dispatch).where(
                ServiceRequest.idempotency_key.like("demo-cascade-%")
            )
        )
        return {key: state for key, state in rows.all()}


async def _only_demo_executors_on_duty(sessions: async_sessionmaker[AsyncSession]) -> None:
    demo_emails = [a.email for a in demo.ACCOUNTS]
    others = select(User.id).where(User.email.not_in(demo_emails))
    async with sessions.begin() as session:
        await session.execute(
            update(ExecutorProfile)
            .where(
                ExecutorProfile.user_id.in_(others),
                ExecutorProfile.skills.overlap(list(DEMO_AUTO_CATEGORIES)),
            )
            .values(available=False)
        )


async def _closed(sessions: async_sessionmaker[AsyncSession], key: str) -> bool:
    async with sessions() as session:
        state = await session.scalar(
            select(ServiceRequest.state).where(ServiceRequest.idempotency_key == key)
        )
    return state == "closed"


async def test_seed_is_complete_and_idempotent(
    settings: Settings,
    worker: None,
    bot: BotRuntime,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tax_service.emulator.seed_demo()
    # On a fresh stack the demo's executors are the only ones with the auto-dispatched
    # skills; here other tests' executors may have them too: off duty, as if not there.
    await _only_demo_executors_on_duty(sessions)
    # As `make up` runs it: with the demo's auto-dispatched categories.
    settings = settings.model_copy(
        update={
            "dispatch": settings.dispatch.model_copy(
                update={"auto_categories": list(DEMO_AUTO_CATEGORIES)}
            )
        }
    )
    await demo.seed(settings)
    # The seed returns once the customer confirmed; paperwork and the close follow on
    # the paperwork queue, so count what the first seed made only once they are done.
    await until(lambda: _closed(sessions, "demo-closed"), what="demo-closed closed")
    # Every state of the offer cascade stands in the demo (their workflows make the
    # offers after the seed returns: counted once they have).
    every_state = {
        "demo-cascade-accepted": "accepted",
        "demo-cascade-stopped": "stopped",
        "demo-cascade-escalated": "escalated",
        "demo-cascade-offering": "offering",
    }

    async def cascades_settled() -> bool:
        return await _cascades(sessions) == every_state

    await until(cascades_settled, timeout_s=90, what="the demo cascades in every state")
    first = await _counts(sessions)
    await demo.seed(settings)
    assert await _counts(sessions) == first

    emails = [a.email for a in demo.ACCOUNTS]
    async with sessions() as session:
        roles = set(
            (await session.execute(select(User.role).where(User.email.in_(emails)))).scalars()
        )
        verification = set(
            (
                await session.execute(
                    select(ExecutorProfile.verification_status)
                    .join(User, User.id == ExecutorProfile.user_id)
                    .where(User.email.in_(emails))
                )
            ).scalars()
        )
        states = set(
            (
                await session.execute(
                    select(ServiceRequest.state).where(
                        ServiceRequest.idempotency_key.like("demo-%")
                    )
                )
            ).scalars()
        )
    assert roles == {
        "admin",
        "head_manager",
        "manager",
        "security",
        "head_security",
        "hr",
        "customer",
        "executor",
    }
    assert {"verified", "unverified", "expired"} <= verification
    assert (
        states
        >= {
            "new",
            "assigned",
            "accepted",
            "in_progress",
            "completed",
            "disputed",
            "cancelled",
            "confirmed",
        }
        - {"confirmed"}
        | {"closed"} - set()
    )


async def test_seed_links_the_demo_executors_chats_through_the_bot(
    settings: Settings, worker: None, bot: BotRuntime, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await demo.seed(settings)
    async with sessions() as session:
        chats = dict(
            (
                await session.execute(
                    select(User.email, ExecutorProfile.telegram_chat_id).join(
                        ExecutorProfile, ExecutorProfile.user_id == User.id
                    )
                )
            ).all()
        )
    assert {demo.SHORT[short]: chat for short, chat in demo.DEMO_CHATS.items()} == {
        email: chats[email] for email in (demo.SHORT[s] for s in demo.DEMO_CHATS)
    }
    assert chats["new.plumber@example.com"] is None


async def test_demo_executors_stand_in_every_verification_state(
    settings: Settings,
    worker: None,
    bot: BotRuntime,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tax_service.emulator.seed_demo()
    await demo.seed(settings)
    expected = {
        "ivan.plumber@example.com": "verified",
        "new.plumber@example.com": "unverified",
        "olga.painter@example.com": "awaiting_decision",  # checks passed, officer's turn
        "kirill.carpenter@example.com": "rejected",  # not self-employed
        "oleg.installer@example.com": "expired",
    }

    async def statuses() -> dict[str, str] | None:
        async with sessions() as session:
            rows = await session.execute(
                select(User.email, ExecutorProfile.verification_status)
                .join(ExecutorProfile, ExecutorProfile.user_id == User.id)
                .where(User.email.in_(expected))
            )
            found = dict(rows.all())
        return found if found == expected else None

    await until(statuses, timeout_s=30, what="demo verification states")


async def test_the_closed_demo_request_has_its_act_contract_and_payout(
    settings: Settings,
    worker: None,
    bot: BotRuntime,
    tax_service: RunningTaxService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await demo.seed(settings)

    async def kinds() -> set[str] | None:
        async with sessions() as session:
            found = await session.execute(
                select(Document.kind)
                .join(ServiceRequest, ServiceRequest.id == Document.request_id)
                .where(ServiceRequest.idempotency_key == "demo-closed")
            )
            got = set(found.scalars())
        return got if got == {"act", "contract", "payout"} else None

    await until(kinds, timeout_s=60, what="the demo request's documents")


def test_no_example_in_the_api_docs_names_a_demo_account(settings: Settings) -> None:
    """Trying an example from /docs on a demo stack (or a contract run fuzzing from the
    examples) must not register or create a demo person's email under someone else."""
    schema = json.dumps(create_app(settings).openapi())
    taken = [a.email for a in demo.ACCOUNTS if a.email in schema]
    assert taken == []
