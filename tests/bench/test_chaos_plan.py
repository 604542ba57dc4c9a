"""The chaos run's fault plan: the documented order, and one process of a worker kind
run as several (the issue's "kill -9 of any worker process")."""

import pytest

from bench.chaos import plan

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

PROGRAMS = [
    "redis",
    "worker-requests-2",
    "api",
    "worker-requests-1",
    "worker-paperwork-1",
    "postgres",
    "bridges",
    "kafka",
]


def test_faults_come_in_the_documented_order() -> None:
    kinds = [f.kind for f in plan(PROGRAMS)]
    assert kinds == [
        "api",
        "worker-paperwork",
        "worker-requests",
        "bridges",
        "kafka",
        "postgres",
        "redis",
    ]


def test_a_replicated_worker_kind_loses_one_process_unless_all_are_asked_for() -> None:
    one = {f.kind: f.programs for f in plan(PROGRAMS)}
    every = {f.kind: f.programs for f in plan(PROGRAMS, all_replicas=True)}
    assert one["worker-requests"] == ("worker-requests-1",)
    assert every["worker-requests"] == ("worker-requests-1", "worker-requests-2")
    assert one["worker-paperwork"] == every["worker-paperwork"] == ("worker-paperwork-1",)
    assert {f.how for f in plan(PROGRAMS, ["postgres", "api"])} == {"restart", "kill"}
