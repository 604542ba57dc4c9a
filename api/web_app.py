"""The web app under /app/: its built files, and index.html for every client-side route.

Pages get a strict Content-Security-Policy: scripts only from this origin (the build
emits no inline script), style sheets only from this origin or carrying this response's
nonce (MUI's emotion stamps it on the <style> tags it inserts, read from a meta tag),
style attributes allowed (components position popovers with them), and
connections only back to the API. The service worker and its scripts get the same
policy, since a worker's policy comes from its own response.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.problems import problem_response
from core.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
NONCE_PLACEHOLDER = "__CSP_NONCE__"
# Built assets carry a content hash in their names: they never change under a name.
IMMUTABLE = "public, max-age=31536000, immutable"


def app_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            # Style attributes (positions of popovers, the grid's row offsets) carry no
            # code; <style> elements still need the nonce, scripts stay 'self' only.
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' blob: data:",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def dist_of(settings: Settings) -> Path:
    return Path(settings.api.web_dist) if settings.api.web_dist else REPO_ROOT / "web" / "dist"


def install_web_app(app: FastAPI, settings: Settings) -> None:
    dist = dist_of(settings)

    @app.get("/app", include_in_schema=False)
    async def app_root() -> RedirectResponse:
        return RedirectResponse("/app/", status_code=308)

    @app.get("/app/{path:path}", include_in_schema=False)
    async def web_file(path: str, request: Request) -> Response:
        index = dist / "index.html"
        if not index.is_file():
            return problem_response(
                request, 503, f"the web app is not built ({dist}): `make up` builds it"
            )
        nonce = secrets.token_urlsafe(18)
        policy = app_policy(nonce)
        target = (dist / path).resolve()
        page_asked = path in ("", "index.html")
        if not page_asked and target.is_file() and target.is_relative_to(dist.resolve()):
            cache = IMMUTABLE if path.startswith("assets/") else "no-cache"
            return FileResponse(
                target, headers={"Cache-Control": cache, "Content-Security-Policy": policy}
            )
        if path.startswith("assets/"):
            return problem_response(request, 404, f"no such file: /app/{path}")
        # A client-side route (/app/queue/…): the app itself, which routes in the browser.
        page = index.read_text().replace(NONCE_PLACEHOLDER, nonce)
        return HTMLResponse(
            page, headers={"Cache-Control": "no-store", "Content-Security-Policy": policy}
        )
