"""The event contract: schema, code and docs agree; the outbox refuses what breaks it."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.events import EVENT_TOPICS
from store import outbox
from store.contract import ContractViolation, known_types
from store.models import OutboxEvent
from store.outbox import EventDraft


def test_schema_and_code_know_the_same_types() -> None:
    assert known_types() == set(EVENT_TOPICS)


def test_docs_list_every_type(repo_root: Path) -> None:
    docs = (repo_root / "docs" / "events.md").read_text()
    missing = [t for t in EVENT_TOPICS if f"`{t}`" not in docs]
    assert missing == []


def _draft(**changes: object) -> EventDraft:
    base: dict[str, object] = {
        "event_id": str(uuid.uuid4()),
        "type": "request.updated",
        "aggregate_id": f"contract-{uuid.uuid4().hex[:8]}",
        "occurred_at": datetime.now(UTC),
        "data": {"x": 1},
    }
    return EventDraft(**(base | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "request.teleported"}, "not in the contract"),
        ({"trace_id": "not-a-trace"}, "trace_id"),
        ({"aggregate_id": "x" * 65}, "aggregate_id"),
        ({"event_id": "not-a-uuid"}, "badly formed|event_id"),
    ],
)
async def test_outbox_refuses_envelopes_that_break_the_contract(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, object], message: str
) -> None:
    draft = _draft(**changes)
    with pytest.raises((ContractViolation, ValueError), match=message):
        async with sessions.begin() as session:
            await outbox.append(session, draft)
    async with sessions() as session:
        stored = (
            await session.execute(
                select(func.count()).where(OutboxEvent.aggregate_id == draft.aggregate_id)
            )
        ).scalar_one()
    assert stored == 0


async def test_seq_is_gap_free_even_when_a_transaction_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    aggregate = f"gapless-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await outbox.append(session, _draft(aggregate_id=aggregate))

    async def failing_change() -> None:
        async with sessions.begin() as session:
            await outbox.append(session, _draft(aggregate_id=aggregate))
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with sessions.begin() as session:
        await outbox.append(session, _draft(aggregate_id=aggregate))
    async with sessions() as session:
        seqs = (
            (
                await session.execute(
                    select(OutboxEvent.seq)
                    .where(OutboxEvent.aggregate_id == aggregate)
                    .order_by(OutboxEvent.seq)
                )
            )
            .scalars()
            .all()
        )
    assert list(seqs) == [1, 2]
