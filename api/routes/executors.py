"""Executors: the managers' view of who can do what, and each executor's profile."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentActor, ResourcesDep
from api.presenters import executor_public
from api.schemas import ExecutorPage, ExecutorPublic, ProfileUpdate, TelegramLinkOut
from domain.access import MANAGES_EXECUTORS, can_view_executor
from domain.lifecycle import Role
from services.audit import record_denial
from services.errors import Forbidden, NotFound
from services.executor_list import ExecutorList
from services.executor_profiles import ExecutorProfiles, ProfileChange
from services.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE

router = APIRouter(prefix="/executors", tags=["executors"])


@router.get(
    "",
    response_model=ExecutorPage,
    summary="Executors with skills, verification and current load, by name (staff)",
    responses={
        403: {"description": "staff only"},
        422: {"description": "a bad filter, limit or cursor"},
    },
)
async def list_executors(
    actor: CurrentActor,
    resources: ResourcesDep,
    skill: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")] = None,
    available: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of the previous page"),
    ] = None,
) -> ExecutorPage:
    if actor.role not in MANAGES_EXECUTORS:
        await record_denial(
            resources.sessions,
            actor,
            action="executor.list",
            target_type="executor",
            target_id="*",
            detail="not staff",
        )
        raise Forbidden(f"the executor list is for staff; a {actor.role} may not see it")
    page = await ExecutorList(resources.sessions).page(skill, available, limit, cursor)
    return ExecutorPage(
        items=[executor_public(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/me/telegram-link",
    response_model=TelegramLinkOut,
    status_code=201,
    summary="A one-time code that links your Telegram chat to the bot (executors)",
    responses={403: {"description": "executors only"}},
)
async def telegram_link_code(actor: CurrentActor, resources: ResourcesDep) -> TelegramLinkOut:
    if actor.role != Role.EXECUTOR:
        raise Forbidden("the Telegram bot is for executors")
    link = await resources.telegram_links.issue_code(actor.id)
    return TelegramLinkOut(
        code=link.code,
        expires_in_s=link.expires_in_s,
        instructions=f"Send /start {link.code} to the bot within "
        f"{link.expires_in_s // 60} minutes; the code works once.",
    )


@router.delete(
    "/me/telegram-link",
    status_code=204,
    summary="Unlink your Telegram chat (executors)",
    responses={403: {"description": "executors only"}},
)
async def telegram_unlink(actor: CurrentActor, resources: ResourcesDep) -> None:
    if actor.role != Role.EXECUTOR:
        raise Forbidden("the Telegram bot is for executors")
    await resources.telegram_links.unlink(actor.id)


@router.get(
    "/{executor_id}",
    response_model=ExecutorPublic,
    responses={
        404: {"description": "no such executor, or not yours to see"},
        422: {"description": "an id that is not a UUID"},
    },
)
async def get_executor(
    executor_uuid: Annotated[uuid.UUID, Path(alias="executor_id")],
    actor: CurrentActor,
    resources: ResourcesDep,
) -> ExecutorPublic:
    executor_id = str(executor_uuid)  # canonical: what ids are compared and stored as
    executor = await resources.executors.get(executor_id)
    if executor is None:
        raise NotFound(f"executor {executor_id} does not exist")
    if not can_view_executor(actor, executor_id):
        await record_denial(
            resources.sessions,
            actor,
            action="executor.read",
            target_type="executor",
            target_id=executor_id,
            detail="not staff",
        )
        raise NotFound(f"executor {executor_id} does not exist")
    return executor_public(executor)


@router.patch(
    "/{executor_id}/profile",
    response_model=ExecutorPublic,
    summary="Change an executor's dispatch profile (districts, weekly hours, duty; managers "
    "also skills and capacity)",
    responses={
        403: {"description": "not this executor, or a field only managers set"},
        404: {"description": "no such executor"},
        422: {"description": "an unknown district, malformed hours, or a value out of range"},
    },
)
async def change_profile(
    executor_uuid: Annotated[uuid.UUID, Path(alias="executor_id")],
    body: ProfileUpdate,
    actor: CurrentActor,
    resources: ResourcesDep,
) -> ExecutorPublic:
    executor_id = str(executor_uuid)
    values = {name: getattr(body, name) for name in body.model_fields_set}
    if body.working_hours is not None:
        values["working_hours"] = body.working_hours.by_day()
    change = ProfileChange(values)
    try:
        await ExecutorProfiles(resources.sessions).change(actor, executor_id, change)
    except Forbidden as refused:
        await record_denial(
            resources.sessions,
            actor,
            action="executor.profile",
            target_type="executor",
            target_id=executor_id,
            detail=str(refused),
        )
        raise
    executor = await resources.executors.get(executor_id)
    if executor is None:
        raise NotFound(f"executor {executor_id} does not exist")
    return executor_public(executor)
