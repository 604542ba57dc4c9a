"""Eligibility and the candidate score of dispatch (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.dispatch import (
    NEUTRAL,
    Factor,
    Ineligible,
    Weights,
    rank,
    reasons_against,
    score,
)
from tests.helpers.dispatch import ABLE, NEEDS, NOW

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"skills": frozenset({"electrical"})}, Ineligible.NO_SKILL),
        ({"districts": frozenset({"ЮЗАО"})}, Ineligible.OUTSIDE_AREA),
        ({"verified": False}, Ineligible.NOT_VERIFIED),
        ({"verified_until": NOW + timedelta(days=1)}, Ineligible.VERIFICATION_ENDS),
        ({"on_duty": False}, Ineligible.OFF_DUTY),
        ({"open_jobs": 3}, Ineligible.AT_CAPACITY),
    ],
)
def test_each_rule_refuses_with_its_reason(change: dict[str, object], reason: Ineligible) -> None:
    assert reasons_against(NEEDS, ABLE) == []
    assert reasons_against(NEEDS, replace(ABLE, **change)) == [reason]  # type: ignore[arg-type]


def test_an_executor_with_no_districts_serves_the_whole_city() -> None:
    anywhere = replace(ABLE, districts=frozenset())
    assert reasons_against(NEEDS, anywhere) == []
    area = next(p for p in score(NEEDS, anywhere, Weights()).parts if p.factor == Factor.AREA)
    assert (area.value, area.why) == (NEUTRAL, "serves the whole city")


def test_verification_must_last_until_the_window_ends_or_now_without_one() -> None:
    short = replace(ABLE, verified_until=NOW + timedelta(hours=1))
    assert reasons_against(NEEDS, short) == [Ineligible.VERIFICATION_ENDS]
    assert reasons_against(replace(NEEDS, window_end=None), short) == []


def test_the_score_is_the_sum_of_its_weighted_parts_and_explains_each() -> None:
    facts = replace(ABLE, rating=4.0, offers=10, accepted=8, jobs_with_sla=20, sla_breaches=5)
    candidate = score(NEEDS, facts, Weights(load=3, rating=2, acceptance=1, sla=1, area=1))
    values = {p.factor: (p.value, p.points) for p in candidate.parts}
    assert values[Factor.LOAD] == pytest.approx((2 / 3, 2.0))
    assert values[Factor.RATING] == (0.75, 1.5)
    assert values[Factor.ACCEPTANCE] == (0.8, 0.8)
    assert values[Factor.SLA] == (0.75, 0.75)
    assert values[Factor.AREA] == (1.0, 1.0)
    assert candidate.score == pytest.approx(6.05)
    assert [p.why for p in candidate.parts] == [
        "1 of 3 places taken",
        "rated 4.0 of 5",
        "accepted 8 of 10 offers",
        "SLA kept on 15 of 20 jobs",
        "serves ЦАО",
    ]


def test_a_newcomer_is_neutral_where_there_is_no_record() -> None:
    parts = {p.factor: p.value for p in score(NEEDS, ABLE, Weights()).parts}
    assert parts[Factor.RATING] == parts[Factor.ACCEPTANCE] == parts[Factor.SLA] == NEUTRAL


def test_the_ranking_puts_the_best_first_and_lists_the_refused_with_reasons() -> None:
    busy = replace(ABLE, executor_id="e-busy", open_jobs=2)
    idle = replace(ABLE, executor_id="e-idle", open_jobs=0)
    twin = replace(ABLE, executor_id="e-twin")  # same score as e-able, same load
    away = replace(ABLE, executor_id="e-away", on_duty=False, skills=frozenset())
    ranking = rank(NEEDS, [busy, away, twin, ABLE, idle], Weights())
    assert [c.executor_id for c in ranking.candidates] == ["e-idle", "e-able", "e-twin", "e-busy"]
    assert [(r.executor_id, r.reasons) for r in ranking.refused] == [
        ("e-away", [Ineligible.NO_SKILL, Ineligible.OFF_DUTY])
    ]


def test_weights_decide_what_matters() -> None:
    loaded_star = replace(ABLE, executor_id="star", open_jobs=2, rating=5.0)
    idle_rookie = replace(ABLE, executor_id="rookie", open_jobs=0, rating=2.0)
    by_load = rank(NEEDS, [loaded_star, idle_rookie], Weights(load=5, rating=1))
    by_rating = rank(NEEDS, [loaded_star, idle_rookie], Weights(load=1, rating=5))
    assert by_load.candidates[0].executor_id == "rookie"
    assert by_rating.candidates[0].executor_id == "star"


def test_each_part_gives_the_numbers_of_its_explanation() -> None:
    """A client that speaks another language words the parts from these numbers."""
    rated = replace(ABLE, rating=4.5, offers=4, accepted=3, jobs_with_sla=5, sla_breaches=1)
    facts = {p.factor: p.facts for p in score(NEEDS, rated, Weights()).parts}
    assert facts == {
        Factor.LOAD: {"held": 1, "capacity": 3},
        Factor.RATING: {"rating": 4.5},
        Factor.ACCEPTANCE: {"accepted": 3, "offers": 4},
        Factor.SLA: {"kept": 4, "jobs": 5},
        Factor.AREA: {"district": "ЦАО"},
    }
    fresh = {
        p.factor: p.facts
        for p in score(NEEDS, replace(ABLE, districts=frozenset()), Weights()).parts
    }
    assert fresh[Factor.RATING] == fresh[Factor.ACCEPTANCE] == fresh[Factor.AREA] == {}
