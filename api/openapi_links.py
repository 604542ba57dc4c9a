"""OpenAPI links: what a created resource's id opens.

A POST on a collection that answers with the new resource (201, or 200 for an
idempotent replay) links to every operation under that resource's path, with the path
parameter taken from the answer's `id`. Clients and the stateful contract test follow
these links, e.g. POST /requests, then GET /requests/{request_id} and its actions.
"""

from __future__ import annotations

import re
from typing import Any

_FIRST_PARAMETER = re.compile(r"^/\{([^}/]+)\}")
_CREATED = ("201", "200")


def _operations_under(schema: dict[str, Any], collection: str) -> list[tuple[str, str, str]]:
    """(link name, operationId, path parameter) of each operation on `collection/{id}...`."""
    found = []
    for path, path_item in schema.get("paths", {}).items():
        if not path.startswith(f"{collection}/"):
            continue
        parameter = _FIRST_PARAMETER.match(path[len(collection) :])
        if parameter is None:
            continue
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                name = f"{method.upper()} {path}"
                found.append((name, operation["operationId"], parameter.group(1)))
    return found


def declare_links(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the links to a generated document in place; returns it."""
    for collection, path_item in list(schema.get("paths", {}).items()):
        create = path_item.get("post")
        if not create:
            continue
        targets = _operations_under(schema, collection)
        for status in _CREATED:
            response = create.get("responses", {}).get(status)
            if response is None or not targets:
                continue
            links = response.setdefault("links", {})
            for name, operation_id, parameter in targets:
                links.setdefault(
                    name,
                    {
                        "operationId": operation_id,
                        "parameters": {parameter: "$response.body#/id"},
                    },
                )
    return schema
