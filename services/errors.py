"""Errors of the application services; api/problems.py maps each to one HTTP status."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    kind = "error"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class NotFound(ServiceError):
    kind = "not_found"


class Forbidden(ServiceError):
    kind = "forbidden"


class Conflict(ServiceError):
    kind = "conflict"


class Unprocessable(ServiceError):
    kind = "unprocessable"


class Unauthorized(ServiceError):
    kind = "unauthorized"


class TooManyRequests(ServiceError):
    kind = "too_many_requests"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(ServiceError):
    """A store the answer depends on cannot be reached now; the same call may work later."""

    kind = "unavailable"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
