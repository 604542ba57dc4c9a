"""Who may see how the API runs: readiness details, metrics and the OpenAPI schema.

They tell an attacker versions and internals, so they need either the operator token
(for Prometheus and probes, `SRA_API__OPS_TOKEN`) or the access token of an admin.
"""

from __future__ import annotations

import hmac
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request

from api.deps import ResourcesDep
from domain.lifecycle import Role
from services.errors import Forbidden, Unauthorized


class Caller(StrEnum):
    OPERATOR = "operator"
    SIGNED_IN = "signed-in"  # a valid token without the right
    ANONYMOUS = "anonymous"


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def caller_of(request: Request, resources: ResourcesDep) -> Caller:
    token = _bearer(request)
    if token is None:
        return Caller.ANONYMOUS
    ops_token = resources.settings.api.ops_token.get_secret_value()
    if ops_token and hmac.compare_digest(token.encode(), ops_token.encode()):
        return Caller.OPERATOR
    try:
        user = await resources.auth.authenticate(token)
    except Unauthorized:
        return Caller.ANONYMOUS
    return Caller.OPERATOR if user.role == Role.ADMIN else Caller.SIGNED_IN


async def is_operator(caller: Annotated[Caller, Depends(caller_of)]) -> bool:
    return caller == Caller.OPERATOR


async def require_operator(caller: Annotated[Caller, Depends(caller_of)]) -> None:
    if caller == Caller.ANONYMOUS:
        raise Unauthorized("send the operator token or an admin's access token")
    if caller != Caller.OPERATOR:
        raise Forbidden("only operators and admins may read this")


IsOperator = Annotated[bool, Depends(is_operator)]
OperatorOnly = Depends(require_operator)
