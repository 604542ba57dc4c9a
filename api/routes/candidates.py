"""GET /requests/{id}/candidates: whom a manager may assign, best first, and why not the
others; GET /requests/{id}/offers: the request's offer cascade so far."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from api.deps import CurrentActor, ResourcesDep
from api.dispatch_schemas import (
    Candidate,
    CandidateList,
    Ineligible,
    Offer,
    OfferList,
    ScorePart,
)
from api.resources import Resources
from api.routes.request_params import REFUSALS, RequestId
from domain.cascade import CascadeState, OfferOutcome
from domain.dispatch import DISPATCHERS
from domain.lifecycle import Actor
from services.audit import record_denial
from services.dispatch import CandidateRanking
from services.errors import Forbidden
from services.request_access import visible_request
from store import cascade as cascades
from store import users

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
    await _for_dispatchers(resources, actor, request_id, "candidates")
    view = await visible_request(resources.requests, actor, str(request_id), "request.candidates")
    settings = resources.settings.dispatch
    ranking = CandidateRanking(resources.sessions, settings, ZoneInfo(resources.settings.time_zone))
    ranked = await ranking.rank(view, datetime.now(UTC))
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
                        facts=p.facts,
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


@router.get(
    "/{request_id}/offers",
    response_model=OfferList,
    summary="The request's automatic offer cascade: each offer and what became of it",
    responses={403: {"description": "for those who assign (managers)"}, 404: REFUSALS[404]},
)
async def request_offers(
    request_id: RequestId, actor: CurrentActor, resources: ResourcesDep
) -> OfferList:
    await _for_dispatchers(resources, actor, request_id, "offers")
    view = await visible_request(resources.requests, actor, str(request_id), "request.offers")
    async with resources.sessions() as session:
        offers = await cascades.offers_of(session, view.id)
        names = await users.full_names(session, [o.executor_id for o in offers])
    return OfferList(
        request_id=view.id,
        dispatch=CascadeState(view.dispatch) if view.dispatch else None,
        offers=[
            Offer(
                offer_no=o.offer_no,
                executor_id=str(o.executor_id),
                full_name=names.get(o.executor_id, ""),
                status=OfferOutcome(o.status),
                sent_at=o.sent_at,
                expires_at=o.expires_at,
                answered_at=o.answered_at,
                reason=o.reason,
            )
            for o in offers
        ],
    )


async def _for_dispatchers(
    resources: Resources, actor: Actor, request_id: uuid.UUID, what: str
) -> None:
    if actor.role in DISPATCHERS:
        return
    await record_denial(
        resources.sessions,
        actor,
        action=f"request.{what}",
        target_type="request",
        target_id=str(request_id),
        detail="not one who assigns",
    )
    raise Forbidden(f"{what} are for those who assign; a {actor.role} does not")
