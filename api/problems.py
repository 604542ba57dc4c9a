"""RFC 9457 problem details: every error leaves the API in this one shape.

Services raise the typed errors of services/errors.py and domain/lifecycle.py; this
module is the one place that maps them to HTTP statuses. FastAPI's own validation and
HTTP errors are re-shaped here too, so a client never sees a bare 500 for bad input.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.logging import get_logger
from domain.lifecycle import ActorNotAllowed, StateConflict, TransitionError
from services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    Unprocessable,
)

PROBLEM_JSON = "application/problem+json"
log = get_logger("api.problems")


def problem_response(
    request: Request, status: int, detail: str, title: str | None = None, **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://httpstatuses.io/{status}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


# The one mapping from the typed error hierarchy to HTTP.
SERVICE_STATUS: dict[type[Exception], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    ActorNotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    StateConflict: 409,
    Unprocessable: 422,
    TooManyRequests: 429,
    Unavailable: 503,
}


def status_of(exc: Exception) -> int:
    for kind, status in SERVICE_STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


def problem_of(exc: ServiceError | TransitionError, instance: str) -> dict[str, Any]:
    """The problem body of a refusal, for answers that carry several (bulk actions)."""
    status = status_of(exc)
    extensions = exc.extensions if isinstance(exc, ServiceError) else {}
    return {
        "type": f"https://httpstatuses.io/{status}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": exc.message,
        "instance": instance,
        "code": exc.kind,
        **extensions,
    }


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def on_service_error(request: Request, exc: ServiceError) -> JSONResponse:
        response = problem_response(
            request, status_of(exc), exc.message, code=exc.kind, **exc.extensions
        )
        if isinstance(exc, TooManyRequests | Unavailable):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(TransitionError)
    async def on_transition_refused(request: Request, exc: TransitionError) -> JSONResponse:
        return problem_response(request, status_of(exc), exc.message, code=exc.kind)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": list(e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        summary = "; ".join(
            f"{'.'.join(str(p) for p in e['location'])}: {e['message']}" for e in errors
        )
        return problem_response(request, 422, summary or "invalid request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("api.unhandled_error", path=request.url.path)
        return problem_response(request, 500, "internal error; it has been logged")
