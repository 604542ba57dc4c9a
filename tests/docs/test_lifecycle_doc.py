"""docs/lifecycle.md's tables say what domain.lifecycle.RULES and domain.sla do, row by
row, so the document a newcomer reads cannot drift from the code."""

from __future__ import annotations

import pytest

from core.settings import REPO_ROOT, SlaSettings
from domain.lifecycle import RULES, STAFF_ROLES, Relation, Role, Rule, State
from domain.sla import SLA_OF_STATE, Sla

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

DOC = REPO_ROOT / "docs" / "lifecycle.md"


def _table(header: str) -> list[tuple[str, ...]]:
    """The rows of the table whose header line is `header`."""
    lines = DOC.read_text().splitlines()
    start = lines.index(header) + 2  # past the header and its |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(tuple(cell.strip() for cell in line.strip("|").split("|")))
    return rows


def _who(rule: Rule) -> str:
    if frozenset(rule.actors) == STAFF_ROLES:
        return "managers"
    ((role, relation),) = rule.actors.items()
    if role == Role.SYSTEM:
        return "system"
    if relation == Relation.OWNER:
        return "owner"
    assert relation == Relation.ASSIGNEE
    return "assignee (verified)" if rule.needs_verified_assignee else "assignee"


def _row(rule: Rule) -> tuple[str, ...]:
    states = [s.value for s in State if s in rule.from_states]  # in lifecycle order
    return (rule.action.value, ", ".join(states), rule.to_state.value, _who(rule), rule.event_type)


def test_the_documented_transitions_are_the_rules() -> None:
    documented = _table("| action | from | to | who | event |")
    assert documented == [_row(rule) for rule in RULES]


def test_the_documented_sla_stages_and_defaults_are_the_code() -> None:
    rows = _table("| state | stage | default | tiers (one escalation step apart, default 1 h) |")
    assert [(state, stage) for state, stage, *_ in rows] == [
        (state.value, sla.value) for state, sla in SLA_OF_STATE.items()
    ]
    policy = SlaSettings().policy()
    for _, stage, default, _ in rows:
        hours = float(default.split(" h")[0])
        assert hours * 3600 == policy.duration(Sla(stage)).total_seconds(), stage
    assert policy.escalation_step_s == 3600
