"""Account administration (admins): create executors and staff, change, deactivate."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status

from api.deps import CurrentActor, ResourcesDep
from api.presenters import user_public
from api.schemas import UserCreate, UserPublic, UserUpdate
from domain.access import can_manage_users
from domain.lifecycle import Actor, Role
from services.audit import record_denial
from services.errors import Forbidden
from services.users import AccountChange, NewAccount

router = APIRouter(prefix="/users", tags=["users"])
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "admins only"}}


async def require_admin(actor: CurrentActor, resources: ResourcesDep) -> Actor:
    if not can_manage_users(actor):
        await record_denial(
            resources.sessions,
            actor,
            action="user.admin",
            target_type="user",
            target_id="*",
            detail="not an admin",
        )
        raise Forbidden(f"account administration is for admins; a {actor.role} may not")
    return actor


Admin = Annotated[Actor, Depends(require_admin)]
# Any spelling of a UUID names the same account; anything else is a 422 (after the
# admin check, which is a dependency and so comes first).
UserId = Annotated[uuid.UUID, Path(description="the user's id; any spelling of a UUID")]


async def _public(resources: ResourcesDep, user_id: str) -> UserPublic:
    user, _ = await resources.users.get(user_id)
    return user_public(user, await resources.executors.get(user_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses={**ADMIN_ONLY, 409: {"description": "the email is taken"}},
)
async def create_user(body: UserCreate, admin: Admin, resources: ResourcesDep) -> UserPublic:
    user, _ = await resources.users.create(
        admin,
        NewAccount(
            email=body.email,
            password=body.password,
            full_name=body.full_name,
            role=Role(body.role),
            locale=body.locale,
            skills=tuple(body.skills),
            service_area=body.service_area,
        ),
    )
    return await _public(resources, str(user.id))


@router.get("", response_model=list[UserPublic], responses=ADMIN_ONLY)
async def list_users(
    _admin: Admin,
    resources: ResourcesDep,
    role: Role | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[UserPublic]:
    return [user_public(u) for u in await resources.users.list(role, limit, offset)]


@router.get(
    "/{user_id}",
    response_model=UserPublic,
    responses={**ADMIN_ONLY, 404: {"description": "no such user"}},
)
async def get_user(user_id: UserId, _admin: Admin, resources: ResourcesDep) -> UserPublic:
    return await _public(resources, str(user_id))


@router.patch(
    "/{user_id}",
    response_model=UserPublic,
    responses={**ADMIN_ONLY, 404: {"description": "no such user"}},
)
async def update_user(
    user_id: UserId, body: UserUpdate, admin: Admin, resources: ResourcesDep
) -> UserPublic:
    fields = body.model_dump(exclude_unset=True)
    if fields.get("skills") is not None:
        fields["skills"] = tuple(fields["skills"])
    if fields.get("role") is not None:
        fields["role"] = Role(fields["role"])
    await resources.users.change(admin, str(user_id), AccountChange(**fields))
    return await _public(resources, str(user_id))
