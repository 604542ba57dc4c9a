"""The transition table of docs/lifecycle.md, written out independently here."""

import pytest

from domain.events import EVENT_TOPICS, topic_of
from domain.lifecycle import (
    RULES,
    Action,
    Actor,
    ActorNotAllowed,
    RequestFacts,
    Role,
    State,
    StateConflict,
    actions_available,
    decide,
)
from domain.sla import TIERS, TIMEOUT_ACTION, Escalation, Sla, SlaPolicy

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

CUSTOMER = Actor("c1", Role.CUSTOMER)
OTHER_CUSTOMER = Actor("c2", Role.CUSTOMER)
EXECUTOR = Actor("e1", Role.EXECUTOR)
OTHER_EXECUTOR = Actor("e2", Role.EXECUTOR)
MANAGER = Actor("m1", Role.MANAGER)
HEAD = Actor("h1", Role.HEAD_MANAGER)
SYSTEM = Actor("system", Role.SYSTEM)
HR = Actor("hr1", Role.HR)

# (action, actor, from-state, to-state) — every allowed move of the design's table.
ALLOWED = [
    (Action.ASSIGN, MANAGER, State.NEW, State.ASSIGNED),
    (Action.ASSIGN, HEAD, State.NEW, State.ASSIGNED),
    (Action.OFFER, SYSTEM, State.NEW, State.ASSIGNED),
    (Action.REASSIGN, MANAGER, State.ASSIGNED, State.ASSIGNED),
    (Action.REASSIGN, MANAGER, State.ACCEPTED, State.ASSIGNED),
    (Action.WITHDRAW, MANAGER, State.ASSIGNED, State.NEW),
    (Action.ACCEPT, EXECUTOR, State.ASSIGNED, State.ACCEPTED),
    (Action.DECLINE, EXECUTOR, State.ASSIGNED, State.NEW),
    (Action.ACCEPT_TIMEOUT, SYSTEM, State.ASSIGNED, State.NEW),
    (Action.VERIFICATION_REJECTED, SYSTEM, State.ASSIGNED, State.NEW),
    (Action.REQUEUE, SYSTEM, State.ACCEPTED, State.NEW),
    (Action.START, EXECUTOR, State.ACCEPTED, State.IN_PROGRESS),
    (Action.COMPLETE, EXECUTOR, State.IN_PROGRESS, State.COMPLETED),
    (Action.CONFIRM, CUSTOMER, State.COMPLETED, State.CONFIRMED),
    (Action.AUTO_CONFIRM, SYSTEM, State.COMPLETED, State.CONFIRMED),
    (Action.DISPUTE, CUSTOMER, State.COMPLETED, State.DISPUTED),
    (Action.RESOLVE_REWORK, MANAGER, State.DISPUTED, State.IN_PROGRESS),
    (Action.RESOLVE_ACCEPT, MANAGER, State.DISPUTED, State.CONFIRMED),
    (Action.CLOSE, SYSTEM, State.CONFIRMED, State.CLOSED),
    (Action.CANCEL, CUSTOMER, State.NEW, State.CANCELLED),
    (Action.CANCEL, CUSTOMER, State.ASSIGNED, State.CANCELLED),
    (Action.CANCEL, CUSTOMER, State.ACCEPTED, State.CANCELLED),
    (Action.CANCEL, MANAGER, State.NEW, State.CANCELLED),
    (Action.CANCEL, MANAGER, State.ASSIGNED, State.CANCELLED),
    (Action.CANCEL, MANAGER, State.ACCEPTED, State.CANCELLED),
    (Action.CANCEL, MANAGER, State.IN_PROGRESS, State.CANCELLED),
]


def facts(state: State, *, verified: bool = True) -> RequestFacts:
    return RequestFacts(state=state, customer_id="c1", assignee_id="e1", assignee_verified=verified)


@pytest.mark.parametrize(("action", "actor", "source", "target"), ALLOWED)
def test_allowed_moves(action: Action, actor: Actor, source: State, target: State) -> None:
    assert decide(facts(source), action, actor).to_state == target


