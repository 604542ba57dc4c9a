"""The OpenAPI document tells the truth about refusals.

Every refusal leaves the API as an RFC 9457 problem (api/problems.py), not as FastAPI's
default `HTTPValidationError` JSON, so the generated document is corrected once here:
each 4xx answer is declared as `application/problem+json` with the one `Problem` schema,
and the refusals every operation of a kind can give are declared where they apply:
401 on the signed-in operations, 400 (a body that cannot be parsed) and 413 (a body past
its limit, api/limits.py) on those that take a body. Clients and the contract test read
this document; an answer it does not list is a defect of the API or of this module.
"""

from __future__ import annotations

from typing import Any

from api.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extensions (code, errors, limits) vary by refusal.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["location", "message", "type"],
                "properties": {
                    "location": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
# FastAPI's own validation error shapes; no answer of this API has them.
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
_BODY_REFUSALS = {
    "400": "the body could not be parsed",
    "413": "the body is larger than this operation accepts",
}
_SIGNED_IN_REFUSAL = {"401": "no valid access token: missing, expired, revoked or forged"}


def _as_problem(response: dict[str, Any]) -> None:
    content: dict[str, Any] = response.get("content") or {}
    # A refusal declared with another media type (an HTML page) is what that route sends.
    if content and "application/json" not in content:
        return
    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def _declare(operation: dict[str, Any], refusals: dict[str, str]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, description in refusals.items():
        responses.setdefault(status, {"description": description})


def describe_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Correct a FastAPI-generated document in place; returns it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in _FASTAPI_ERROR_SCHEMAS:
        components.pop(name, None)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _HTTP_METHODS:
                continue
            if "requestBody" in operation:
                _declare(operation, _BODY_REFUSALS)
            if operation.get("security"):
                _declare(operation, _SIGNED_IN_REFUSAL)
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    _as_problem(response)
    return schema
