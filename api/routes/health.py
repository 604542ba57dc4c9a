"""Liveness and readiness. Readiness makes a real round trip to every dependency.

Anyone may ask whether the API is ready; only operators (api/ops_access.py) are told
which dependency answered what (versions, latencies)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ResourcesDep
from api.ops_access import IsOperator
from api.readiness_cache import SharedReadiness
from api.resources import Resources
from core.health import (
    DependencyStatus,
    Probe,
    clickhouse_probe,
    kafka_probe,
    run_probes,
    temporal_probe,
)
from domain.topics import ALL_TOPICS
from store.server import server_version

router = APIRouter(prefix="/health", tags=["health"])


class DependencyOut(BaseModel):
    name: str
    ok: bool
    latency_ms: float
    detail: str


class ReadinessOut(BaseModel):
    status: str
    # Only for operators.
    dependencies: list[DependencyOut] | None = None


@router.get("/live", summary="The process is up and serving")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=ReadinessOut,
    summary="Every dependency answers a real round trip",
    description="Each dependency's answer and latency are listed for operators only "
    "(the operator token or an admin's access token).",
    responses={503: {"model": ReadinessOut, "description": "a dependency is not ready"}},
)
async def ready(request: Request, resources: ResourcesDep, operator: IsOperator) -> JSONResponse:
    shared = readiness_of(request)

    async def probe() -> list[DependencyStatus]:
        return await run_probes(_probes(resources))

    # Operators are told what is true now; anyone else shares one run every few seconds.
    statuses = await (shared.fresh(probe) if operator else shared.statuses(probe))
    ok = all(s.ok for s in statuses)
    body: dict[str, Any] = {"status": "ready" if ok else "not ready"}
    if operator:
        body["dependencies"] = [s.as_dict() for s in statuses]
    return JSONResponse(body, status_code=200 if ok else 503)


def readiness_of(request: Request) -> SharedReadiness:
    """The app's one shared readiness (made on first use)."""
    state = request.app.state
    if not hasattr(state, "readiness"):
        state.readiness = SharedReadiness()
    shared: SharedReadiness = state.readiness
    return shared


def _probes(resources: Resources) -> dict[str, Probe]:
    settings = resources.settings

    async def postgres() -> str:
        async with resources.engine.connect() as conn:
            version = await server_version(conn)
        return f"PostgreSQL {version}"

    async def redis() -> str:
        await resources.redis.ping()
        return "PONG"

    async def clickhouse() -> str:
        client = await resources.clickhouse()
        return await clickhouse_probe(lambda: str(client.server_version))()

    return {
        "postgres": postgres,
        "redis": redis,
        "kafka": kafka_probe(settings.kafka.bootstrap_servers, ALL_TOPICS),
        "temporal": temporal_probe(settings.temporal.address, settings.temporal.namespace),
        "clickhouse": clickhouse,
    }
