"""The answers of GET /requests/{id}/candidates and GET /requests/{id}/offers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.cascade import CascadeState, OfferOutcome


class ScorePart(BaseModel):
    factor: str = Field(description="load, rating, acceptance, sla or area")
    value: float = Field(description="0 (worst) to 1 (best); 0.5 where there is no record yet")
    weight: float = Field(description="the factor's weight (settings: SRA_DISPATCH__WEIGHT_*)")
    points: float = Field(description="value × weight: what the factor adds to the score")
    why: str = Field(description="in English; `facts` has its numbers for other languages")
    facts: dict[str, float | str] = Field(
        default_factory=dict,
        description="load {held, capacity}, rating {rating}, acceptance {accepted, offers}, "
        "sla {kept, jobs}, area {district}; empty without a record",
    )


class Candidate(BaseModel):
    executor_id: str
    full_name: str
    score: float
    open_jobs: int
    capacity: int
    parts: list[ScorePart]


class Ineligible(BaseModel):
    executor_id: str
    full_name: str
    reasons: list[str] = Field(
        description="no_skill, outside_area, not_verified, "
        "verification_ends_before_the_window, off_duty, at_capacity"
    )


class CandidateList(BaseModel):
    request_id: str
    category: str
    district: str = Field(description="the district of the request's address; empty: unknown")
    candidates: list[Candidate] = Field(description="eligible executors, best first")
    ineligible: list[Ineligible] = Field(
        description="executors with the request's skill who cannot take it, and why"
    )


class Offer(BaseModel):
    offer_no: int = Field(description="1 for the first offer of the cascade")
    executor_id: str
    full_name: str
    status: OfferOutcome = Field(description="sent while open, then what ended it")
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    reason: str | None


class OfferList(BaseModel):
    request_id: str
    dispatch: CascadeState | None = Field(description="null: the category is assigned by hand")
    offers: list[Offer]
