"""Committed histories replay against today's workflow code: a change that is not
deterministic for requests already in flight fails here, not in production.

Record new ones with `make test ARGS="tests/workflows --record-histories"`."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.service_request import ServiceRequestWorkflow
from workflows.verification import ExecutorVerificationWorkflow

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

HISTORIES = {
    p.stem: p.read_text() for p in sorted((Path(__file__).parent / "histories").glob("*.json"))
}


def test_there_are_histories_to_replay() -> None:
    assert len(HISTORIES) >= 4, "record them with --record-histories"


@pytest.mark.parametrize("name", HISTORIES)
async def test_history_replays_deterministically(name: str) -> None:
    history = WorkflowHistory.from_json(name, HISTORIES[name])
    replayer = Replayer(workflows=[ServiceRequestWorkflow, ExecutorVerificationWorkflow])
    replayed = await replayer.replay_workflow(history)
    assert replayed.replay_failure is None
