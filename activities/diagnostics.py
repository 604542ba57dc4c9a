"""Dependency round trips made from inside the worker process."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from core.health import kafka_probe, postgres_probe, redis_probe, run_probes
from core.settings import Settings
from domain.topics import ALL_TOPICS


@dataclass(frozen=True)
class DependencyReport:
    name: str
    ok: bool
    latency_ms: float
    detail: str


class DiagnosticsActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn
    async def check_dependencies(self) -> list[DependencyReport]:
        s = self.settings
        statuses = await run_probes(
            {
                "postgres": postgres_probe(s.postgres.url(driver="postgresql")),
                "redis": redis_probe(s.redis.url),
                "kafka": kafka_probe(s.kafka.bootstrap_servers, ALL_TOPICS),
            }
        )
        return [DependencyReport(x.name, x.ok, x.latency_ms, x.detail) for x in statuses]
