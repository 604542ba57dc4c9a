"""Sign-up, OAuth2 password sign-in, refresh rotation, sign-out, `me`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import AccessToken, ClientIp, CurrentUser, ResourcesDep
from api.presenters import user_public
from api.schemas import PreferencesUpdate, RefreshIn, TokenPairOut, UserPublic, UserRegister
from services.auth import TokenPair
from services.errors import Unauthorized
from services.users import update_preferences

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


REGISTRATION_ACCEPTED = (
    "If this email is not registered yet, the account has been created: sign in with it."
)


class RegistrationAccepted(BaseModel):
    status: str = "accepted"
    detail: str = REGISTRATION_ACCEPTED


@router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationAccepted,
    summary="Create a customer account",
    description="The answer is the same whether or not the email already has an account, "
    "so that sign-up cannot be used to find out who is registered.",
    responses={429: {"description": "too many sign-ups; see Retry-After"}},
)
async def register(
    body: UserRegister, resources: ResourcesDep, ip: ClientIp
) -> RegistrationAccepted:
    await resources.auth.register_customer(
        body.email, body.password, body.full_name, body.locale, ip
    )
    return RegistrationAccepted()


@router.post(
    "/token",
    response_model=TokenPairOut,
    summary="Sign in (OAuth2 password flow): an access and a refresh token",
    responses={
        401: {"description": "wrong email or password"},
        429: {"description": "too many failed attempts; see Retry-After"},
    },
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    resources: ResourcesDep,
    ip: ClientIp,
) -> TokenPairOut:
    return _pair(await resources.auth.login(form.username, form.password, ip))


@router.post(
    "/refresh",
    response_model=TokenPairOut,
    summary="Trade a refresh token for a new pair (the old one is spent)",
    responses={401: {"description": "the refresh token is invalid, spent or revoked"}},
)
async def refresh(body: RefreshIn, resources: ResourcesDep) -> TokenPairOut:
    return _pair(await resources.auth.refresh(body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out: revokes this access token and its refresh tokens",
)
async def logout(resources: ResourcesDep, token: AccessToken, _user: CurrentUser) -> None:
    if not token:
        raise Unauthorized("sign in first")
    await resources.auth.logout(resources.auth.claims(token))


@router.get("/me", response_model=UserPublic, summary="The signed-in account")
async def me(user: CurrentUser, resources: ResourcesDep) -> UserPublic:
    executor = await resources.executors.get(str(user.id))
    return user_public(user, executor)


@router.patch(
    "/me",
    response_model=UserPublic,
    summary="Change your language and notification channels",
    responses={422: {"description": "unknown locale/channel, or Telegram without a linked chat"}},
)
async def update_me(
    body: PreferencesUpdate, user: CurrentUser, resources: ResourcesDep
) -> UserPublic:
    updated = await update_preferences(
        resources.sessions,
        str(user.id),
        locale=body.locale,
        channels=[c.value for c in body.notification_channels]
        if body.notification_channels
        else None,
    )
    executor = await resources.executors.get(str(user.id))
    return user_public(updated, executor)
