"""The action routes, POST /requests/{request_id}/<route>: one per route of the action
table (domain/request_actions.py), so a route, its body and the workflow update it ends
in cannot drift apart.

Order of checks on an action: the request exists and the caller may see it (404
otherwise, and the refusal is audited), the transition table allows this actor now
(403 / 409 with the transition named), then the workflow update, whose validator asks
the same table again against the authoritative state. With an Idempotency-Key the key
comes before the state: a repeat answers the first result even though the state moved.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, ResourcesDep
from api.presenters import facts_of, request_public
from api.resources import Resources
from api.routes.request_params import REFUSALS, ActionKey, RequestId
from api.schemas import AssignBody, Body, CompleteBody, ReasonBody, RequestPublic, ResolveBody
from api.tracing import current_trace_id
from domain.lifecycle import Action, Actor, ActorNotAllowed, decide
from domain.request_actions import ActionEntry, Carries, routes
from services.audit import record_denial
from services.request_access import visible_request

router = APIRouter(prefix="/requests", tags=["requests"])


@dataclass(frozen=True)
class BodyShape:
    """The body an action's route takes, and the action arguments it gives."""

    model: type[Body] | None
    required: bool
    arguments: Callable[[Any], dict[str, str | None]]
    refusals: dict[int | str, dict[str, Any]]


_SHAPES: dict[Carries, BodyShape] = {
    Carries.NOTHING: BodyShape(None, False, lambda body: {}, REFUSALS),
    Carries.REASON: BodyShape(
        ReasonBody, False, lambda body: {"reason": body.reason if body else None}, REFUSALS
    ),
    Carries.REPORT: BodyShape(CompleteBody, True, lambda body: {"report": body.report}, REFUSALS),
    Carries.EXECUTOR: BodyShape(
        AssignBody,
        True,
        lambda body: {"executor_id": str(body.executor_id)},
        {
            **REFUSALS,
            422: {"description": "executor lacks the skill, invalid body, or the key was reused"},
        },
    ),
}
# Routes that send one of several actions take the `outcome` that picks it.
_CHOICE_BODY = ResolveBody


async def perform(
    resources: Resources,
    actor: Actor,
    request_uuid: uuid.UUID,
    action: Action,
    key: str | None,
    **arguments: str | None,
) -> RequestPublic:
    request_id = str(request_uuid)
    view = await visible_request(resources.requests, actor, request_id, f"request.{action}")
    try:
        if key is None:
            # A keyed call may repeat one that already moved the request on, so only the
            # workflow (after the key) may judge it; its validator asks the same table.
            decide(facts_of(view), action, actor)
        commands = await resources.commands()
        updated = await commands.act(
            request_id,
            action,
            actor,
            trace_id=current_trace_id(),
            idempotency_key=key,
            **arguments,
        )
    except ActorNotAllowed as refused:
        await record_denial(
            resources.sessions,
            actor,
            action=f"request.{action}",
            target_type="request",
            target_id=request_id,
            detail=refused.message,
        )
        raise
    return request_public(updated, actor)


def _body_of(entries: tuple[ActionEntry, ...]) -> tuple[type[Body] | None, bool]:
    if len(entries) > 1:
        return _CHOICE_BODY, True
    shape = _SHAPES[entries[0].carries]
    return shape.model, shape.required


def _chosen(entries: tuple[ActionEntry, ...], body: Any) -> ActionEntry:
    if len(entries) == 1:
        return entries[0]
    return next(e for e in entries if e.choice == body.outcome)


def _signature(body: type[Body] | None, required: bool) -> inspect.Signature:
    """The endpoint's parameters as FastAPI reads them: a required body comes before the
    caller's identity, an optional one last, as the hand-written routes had them."""
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter("request_id", keyword, annotation=RequestId)]
    if body is not None and required:
        params.append(inspect.Parameter("body", keyword, annotation=body))
    params += [
        inspect.Parameter("actor", keyword, annotation=CurrentActor),
        inspect.Parameter("resources", keyword, annotation=ResourcesDep),
        inspect.Parameter("key", keyword, annotation=ActionKey, default=None),
    ]
    if body is not None and not required:
        params.append(inspect.Parameter("body", keyword, annotation=body | None, default=None))
    return inspect.Signature(params, return_annotation=RequestPublic)


def _endpoint(entries: tuple[ActionEntry, ...]) -> Callable[..., Awaitable[RequestPublic]]:
    async def endpoint(
        request_id: uuid.UUID,
        actor: Actor,
        resources: Resources,
        key: str | None = None,
        body: Any = None,
    ) -> RequestPublic:
        entry = _chosen(entries, body)
        arguments = _SHAPES[entry.carries].arguments(body)
        return await perform(resources, actor, request_id, entry.action, key, **arguments)

    endpoint.__signature__ = _signature(*_body_of(entries))  # type: ignore[attr-defined]
    return endpoint


for _route, _entries in routes().items():
    router.add_api_route(
        f"/{{request_id}}/{_route}",
        _endpoint(_entries),
        methods=["POST"],
        name=_route,  # the operation id stays `<route>_requests__request_id__<route>_post`
        response_model=RequestPublic,
        responses=_SHAPES[_entries[0].carries].refusals,
        summary=_entries[0].summary,
    )
