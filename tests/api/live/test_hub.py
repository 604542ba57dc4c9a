"""The live hub's fan-out, visibility and catch-up, without Kafka."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from api.live.hub import QUEUE_SIZE, LiveHub
from domain.lifecycle import Actor, Role, State
from domain.requests import RequestView
from tests.helpers.request_views import request_view

pytestmark = pytest.mark.fast

CUSTOMER = Actor(id=str(uuid.uuid4()), role=Role.CUSTOMER)
OTHER_CUSTOMER = Actor(id=str(uuid.uuid4()), role=Role.CUSTOMER)
EXECUTOR = Actor(id=str(uuid.uuid4()), role=Role.EXECUTOR)
MANAGER = Actor(id=str(uuid.uuid4()), role=Role.MANAGER)
NOW = datetime.now(UTC)


def view(state: State = State.NEW, assignee: str | None = None, rid: str = "") -> RequestView:
    return request_view(
        id=rid or str(uuid.uuid4()), customer_id=CUSTOMER.id, state=state, assignee_id=assignee
    )


def test_each_stream_gets_only_what_its_actor_may_see() -> None:
    hub = LiveHub()
    streams = {who: hub.open(who) for who in (CUSTOMER, OTHER_CUSTOMER, EXECUTOR, MANAGER)}
    hub.publish("request.created", NOW.isoformat(), view())
    hub.publish("request.assigned", NOW.isoformat(), view(State.ASSIGNED, EXECUTOR.id))
    assert len(streams[CUSTOMER].queue) == 2
    assert len(streams[MANAGER].queue) == 2
    assert len(streams[EXECUTOR].queue) == 1
    assert len(streams[OTHER_CUSTOMER].queue) == 0


def test_an_executor_hears_that_a_request_left_them() -> None:
    hub = LiveHub()
    rid = str(uuid.uuid4())
    stream = hub.open(EXECUTOR)
    hub.publish("request.assigned", NOW.isoformat(), view(State.ASSIGNED, EXECUTOR.id, rid))
    hub.publish("request.declined", NOW.isoformat(), view(State.NEW, None, rid), EXECUTOR.id)
    hub.publish("request.started", NOW.isoformat(), view(State.NEW, None, rid))
    first, second = stream.pop(), stream.pop()
    assert first is not None
    assert second is not None
    assert first.visible_to(EXECUTOR)
    assert second.gone_for(EXECUTOR)
    assert not second.visible_to(EXECUTOR)
    assert stream.pop() is None  # told once, then nothing more of a request it cannot see


def test_a_reconnect_gets_what_it_missed_and_nothing_it_may_not_see() -> None:
    hub = LiveHub()
    seen = hub.publish("request.created", NOW.isoformat(), view())
    hub.publish("request.created", NOW.isoformat(), view())
    hub.publish("request.assigned", NOW.isoformat(), view(State.ASSIGNED, EXECUTOR.id))
    missed = hub.missed_since(seen.id, CUSTOMER)
    assert missed is not None
    assert [e.seq for e in missed] == [2, 3]
    executor_missed = hub.missed_since(seen.id, EXECUTOR)
    assert executor_missed is not None
    assert [e.seq for e in executor_missed] == [3]
    assert hub.missed_since(f"{hub.epoch}:3", CUSTOMER) == []


@pytest.mark.parametrize("last_event_id", ["other:1", "garbage", "{epoch}:99", "{epoch}:x"])
def test_an_unknown_position_asks_the_client_to_refetch(last_event_id: str) -> None:
    hub = LiveHub()
    hub.publish("request.created", NOW.isoformat(), view())
    assert hub.missed_since(last_event_id.format(epoch=hub.epoch), CUSTOMER) is None


def test_a_position_older_than_the_ring_asks_for_a_refetch() -> None:
    hub = LiveHub()
    first = hub.publish("request.created", NOW.isoformat(), view())
    for _ in range(2100):
        hub.publish("request.updated", NOW.isoformat(), view())
    assert hub.missed_since(first.id, MANAGER) is None


def test_a_slow_stream_is_told_to_reset_instead_of_blocking_others() -> None:
    hub = LiveHub()
    slow, other = hub.open(MANAGER), hub.open(CUSTOMER)
    for _ in range(QUEUE_SIZE + 5):
        hub.publish("request.created", NOW.isoformat(), view())
    # What it had not read is dropped: its refetch covers that, and it resumes after.
    assert slow.take_reset() == f"{hub.epoch}:{QUEUE_SIZE + 1}"
    assert [e.seq for e in slow.queue] == [QUEUE_SIZE + 2 + i for i in range(4)]
    assert other.reset_to is not None  # both fell behind; neither blocked publishing
    hub.close(slow)
    hub.close(other)
    assert hub.open_streams == 0
