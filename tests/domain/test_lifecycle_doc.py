"""docs/lifecycle.md's transition table says what domain.lifecycle.RULES does, row by row,
so the document a newcomer reads cannot drift from the code."""

from __future__ import annotations

from core.settings import REPO_ROOT
from domain.lifecycle import RULES, Relation, Role, Rule

DOC = REPO_ROOT / "docs" / "lifecycle.md"
MANAGERS = frozenset({Role.MANAGER, Role.HEAD_MANAGER, Role.ADMIN})


def _who(rule: Rule) -> str:
    if frozenset(rule.actors) == MANAGERS:
        return "managers"
    ((role, relation),) = rule.actors.items()
    if role == Role.SYSTEM:
        return "system"
    if relation == Relation.OWNER:
        return "owner"
    assert relation == Relation.ASSIGNEE
    return "assignee (verified)" if rule.needs_verified_assignee else "assignee"


def _row(rule: Rule) -> tuple[str, ...]:
    states = sorted(rule.from_states, key=list(type(next(iter(rule.from_states)))).index)
    return (
        rule.action.value,
        ", ".join(s.value for s in states),
        rule.to_state.value,
        _who(rule),
        rule.event_type,
    )


def _documented_rows() -> list[tuple[str, ...]]:
    lines = DOC.read_text().splitlines()
    start = lines.index("| action | from | to | who | event |") + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(tuple(cell.strip() for cell in line.strip("|").split("|")))
    return rows


def test_the_documented_transitions_are_the_rules() -> None:
    assert _documented_rows() == [_row(rule) for rule in RULES]
