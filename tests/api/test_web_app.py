"""The built web app under /app/: every client route gets the page, with a strict CSP
whose style nonce is fresh per answer and stamped into the page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.main import create_app
from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.api_client import SignedIn

INDEX = (
    '<!doctype html><html><head><meta name="csp-nonce" content="__CSP_NONCE__" />'
    '<script type="module" src="/app/assets/index-abc123.js"></script></head>'
    '<body><div id="root"></div></body></html>'
)


@pytest.fixture
async def web(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("export {};\n")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});\n")
    app = create_app(
        settings.model_copy(
            update={"api": settings.api.model_copy(update={"web_dist": str(tmp_path)})}
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app.test"
    ) as http:
        yield http


@pytest.mark.parametrize(
    "path", ["/app/", "/app/index.html", "/app/queue", "/app/requests/1d9c/x", "/app/signin"]
)
async def test_each_client_route_gets_the_page_with_a_fresh_nonce(
    web: httpx.AsyncClient, path: str
) -> None:
    first, second = await web.get(path), await web.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    policy = first.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'content="{nonce.group(1)}"' in first.text
    assert "__CSP_NONCE__" not in first.text
    assert "script-src 'self';" in policy
    assert "script-src 'self' 'unsafe-inline'" not in policy
    assert "style-src 'self' 'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "connect-src 'self'" in policy
    assert second.headers["content-security-policy"] != policy
    assert first.headers["cache-control"] == "no-store"


async def test_assets_are_immutable_and_the_worker_carries_the_policy(
    web: httpx.AsyncClient,
) -> None:
    asset = await web.get("/app/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    worker = await web.get("/app/sw.js")
    assert worker.status_code == 200
    assert "no-cache" in worker.headers["cache-control"]
    assert "worker-src 'self'" in worker.headers["content-security-policy"]
    missing = await web.get("/app/assets/nope.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_nothing_outside_the_build_is_served(web: httpx.AsyncClient) -> None:
    for path in ("/app/../pyproject.toml", "/app/%2e%2e/%2e%2e/etc/passwd"):
        response = await web.get(path)
        assert "root:" not in response.text
        assert "[project]" not in response.text


async def test_an_unbuilt_app_says_how_to_build_it(settings: Settings, tmp_path: Path) -> None:
    app = create_app(
        settings.model_copy(
            update={"api": settings.api.model_copy(update={"web_dist": str(tmp_path)})}
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app.test"
    ) as http:
        response = await http.get("/app/queue")
    assert response.status_code == 503
    assert "make up" in response.json()["detail"]


async def test_the_web_config_names_the_temporal_ui(
    client: httpx.AsyncClient, signed_in: SignedIn, settings: Settings
) -> None:
    manager = await signed_in(Role.MANAGER)
    answer = await client.get("/web/config", headers=manager.headers)
    assert answer.json() == {
        "temporal_ui_url": settings.temporal.ui_url,
        "temporal_namespace": settings.temporal.namespace,
    }
    assert (await client.get("/web/config")).status_code == 401
