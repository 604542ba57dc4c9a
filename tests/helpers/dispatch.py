"""Shared facts of the dispatch tests: the category the test run's API auto-dispatches,
and an executor every rule of eligibility lets through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.dispatch import ExecutorFacts, RequestNeeds

# Set in the run's settings (tests/conftest.py); tests/api/test_dispatch.py files it.
AUTO_DISPATCHED = "auto-dispatched"

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
NEEDS = RequestNeeds("plumbing", "ЦАО", window_end=NOW + timedelta(days=2), now=NOW)
ABLE = ExecutorFacts(
    executor_id="e-able",
    skills=frozenset({"plumbing"}),
    districts=frozenset({"ЦАО", "ЮЗАО"}),
    verified=True,
    verified_until=NOW + timedelta(days=200),
    on_duty=True,
    capacity=3,
    open_jobs=1,
)