def test_the_table_has_no_move_the_design_lacks() -> None:
    design = {(a, actor.role, s) for a, actor, s, _ in ALLOWED}
    for rule in RULES:
        for role in rule.actors:
            # Head managers and admins share the managers' rules.
            as_role = Role.MANAGER if role in (Role.HEAD_MANAGER, Role.ADMIN) else role
            for source in rule.from_states:
                assert (rule.action, as_role, source) in design, (rule.action, role, source)


ACTION_ACTORS: list[tuple[Action, Actor]] = sorted(
    {(a, x) for a, x, _, _ in ALLOWED}, key=lambda pair: (pair[0], pair[1].id)
)


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize(("action", "actor"), ACTION_ACTORS)
def test_every_other_state_is_a_conflict_naming_the_transition(
    action: Action, actor: Actor, state: State
) -> None:
    allowed_from = {s for a, x, s, _ in ALLOWED if a == action and x == actor}
    if state in allowed_from:
        return
    with pytest.raises(StateConflict) as refused:
        decide(facts(state), action, actor)
    assert f"cannot '{action}'" in refused.value.message
    assert str(state) in refused.value.message


@pytest.mark.parametrize(
    ("action", "actor"),
    [
        (Action.ASSIGN, CUSTOMER),
        (Action.ASSIGN, EXECUTOR),
        (Action.ACCEPT, MANAGER),
        (Action.ACCEPT, CUSTOMER),
        (Action.CONFIRM, MANAGER),
        (Action.CONFIRM, EXECUTOR),
        (Action.START, CUSTOMER),
        (Action.CANCEL, EXECUTOR),
        (Action.CLOSE, MANAGER),
        (Action.AUTO_CONFIRM, CUSTOMER),
        (Action.RESOLVE_ACCEPT, CUSTOMER),
        (Action.ASSIGN, HR),
    ],
)
def test_wrong_role_is_not_allowed_whatever_the_state(action: Action, actor: Actor) -> None:
    for state in State:
        with pytest.raises(ActorNotAllowed):
            decide(facts(state), action, actor)


def test_only_the_owner_and_the_assignee_act_on_their_request() -> None:
    with pytest.raises(ActorNotAllowed, match="only the customer who filed"):
        decide(facts(State.COMPLETED), Action.CONFIRM, OTHER_CUSTOMER)
    with pytest.raises(ActorNotAllowed, match="only the executor assigned"):
        decide(facts(State.ASSIGNED), Action.ACCEPT, OTHER_EXECUTOR)


def test_customer_cannot_cancel_once_work_started_but_a_manager_can() -> None:
    with pytest.raises(StateConflict, match="by a customer"):
        decide(facts(State.IN_PROGRESS), Action.CANCEL, CUSTOMER)
    assert decide(facts(State.IN_PROGRESS), Action.CANCEL, MANAGER).to_state == State.CANCELLED
    with pytest.raises(StateConflict):
        decide(facts(State.COMPLETED), Action.CANCEL, MANAGER)


def test_an_unverified_assignee_cannot_accept_yet() -> None:
    with pytest.raises(StateConflict, match="waiting for security verification"):
        decide(facts(State.ASSIGNED, verified=False), Action.ACCEPT, EXECUTOR)
    assert decide(facts(State.ASSIGNED, verified=False), Action.DECLINE, EXECUTOR)


def test_available_actions_follow_the_table() -> None:
    assert actions_available(facts(State.ASSIGNED), EXECUTOR) == [Action.ACCEPT, Action.DECLINE]
    assert actions_available(facts(State.COMPLETED), CUSTOMER) == [Action.CONFIRM, Action.DISPUTE]
    assert actions_available(facts(State.CLOSED), MANAGER) == []


def test_every_rule_emits_a_contract_event() -> None:
    for rule in RULES:
        assert topic_of(rule.event_type) == EVENT_TOPICS[rule.event_type]
    with pytest.raises(ValueError, match="not in the contract"):
        topic_of("request.teleported")


def test_sla_policy_covers_every_waiting_state() -> None:
    policy = SlaPolicy(escalation_step_s=10)
    assert set(TIERS) == set(Sla)
    assert {s for s, tiers in TIERS.items() if Escalation.ACT in tiers} == set(TIMEOUT_ACTION)
    assert policy.tier_offset(2).total_seconds() == 20
