"""Demo data: every role, executors in both verification states, requests in every
state of the lifecycle; seeding twice changes nothing."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bridges.telegram_bot.runner import BotRuntime
from core.settings import Settings
from devstack import demo
from store.models import ExecutorProfile, OutboxEvent, RequestTransition, ServiceRequest, User


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


async def test_seed_is_complete_and_idempotent(
    settings: Settings, worker: None, bot: BotRuntime, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await demo.seed(settings)
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
    assert roles == {"admin", "head_manager", "manager", "security", "hr", "customer", "executor"}
    assert verification == {"verified", "unverified"}
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
