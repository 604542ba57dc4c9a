from datetime import UTC, datetime

import pytest

from domain.lifecycle import Action
from domain.notifications import (
    Audience,
    Channel,
    Kind,
    NotificationTrigger,
    button_data,
    choose_channels,
    concerns_anyone,
    notices_for,
    notification_id,
    parse_button_data,
)

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

REQUEST = "5b0c1f0e-8a3a-4e2b-9a55-0d9d7c1e2f30"


def trigger(event_type: str, **data: object) -> NotificationTrigger:
    return NotificationTrigger(
        event_id="e6a4f7b2-6f39-4a54-8d0c-31f3c1a9b7d1",
        event_type=event_type,
        request_id=REQUEST,
        occurred_at=datetime(2026, 11, 25, tzinfo=UTC),
        actor_id="someone",
        data=dict(data),
    )


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("request.created", [(Kind.REQUEST_CREATED, Audience.CUSTOMER)]),
        ("request.assigned", [(Kind.EXECUTOR_OFFER, Audience.EXECUTOR)]),
        ("request.accepted", [(Kind.REQUEST_ACCEPTED, Audience.CUSTOMER)]),
        ("request.started", [(Kind.REQUEST_STARTED, Audience.CUSTOMER)]),
        ("request.completed", [(Kind.REQUEST_COMPLETED, Audience.CUSTOMER)]),
        ("request.declined", [(Kind.REQUEST_RETURNED, Audience.MANAGERS)]),
        (
            "request.unassigned",
            [
                (Kind.REQUEST_RETURNED, Audience.MANAGERS),
                (Kind.OFFER_GONE, Audience.RELEASED_EXECUTOR),
            ],
        ),
        (
            "request.reassigned",
            [
                (Kind.EXECUTOR_OFFER, Audience.EXECUTOR),
                (Kind.OFFER_GONE, Audience.RELEASED_EXECUTOR),
            ],
        ),
        ("offer.expired", [(Kind.OFFER_GONE, Audience.EXECUTOR)]),
        ("dispatch.escalated", [(Kind.DISPATCH_ESCALATED, Audience.MANAGERS)]),
        (
            "request.cancelled",
            [
                (Kind.REQUEST_CANCELLED, Audience.CUSTOMER),
                (Kind.REQUEST_CANCELLED, Audience.EXECUTOR),
            ],
        ),
        (
            "hr.paperwork_recorded",
            [
                (Kind.DOCUMENTS_READY, Audience.CUSTOMER),
                (Kind.DOCUMENTS_READY, Audience.EXECUTOR),
            ],
        ),
        ("verification.approved", [(Kind.VERIFICATION_APPROVED, Audience.EXECUTOR)]),
        ("request.closed", []),
    ],
)
def test_each_event_reaches_its_audience(event_type: str, expected: list[object]) -> None:
    assert [(n.kind, n.audience) for n in notices_for(trigger(event_type))] == expected
    assert concerns_anyone(event_type) == bool(expected)


def test_sla_breach_goes_to_managers_then_to_head_managers() -> None:
    assert [n.audience for n in notices_for(trigger("sla.breached", tier=1))] == [Audience.MANAGERS]
    assert [n.audience for n in notices_for(trigger("sla.breached", tier=2))] == [
        Audience.HEAD_MANAGERS
    ]


def test_channels_default_by_role_and_never_none() -> None:
    assert choose_channels("executor", None, telegram_linked=True) == [Channel.TELEGRAM]
    # an executor without a linked chat is not left unreachable
    assert choose_channels("executor", None, telegram_linked=False) == [Channel.EMAIL]
    assert choose_channels("customer", None, telegram_linked=False) == [Channel.EMAIL]
    assert choose_channels("executor", ["email", "telegram"], telegram_linked=True) == [
        Channel.EMAIL,
        Channel.TELEGRAM,
    ]
    assert choose_channels("manager", ["telegram"], telegram_linked=False) == [Channel.EMAIL]
    assert choose_channels("customer", ["pigeon"], telegram_linked=False) == [Channel.EMAIL]


def test_notification_ids_are_stable_and_distinct_per_recipient_and_channel() -> None:
    a = notification_id("e1", Kind.REQUEST_CREATED, "u1", Channel.EMAIL)
    assert a == notification_id("e1", Kind.REQUEST_CREATED, "u1", Channel.EMAIL)
    assert a != notification_id("e1", Kind.REQUEST_CREATED, "u1", Channel.TELEGRAM)
    assert a != notification_id("e1", Kind.REQUEST_CREATED, "u2", Channel.EMAIL)
    assert a != notification_id("e2", Kind.REQUEST_CREATED, "u1", Channel.EMAIL)


def test_button_payloads_round_trip_and_reject_anything_else() -> None:
    data = button_data(Action.ACCEPT, REQUEST)
    assert len(data.encode()) <= 64  # Telegram's limit for callback data
    assert parse_button_data(data) == ("accept", REQUEST)
    assert parse_button_data(f"show:{REQUEST}") == ("show", REQUEST)
    for bad in ["", "accept", f"confirm:{REQUEST}", "accept:not-a-uuid", f"drop table:{REQUEST}"]:
        assert parse_button_data(bad) is None


def test_a_step_of_a_dispatch_cascade_tells_the_offeree_not_the_managers() -> None:
    """Declines and withdrawals inside a cascade (their data names the offer) are steps:
    the managers hear once, when it escalates."""
    assert notices_for(trigger("request.declined", offer_no=1)) == []
    withdrawn = trigger("request.unassigned", offer_no=2)
    assert [(n.kind, n.audience) for n in notices_for(withdrawn)] == [
        (Kind.OFFER_GONE, Audience.RELEASED_EXECUTOR)
    ]
