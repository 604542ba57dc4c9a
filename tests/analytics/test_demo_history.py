"""The demo history: the same seed makes the same events, every envelope keeps the event
contract, and loading it (twice) gives one stored request per made-up lifecycle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analytics.demo_history import DISTRICTS, Executor, People, generate
from analytics.rows import event_row
from core.settings import REPO_ROOT, Settings
from devstack import demo
from domain.districts import district_of
from store.contract import validate_envelope

UNTIL = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _envelopes(**kwargs: Any) -> list[tuple[str, dict[str, Any]]]:
    options: dict[str, Any] = {"lifecycles": 300, "days": 30, "seed": 3, "until": UNTIL}
    return list(generate(**(options | kwargs)).envelopes())


@pytest.fixture(scope="module")
def history() -> list[tuple[str, dict[str, Any]]]:
    return _envelopes()


@pytest.mark.fast
def test_the_same_seed_makes_the_same_events(history: list[tuple[str, dict[str, Any]]]) -> None:
    assert _envelopes() == history
    other = {e["event_id"] for _, e in _envelopes(seed=4)}
    assert other.isdisjoint(e["event_id"] for _, e in history)


@pytest.mark.fast
def test_every_envelope_keeps_the_contract_and_makes_a_row(
    history: list[tuple[str, dict[str, Any]]],
) -> None:
    for topic, envelope in history:
        validate_envelope(envelope)
        event_row(topic, envelope)
    assert len({e["event_id"] for _, e in history}) == len(history)


@pytest.mark.fast
def test_seq_is_gap_free_per_aggregate_in_time_order(
    history: list[tuple[str, dict[str, Any]]],
) -> None:
    seen: dict[str, list[tuple[str, int]]] = {}
    for _, e in history:
        seen.setdefault(e["aggregate_id"], []).append((e["occurred_at"], e["seq"]))
    for events in seen.values():
        assert [seq for _, seq in events] == list(range(1, len(events) + 1))
        assert [at for at, _ in events] == sorted(at for at, _ in events)


@pytest.mark.fast
def test_the_history_has_every_kind_of_story(history: list[tuple[str, dict[str, Any]]]) -> None:
    types = Counter(e["type"] for _, e in history)
    assert types["request.created"] == 300
    for kind in (
        "request.closed",
        "request.cancelled",
        "request.declined",
        "request.disputed",
        "request.resolved",
        "sla.breached",
        "payout.recorded",
        "notification.sent",
        "notification.failed",
        "verification.approved",
        "verification.rejected",
        "verification.check_failed",
    ):
        assert types[kind] > 0, kind
    assert {e["actor"]["role"] for _, e in history if e["type"] == "request.cancelled"} == {
        "customer",
        "manager",
    }
    assert {e["data"]["tier"] for _, e in history if e["type"] == "sla.breached"} >= {1, 2}
    channels = {e["data"]["channel"] for _, e in history if e["type"] == "notification.sent"}
    assert channels == {"email", "telegram"}
    assert all(e["occurred_at"] <= UNTIL.isoformat() for _, e in history)


@pytest.mark.fast
def test_addresses_land_in_their_districts() -> None:
    for district, (_, streets) in DISTRICTS.items():
        for street in streets:
            assert district_of(f"Москва, {street}, 7") == district, street


def _plumbing_assignees(lifecycles: int, people: People) -> set[str]:
    events = _envelopes(lifecycles=lifecycles, people=people)
    plumbing = {
        e["aggregate_id"]
        for _, e in events
        if e["type"] == "request.created" and e["data"]["category"] == "plumbing"
    }
    return {
        e["data"]["assignee_id"]
        for _, e in events
        if e["type"] == "request.assigned" and e["aggregate_id"] in plumbing
    }


GIVEN = "11111111-1111-4111-8111-111111111111"


@pytest.mark.fast
def test_given_executors_do_the_work_of_their_skills() -> None:
    people = People(executors=[Executor(GIVEN, ("plumbing",))])
    # 60 requests in 30 days: the plumbing fits one executor's days.
    assert _plumbing_assignees(60, people) == {GIVEN}


@pytest.mark.fast
def test_colleagues_join_where_the_work_would_not_fit_the_given_executors_days() -> None:
    people = People(executors=[Executor(GIVEN, ("plumbing",))])
    # 600 in 30 days: ~11 h of plumbing a day, more than one person is on a job.
    assignees = _plumbing_assignees(600, people)
    assert GIVEN in assignees
    assert len(assignees) >= 3


_LOAD_TWICE = """
import sys
from analytics.demo_history import main
for _ in range(2):
    main(["--lifecycles", "150", "--days", "20", "--seed", "9"])
sys.exit(main(["--if-missing"]))
"""


def _run(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=dict(os.environ, SRA_CLICKHOUSE__DSN=f"chdb://{store}", PYTHONPATH=str(REPO_ROOT)),
        check=True,
        timeout=280,
    )


def test_loading_twice_stores_each_request_once(tmp_path: Path) -> None:
    # Subprocesses: chDB opens one store per process, and this one may hold the run's own.
    store = tmp_path / "clickhouse"
    loaded = _run(store, "-c", _LOAD_TWICE)
    assert "already loaded" in loaded.stderr
    counts = json.loads(_run(store, "-m", "bridges", "analytics-counts").stdout.splitlines()[-1])
    assert counts["requests"] == 150
    written = [line for line in loaded.stderr.splitlines() if "events written" in line]
    assert len(written) == 2
    assert counts["events"] == int(written[0].split()[0]) == int(written[1].split()[0])


@pytest.mark.fast
def test_make_up_knows_a_store_it_seeded_by_a_file_inside_it(tmp_path: Path) -> None:
    settings = Settings().model_copy(
        update={
            "clickhouse": Settings().clickhouse.model_copy(update={"dsn": f"chdb://{tmp_path}"})
        }
    )
    assert demo.history_marker(settings).parent == tmp_path
    assert not demo.history_seeded(settings)
    demo.history_marker(settings).write_text("loaded")
    assert demo.history_seeded(settings)
