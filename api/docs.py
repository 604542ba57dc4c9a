"""The OpenAPI schema and the Swagger UI page, served only to those allowed to see them.

The schema maps every route of the API, so it goes to operators (api/ops_access.py),
or to anyone when `SRA_API__PUBLIC_DOCS` is set: the Swagger UI page is opened by a
browser, which cannot send a bearer token, so it exists only in that mode.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from api.ops_access import OperatorOnly
from api.security_headers import DEFAULT_POLICY, csp_hash

SCHEMA_URL = "/openapi.json"
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _swagger_page(title: str) -> tuple[str, str]:
    """The page and its Content-Security-Policy."""
    page = get_swagger_ui_html(openapi_url=SCHEMA_URL, title=title)
    html = bytes(page.body).decode()
    # The page boots Swagger UI with one inline script: it runs by its hash, nothing else
    # inline does. Swagger UI sets styles from its script, hence the inline styles.
    hashes = " ".join(csp_hash(s) for s in _INLINE_SCRIPT.findall(html))
    policy = (
        f"{DEFAULT_POLICY}; script-src {_SWAGGER_CDN} {hashes}; "
        f"style-src {_SWAGGER_CDN} 'unsafe-inline'; img-src 'self' data: https:; "
        "connect-src 'self'"
    )
    return html, policy


def install_docs(app: FastAPI, *, public: bool) -> None:
    """Call on an app made with docs_url, redoc_url and openapi_url set to None."""
    guard = [] if public else [OperatorOnly]

    @app.get(SCHEMA_URL, include_in_schema=False, dependencies=guard)
    async def openapi_schema() -> JSONResponse:
        schema: dict[str, Any] = app.openapi()
        return JSONResponse(schema)

    if public:
        html, policy = _swagger_page(f"{app.title} - Swagger UI")

        @app.get("/docs", include_in_schema=False)
        async def swagger_ui() -> HTMLResponse:
            return HTMLResponse(html, headers={"Content-Security-Policy": policy})
