"""Dependencies of the endpoints, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.resources import Resources
from domain.lifecycle import Actor, Role
from services.errors import Unauthorized
from store.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_current_user(
    resources: ResourcesDep, token: Annotated[str | None, Depends(oauth2)]
) -> User:
    if not token:
        raise Unauthorized("sign in first: send 'Authorization: Bearer <access token>'")
    return await resources.auth.authenticate(token)


CurrentUser = Annotated[User, Depends(get_current_user)]


def actor_of(user: User) -> Actor:
    return Actor(id=str(user.id), role=Role(user.role))


async def get_actor(user: CurrentUser) -> Actor:
    return actor_of(user)


CurrentActor = Annotated[Actor, Depends(get_actor)]
AccessToken = Annotated[str | None, Depends(oauth2)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]
