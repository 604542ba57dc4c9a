"""Who may take a request, and in which order to offer it: eligibility with its reasons,
and a score that explains itself factor by factor.

Pure: the caller gathers each executor's facts (profile, open jobs, record) and the
request's needs; nothing here reads a store or a clock.

Eligible means: the request's skill, an area that covers its district, verification
valid until the end of its time window, on duty, and a free place in their capacity.
The score is a weighted sum of factors each between 0 and 1 (1 is best), so a weight says
how much a factor can move a candidate; a factor with no data yet (a new executor's
rating) counts as neutral (0.5) rather than as bad.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.districts import district_of
from domain.lifecycle import RULES, Action
from domain.working_hours import WeeklyHours, works_during

NEUTRAL = 0.5
# Who may see the candidates: whoever may assign.
DISPATCHERS = frozenset(
    role for rule in RULES if rule.action == Action.ASSIGN for role in rule.actors
)


class Ineligible(StrEnum):
    """Why an executor cannot take the request (the API shows the value)."""

    NO_SKILL = "no_skill"
    OUTSIDE_AREA = "outside_area"
    NOT_VERIFIED = "not_verified"
    VERIFICATION_ENDS = "verification_ends_before_the_window"
    OFF_DUTY = "off_duty"
    OFF_HOURS = "outside_working_hours"
    AT_CAPACITY = "at_capacity"


class Factor(StrEnum):
    LOAD = "load"
    RATING = "rating"
    ACCEPTANCE = "acceptance"
    SLA = "sla"
    AREA = "area"


@dataclass(frozen=True)
class Weights:
    load: float = 3.0
    rating: float = 2.0
    acceptance: float = 1.5
    sla: float = 1.5
    area: float = 1.0

    def of(self, factor: Factor) -> float:
        weight: float = getattr(self, factor.value)
        return weight


@dataclass(frozen=True)
class RequestNeeds:
    category: str
    district: str  # "" when the address names none we know
    window_end: datetime | None  # the end of the customer's window, when they gave one
    now: datetime
    window_start: datetime | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # of working hours

    @property
    def when(self) -> tuple[datetime, datetime]:
        """When the work may happen: the customer's window, or now without one."""
        start = self.window_start or self.now
        return max(start, self.now), max(self.window_end or start, self.now)


@dataclass(frozen=True)
class ExecutorFacts:
    executor_id: str
    skills: frozenset[str]
    # Districts served; empty means the whole city.
    districts: frozenset[str]
    verified: bool
    verified_until: datetime | None
    on_duty: bool
    capacity: int
    open_jobs: int
    rating: float | None = None  # 1–5, None before the first rating
    offers: int = 0
    accepted: int = 0
    jobs_with_sla: int = 0
    sla_breaches: int = 0
    hours: WeeklyHours | None = None  # None: any time


@dataclass(frozen=True)
class Part:
    """One factor of a candidate's score: its value (0–1), the weight and what it adds."""

    factor: Factor
    value: float
    weight: float
    points: float
    why: str
    # The numbers `why` is made of, for a client to say it in its own language:
    # load {held, capacity}, rating {rating}, acceptance {accepted, offers},
    # sla {kept, jobs}, area {district}; empty where there is no record yet.
    facts: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    executor_id: str
    score: float
    parts: list[Part]


@dataclass(frozen=True)
class Refusal:
    executor_id: str
    reasons: list[Ineligible]


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]  # best first
    refused: list[Refusal] = field(default_factory=list)


def needs_of(
    category: str,
    address: str,
    window: tuple[datetime | None, datetime | None],
    now: datetime,
    zone: ZoneInfo,
) -> RequestNeeds:
    """What a request asks of its executor; its district is read from its address."""
    start, end = window
    return RequestNeeds(category, district_of(address), end, now, start, zone)


