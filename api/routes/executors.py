"""Executors: the managers' view of who can do what, and each executor's profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentActor, ResourcesDep
from api.schemas import ExecutorPublic, TelegramLinkOut
from domain.access import MANAGES_EXECUTORS, can_view_executor
from domain.lifecycle import Role
from services.audit import record_denial
from services.errors import Forbidden, NotFound

router = APIRouter(prefix="/executors", tags=["executors"])


@router.get(
    "",
    response_model=list[ExecutorPublic],
    summary="Executors with skills, verification and current load (staff)",
    responses={403: {"description": "staff only"}},
)
async def list_executors(
    actor: CurrentActor,
    resources: ResourcesDep,
    skill: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")] = None,
    available: bool | None = None,
) -> list[ExecutorPublic]:
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
    return [ExecutorPublic(**e.__dict__) for e in await resources.executors.list(skill, available)]


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
    responses={404: {"description": "no such executor, or not yours to see"}},
)
async def get_executor(
    executor_id: str, actor: CurrentActor, resources: ResourcesDep
) -> ExecutorPublic:
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
    return ExecutorPublic(**executor.__dict__)
