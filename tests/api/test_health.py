"""Liveness, readiness with each dependency, and problem details for errors."""

import socket

import httpx

from api.main import create_app
from core.settings import Settings

DEPENDENCIES = ["postgres", "redis", "kafka", "temporal", "clickhouse"]


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_lists_all_five_dependencies_with_latency(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
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


async def test_ready_answers_503_naming_the_dependency_that_is_down(settings: Settings) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    broken = settings.model_copy(
        update={"redis": settings.redis.model_copy(update={"port": dead_port})}
    )
    app = create_app(broken)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            response = await http.get("/health/ready")
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


async def test_openapi_documents_the_health_endpoints(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {"/health/live", "/health/ready"} <= set(spec["paths"])
    assert "503" in spec["paths"]["/health/ready"]["get"]["responses"]


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/health/live")
    await client.get("/no/such/thing")
    text = (await client.get("/metrics")).text
    assert 'api_requests_total{method="GET",route="/health/live",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "api_request_duration_seconds_bucket" in text
