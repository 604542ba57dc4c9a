"""The served OpenAPI document: FastAPI's generated one, corrected and linked once."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.openapi_links import declare_links
from api.openapi_problems import describe_problems


def install_openapi_document(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_links(describe_problems(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
