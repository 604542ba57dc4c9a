"""Liveness, readiness with each dependency, and problem details for errors."""

import asyncio
import re
import socket

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from api.main import create_app
from api.readiness_cache import SharedReadiness
from api.security_headers import csp_hash
from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.api_client import SignedIn

DEPENDENCIES = ["postgres", "redis", "kafka", "temporal", "clickhouse"]


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_lists_all_five_dependencies_to_an_admin(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    admin = await signed_in(Role.ADMIN)
    response = await client.get("/health/ready", headers=admin.headers)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert [d["name"] for d in body["dependencies"]] == DEPENDENCIES
    for dependency in body["dependencies"]:
        assert dependency["ok"] is True
        assert dependency["latency_ms"] > 0
    details = {d["name"]: d["detail"] for d in body["dependencies"]}
    assert details["postgres"].startswith("PostgreSQL 15")
    assert details["clickhouse"].startswith("ClickHouse ")


async def test_anyone_else_is_told_only_the_status(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    for headers in ({}, customer.headers, {"Authorization": "Bearer not-a-token"}):
        response = await client.get("/health/ready", headers=headers)
        assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_anonymous_readiness_shares_one_probe_run(
    app: FastAPI, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    """A flood of anonymous probes costs one round of dependency calls, not one each;
    an operator is always told what is true now."""
    admin = await signed_in(Role.ADMIN)
    # Fresh for an hour here, so a slow machine cannot let the cached answer age out.
    shared = app.state.readiness = SharedReadiness(fresh_for_s=3600)
    await client.get("/health/ready", headers=admin.headers)
    before = shared.runs
    answers = await asyncio.gather(*(client.get("/health/ready") for _ in range(20)))
    assert {a.json()["status"] for a in answers} == {"ready"}
    # The admin's answer above is still fresh: the flood made no run of its own.
    assert shared.runs == before
    after_flood = shared.runs
    await client.get("/health/ready", headers=admin.headers)
    assert shared.runs == after_flood + 1


async def test_ready_answers_503_naming_the_dependency_that_is_down(settings: Settings) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    ops_token = "operator-token-for-this-test-0123456789"
    broken = settings.model_copy(
        update={
            "redis": settings.redis.model_copy(update={"port": dead_port}),
            "api": settings.api.model_copy(update={"ops_token": SecretStr(ops_token)}),
        }
    )
    app = create_app(broken)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            anonymous = await http.get("/health/ready")
            response = await http.get(
                "/health/ready", headers={"Authorization": f"Bearer {ops_token}"}
            )
    assert (anonymous.status_code, anonymous.json()) == (503, {"status": "not ready"})
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "not ready"
    failing = [d["name"] for d in body["dependencies"] if not d["ok"]]
    assert failing == ["redis"]


async def test_unknown_path_is_a_problem_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["title"] == "Not Found"
    assert problem["instance"] == "/no/such/thing"


async def test_openapi_documents_the_health_endpoints(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    admin = await signed_in(Role.ADMIN)
    spec = (await client.get("/openapi.json", headers=admin.headers)).json()
    assert {"/health/live", "/health/ready"} <= set(spec["paths"])
    assert "503" in spec["paths"]["/health/ready"]["get"]["responses"]


async def test_schema_metrics_and_docs_are_not_public(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    for path in ("/openapi.json", "/metrics"):
        anonymous = await client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert (await client.get(path, headers=customer.headers)).status_code == 403, path
    for page in ("/docs", "/redoc"):
        assert (await client.get(page)).status_code == 404, page


async def test_public_docs_run_only_their_own_hashed_script(settings: Settings) -> None:
    public = settings.model_copy(
        update={"api": settings.api.model_copy(update={"public_docs": True})}
    )
    app = create_app(public)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            page = await http.get("/docs")
            schema = await http.get("/openapi.json")
    assert (page.status_code, schema.status_code) == (200, 200)
    policy = page.headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert inline
    assert all(csp_hash(code) in script_src for code in inline)
    assert page.headers["x-frame-options"] == "DENY"


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    admin = await signed_in(Role.ADMIN)
    await client.get("/health/live")
    await client.get("/no/such/thing")
    text = (await client.get("/metrics", headers=admin.headers)).text
    assert 'api_requests_total{method="GET",route="/health/live",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "api_request_duration_seconds_bucket" in text
