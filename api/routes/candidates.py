"""GET /requests/{id}/candidates: whom a manager may assign, best first, and why not the
others."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from api.deps import CurrentActor, ResourcesDep
from api.dispatch_schemas import Candidate, CandidateList, Ineligible, ScorePart
from api.routes.request_params import REFUSALS, RequestId
from domain.dispatch import DISPATCHERS
from services.audit import record_denial
from services.dispatch import CandidateRanking
from services.errors import Forbidden
from services.request_access import visible_request

router = APIRouter(prefix="/requests", tags=["dispatch"])


@router.get(
    "/{request_id}/candidates",
    response_model=CandidateList,
    summary="Executors who may take the request, ranked by a score that explains itself",
    responses={403: {"description": "for those who assign (managers)"}, 404: REFUSALS[404]},
)
async def request_candidates(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> CandidateList:
    if actor.role not in DISPATCHERS:
        await record_denial(
            resources.sessions,
            actor,
            action="request.candidates",
            target_type="request",
            target_id=str(request_id),
            detail="not one who assigns",
        )
        raise Forbidden(f"candidates are for those who assign; a {actor.role} does not")
    view = await visible_request(resources.requests, actor, str(request_id), "request.candidates")
    settings = resources.settings.dispatch
    ranked = await CandidateRanking(resources.sessions, settings).rank(view, datetime.now(UTC))
    limit = settings.max_candidates

    def name(executor_id: str) -> str:
        return ranked.executors[executor_id].user.full_name

    return CandidateList(
        request_id=view.id,
        category=view.category,
        district=ranked.needs.district,
        candidates=[
            Candidate(
                executor_id=c.executor_id,
                full_name=name(c.executor_id),
                score=c.score,
                open_jobs=ranked.executors[c.executor_id].open_jobs,
                capacity=ranked.executors[c.executor_id].profile.capacity,
                parts=[
                    ScorePart(
                        factor=p.factor.value,
                        value=round(p.value, 4),
                        weight=p.weight,
                        points=p.points,
                        why=p.why,
                    )
                    for p in c.parts
                ],
            )
            for c in ranked.ranking.candidates[:limit]
        ],
        ineligible=[
            Ineligible(
                executor_id=r.executor_id,
                full_name=name(r.executor_id),
                reasons=[reason.value for reason in r.reasons],
            )
            for r in ranked.ranking.refused[:limit]
        ],
    )
