"""Bodies and answers of the ratings and follow-up routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import Body, Reason
from domain.ratings import RaterRole


class RatingBody(Body):
    score: int = Field(ge=1, le=5, description="1 (worst) to 5 (best)")
    comment: Reason = ""


class RatingPublic(BaseModel):
    request_id: str
    rater_role: RaterRole = Field(
        description="customer: rates the executor; executor: the customer"
    )
    rater_id: str
    ratee_id: str
    score: int
    comment: str
    created_at: datetime
    updated_at: datetime
    editable_until: datetime = Field(description="the rating can be changed until then")


class FollowUpPublic(BaseModel):
    id: str
    request_id: str
    customer_id: str
    customer_name: str
    score: int
    comment: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    note: str


class FollowUpDone(Body):
    note: Reason = ""
