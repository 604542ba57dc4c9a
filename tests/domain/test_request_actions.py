"""The action table against the lifecycle, the workflow, the API and the bot: every action
an actor takes has its route, its update and (where an executor acts) its bot button,
and no update name recorded in a history has gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow

from api.main import create_app
from bridges.telegram_bot.texts import BUTTON_LABELS
from core.settings import LOCAL_ENVIRONMENT, Settings
from domain.lifecycle import Action, Role, rules_for
from domain.notifications import Locale, button_data, parse_button_data
from domain.request_actions import ACTION_TABLE, BOT_ACTIONS, entry_of, routes, update_of
from workflows.service_request import ServiceRequestWorkflow

pytestmark = pytest.mark.fast  # pure: no service of the stack (make test-fast)

HISTORIES = Path(__file__).parents[1] / "workflows" / "histories"


def _roles(action: Action) -> set[Role]:
    return {role for rule in rules_for(action) for role in rule.actors}


def _workflow_updates() -> dict[str | None, Any]:
    return dict(workflow._Definition.must_from_class(ServiceRequestWorkflow).updates)


def _recorded_update_names() -> Iterator[str]:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            accepted = node.get("workflowExecutionUpdateAcceptedEventAttributes")
            if accepted is not None:
                yield accepted["acceptedRequest"]["input"]["name"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for path in sorted(HISTORIES.glob("*.json")):
        history = json.loads(path.read_text())
        started = history["events"][0]["workflowExecutionStartedEventAttributes"]
        if started["workflowType"]["name"] == "ServiceRequestWorkflow":
            yield from walk(history)


def test_every_action_has_one_entry() -> None:
    actions = [entry.action for entry in ACTION_TABLE]
    assert sorted(actions) == sorted(Action)


def test_an_action_of_people_is_sent_through_an_update_and_a_route() -> None:
    for action in Action:
        entry = entry_of(action)
        if _roles(action) == {Role.SYSTEM}:
            assert entry.update is None, action
            assert entry.route is None, action
        else:
            assert entry.update is not None, action
            assert entry.route is not None, action


def test_every_update_of_the_table_is_a_validated_update_of_the_workflow() -> None:
    updates = _workflow_updates()
    for entry in ACTION_TABLE:
        if entry.update is not None:
            assert entry.update in updates, entry
            assert updates[entry.update].validator is not None, entry
            assert update_of(entry.action) == entry.update


def test_update_names_recorded_in_histories_are_still_served() -> None:
    recorded = set(_recorded_update_names())
    assert {"assign", "accept", "complete"} <= recorded  # the walk finds them at all
    assert recorded <= set(_workflow_updates())


def test_every_route_of_the_table_is_served() -> None:
    paths = create_app(Settings(environment=LOCAL_ENVIRONMENT)).openapi()["paths"]
    for route, entries in routes().items():
        operation = paths[f"/requests/{{request_id}}/{route}"]["post"]
        assert operation["summary"] == entries[0].summary
        if len(entries) > 1:
            assert all(e.choice for e in entries), "shared routes pick the action by outcome"
            assert len({e.choice for e in entries}) == len(entries)


def test_executors_press_their_actions_in_the_bot() -> None:
    executor_actions = {a for a in Action if Role.EXECUTOR in _roles(a)}
    assert set(BOT_ACTIONS) == executor_actions
    request_id = "0b6c6d7e-6a53-4b8f-9a51-5f2d4c1e9a10"
    for action in BOT_ACTIONS:
        assert set(BUTTON_LABELS[action.value]) == set(Locale), action
        assert parse_button_data(button_data(action, request_id)) == (action.value, request_id)
