"""The one rule for reaching a single request: it exists and the caller may see it, or
the answer is 404 either way (so ids cannot be probed) and the refusal is audited."""

from __future__ import annotations

from domain.access import can_view_request
from domain.lifecycle import Actor
from domain.requests import RequestView
from services.audit import record_denial
from services.errors import NotFound
from services.queries import RequestQueries


async def visible_request(
    queries: RequestQueries, actor: Actor, request_id: str, action: str
) -> RequestView:
    """The request as `actor` may see it; `action` names the attempt in the audit trail."""
    view = await queries.get(request_id)
    if view is None:
        raise NotFound(f"request {request_id} does not exist")
    if not can_view_request(actor, view.customer_id, view.assignee_id):
        await record_denial(
            queries.sessions,
            actor,
            action=action,
            target_type="request",
            target_id=request_id,
            detail="not the caller's request",
        )
        raise NotFound(f"request {request_id} does not exist")
    return view