def rank(needs: RequestNeeds, executors: Iterable[ExecutorFacts], weights: Weights) -> Ranking:
    scored: list[tuple[Candidate, int]] = []
    refused = []
    for facts in executors:
        reasons = reasons_against(needs, facts)
        if reasons:
            refused.append(Refusal(facts.executor_id, reasons))
        else:
            scored.append((score(needs, facts, weights), facts.open_jobs))
    # Ties go to the executor with fewer open jobs, then by id, so the order is stable.
    scored.sort(key=lambda pair: (-pair[0].score, pair[1], pair[0].executor_id))
    refused.sort(key=lambda r: r.executor_id)
    return Ranking([candidate for candidate, _ in scored], refused)


def reasons_against(needs: RequestNeeds, facts: ExecutorFacts) -> list[Ineligible]:
    reasons = []
    if needs.category not in facts.skills:
        reasons.append(Ineligible.NO_SKILL)
    if facts.districts and needs.district not in facts.districts:
        reasons.append(Ineligible.OUTSIDE_AREA)
    if not facts.verified:
        reasons.append(Ineligible.NOT_VERIFIED)
    elif facts.verified_until is not None and facts.verified_until < (
        needs.window_end or needs.now
    ):
        reasons.append(Ineligible.VERIFICATION_ENDS)
    if not facts.on_duty:
        reasons.append(Ineligible.OFF_DUTY)
    if not works_during(facts.hours, *needs.when, needs.zone):
        reasons.append(Ineligible.OFF_HOURS)
    if facts.open_jobs >= facts.capacity:
        reasons.append(Ineligible.AT_CAPACITY)
    return reasons


def score(needs: RequestNeeds, facts: ExecutorFacts, weights: Weights) -> Candidate:
    values = {
        Factor.LOAD: _load(facts),
        Factor.RATING: _rating(facts),
        Factor.ACCEPTANCE: _acceptance(facts),
        Factor.SLA: _sla(facts),
        Factor.AREA: _area(needs, facts),
    }
    parts = [
        Part(factor, value, weights.of(factor), round(value * weights.of(factor), 4), why, facts)
        for factor, (value, why, facts) in values.items()
    ]
    return Candidate(facts.executor_id, round(sum(p.points for p in parts), 4), parts)


# A factor's value, its explanation, and the numbers of the explanation.
Reading = tuple[float, str, dict[str, float | str]]


def _load(facts: ExecutorFacts) -> Reading:
    free = 1 - facts.open_jobs / facts.capacity
    numbers: dict[str, float | str] = {"held": facts.open_jobs, "capacity": facts.capacity}
    return free, f"{facts.open_jobs} of {facts.capacity} places taken", numbers


def _rating(facts: ExecutorFacts) -> Reading:
    if facts.rating is None:
        return NEUTRAL, "not rated yet", {}
    rating = round(facts.rating, 2)
    return (facts.rating - 1) / 4, f"rated {facts.rating:.1f} of 5", {"rating": rating}


def _acceptance(facts: ExecutorFacts) -> Reading:
    if facts.offers == 0:
        return NEUTRAL, "no offers yet", {}
    why = f"accepted {facts.accepted} of {facts.offers} offers"
    return facts.accepted / facts.offers, why, {"accepted": facts.accepted, "offers": facts.offers}


def _sla(facts: ExecutorFacts) -> Reading:
    if facts.jobs_with_sla == 0:
        return NEUTRAL, "no jobs yet", {}
    kept = facts.jobs_with_sla - facts.sla_breaches
    why = f"SLA kept on {kept} of {facts.jobs_with_sla} jobs"
    return kept / facts.jobs_with_sla, why, {"kept": kept, "jobs": facts.jobs_with_sla}


def _area(needs: RequestNeeds, facts: ExecutorFacts) -> Reading:
    if facts.districts and needs.district in facts.districts:
        return 1.0, f"serves {needs.district}", {"district": needs.district}
    return NEUTRAL, "serves the whole city", {}
