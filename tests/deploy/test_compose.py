"""docker-compose.yml validates without an engine and declares everything our code needs."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import worker
from core.settings import WORKER_KINDS, ClickHouseSettings, KafkaSettings, Settings

# What an operator puts into .env; compose refuses to start without either.
REQUIRED = {
    "SRA_AUTH__JWT_SECRET": "k" * 43,
    "SRA_API__OPS_TOKEN": "o" * 43,
    "GRAFANA_ADMIN_PASSWORD": "a-grafana-admin-password",
}
# Services meant to be reached from other machines; everything else is loopback or internal.
PUBLIC_SERVICES = {"api"}
WORKERS = tuple(f"worker-{kind}" for kind in WORKER_KINDS)


def _compose_config(
    repo_root: Path, tmp_path: Path, variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    # local_stack installs docker-compose with the test tools when the stack starts.
    executable = shutil.which("docker-compose")
    assert executable, "docker-compose is missing: `python -m devstack install --test-tools`"
    env_file = tmp_path / "empty.env"  # a developer's own .env must not fill the gaps
    env_file.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED} | variables
    return subprocess.run(
        [
            executable,
            "-f",
            str(repo_root / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root,
        env=env,
    )


@pytest.fixture(scope="module")
def compose(
    repo_root: Path, local_stack: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    result = _compose_config(repo_root, tmp_path_factory.mktemp("compose"), REQUIRED)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = yaml.safe_load(result.stdout)
    return parsed


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_a_required_secret(
    repo_root: Path, local_stack: Settings, tmp_path: Path, missing: str
) -> None:
    given = {k: v for k, v in REQUIRED.items() if k != missing}
    result = _compose_config(repo_root, tmp_path, given)
    assert result.returncode != 0
    assert f"set {missing} in .env" in result.stderr


def test_our_processes_get_the_signing_secret_from_env(compose: dict[str, Any]) -> None:
    for name in ("api", *WORKERS, "bridges", "bot", "provision"):
        env = compose["services"][name]["environment"]
        assert env["SRA_AUTH__JWT_SECRET"] == REQUIRED["SRA_AUTH__JWT_SECRET"]
        assert env["SRA_AUTH__JWT_PREVIOUS_SECRETS"] == "[]"
        assert env["SRA_ENVIRONMENT"] != "local"  # so the processes check their secrets
        assert env["SRA_API__OPS_TOKEN"] == REQUIRED["SRA_API__OPS_TOKEN"]


def test_prometheus_scrapes_the_api_with_the_operator_token(
    compose: dict[str, Any], repo_root: Path
) -> None:
    """The API's /metrics refuses anonymous callers, so Prometheus must send the token."""
    prometheus = compose["services"]["prometheus"]
    assert prometheus["environment"]["OPS_TOKEN"] == REQUIRED["SRA_API__OPS_TOKEN"]
    config = yaml.safe_load((repo_root / "deploy/prometheus/prometheus.yml").read_text())
    (api,) = [job for job in config["scrape_configs"] if job["job_name"] == "api"]
    token_file = api["authorization"]["credentials_file"]
    assert f"> {token_file}" in " ".join(prometheus["entrypoint"])


def _bindings(service: dict[str, Any]) -> list[str]:
    """The host address of each published port ("0.0.0.0" when none is given)."""
    addresses = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            addresses.append(port.get("host_ip") or "0.0.0.0")
        else:
            parts = str(port).split(":")
            addresses.append(parts[0] if len(parts) == 3 else "0.0.0.0")
    return addresses


def test_by_default_only_the_api_is_published(compose: dict[str, Any]) -> None:
    default = {n: s for n, s in compose["services"].items() if not s.get("profiles")}
    published = {n for n, s in default.items() if s.get("ports")}
    assert published == PUBLIC_SERVICES
    for name in ("temporal", "mailpit", "telegram-emulator", "redis", "postgres"):
        assert name in default, name
        assert not default[name].get("ports"), name


def test_the_tools_are_opt_in_and_bound_to_loopback(compose: dict[str, Any]) -> None:
    services = compose["services"]
    tools = {n for n, s in services.items() if "tools" in s.get("profiles", [])}
    assert {"temporal-ui", "kafka-ui", "grafana", "prometheus", "tool-ports"} <= tools
    for name, service in services.items():
        if name in PUBLIC_SERVICES:
            continue
        assert set(_bindings(service)) <= {"127.0.0.1"}, f"{name} binds {_bindings(service)}"
    forwarded = {str(p).split(":")[1] for p in services["tool-ports"]["ports"]}
    assert forwarded == {"7233", "8025", "8083"}  # Temporal gRPC, Mailpit, Telegram emulator


def test_grafana_wants_a_login(compose: dict[str, Any]) -> None:
    env = compose["services"]["grafana"]["environment"]
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == REQUIRED["GRAFANA_ADMIN_PASSWORD"]


def test_declares_every_service_the_platform_needs(compose: dict[str, Any]) -> None:
    assert {
        "postgres",
        "redis",
        "kafka-1",
        "kafka-2",
        "kafka-3",
        "kafka-ui",
        "temporal",
        "temporal-ui",
        "clickhouse",
        "prometheus",
        "grafana",
        "provision",
        "api",
        "worker-requests",
        "worker-notifications",
        "worker-verification",
        "worker-paperwork",
        "bridges",
        "bot",
        "telegram-emulator",
        "mailpit",
    } <= set(compose["services"])


def test_the_bot_and_the_mail_can_be_pointed_at_real_services(compose: dict[str, Any]) -> None:
    env = compose["services"]["bot"]["environment"]
    assert env["SRA_SMTP__HOST"] == "mailpit"  # the bundled one unless SMTP_HOST is set
    assert env["SRA_TELEGRAM__BOT_TOKEN"] == ""  # the emulator unless a token is set
    assert compose["services"]["bot"]["command"] == ["python", "-m", "bridges", "bot"]


def test_kafka_is_three_kraft_brokers_with_rf3_and_min_insync_2(compose: dict[str, Any]) -> None:
    brokers = [compose["services"][f"kafka-{i}"]["environment"] for i in (1, 2, 3)]
    assert sorted(b["KAFKA_NODE_ID"] for b in brokers) == ["1", "2", "3"]
    for broker in brokers:
        assert broker["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert broker["KAFKA_CONTROLLER_QUORUM_VOTERS"].count("@kafka-") == 3
        assert broker["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert broker["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert "ZOOKEEPER" not in " ".join(broker)


def test_our_processes_point_at_declared_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("api", *WORKERS, "bridges", "provision"):
        env = services[name]["environment"]
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert env["SRA_POSTGRES__HOST"] in services
        assert env["SRA_REDIS__HOST"] in services
        assert env["SRA_TEMPORAL__HOST"] in services
        assert {b.split(":")[0] for b in env["SRA_KAFKA__BROKERS"].split(",")} <= set(services)
        assert env["SRA_CLICKHOUSE__DSN"].split("@")[1].split(":")[0] in services
        settings = Settings(_env_file=None, kafka=KafkaSettings(brokers=env["SRA_KAFKA__BROKERS"]))
        assert settings.kafka.bootstrap_servers == env["SRA_KAFKA__BROKERS"]


def test_temporal_runs_on_postgresql(compose: dict[str, Any]) -> None:
    temporal = compose["services"]["temporal"]["environment"]
    assert temporal["DB"].startswith("postgres")
    assert temporal["POSTGRES_SEEDS"] == "postgres"


def test_prometheus_scrapes_our_processes(repo_root: Path, compose: dict[str, Any]) -> None:
    config = yaml.safe_load((repo_root / "deploy/prometheus/prometheus.yml").read_text())
    targets = {
        t
        for job in config["scrape_configs"]
        for sc in job.get("static_configs", [])
        for t in sc["targets"]
    }
    assert {"api:8000", "bridges:9465"} <= targets
    # Every replica of every worker kind, found by the service's name.
    discovered = {
        f"{name}:{sd['port']}"
        for job in config["scrape_configs"]
        for sd in job.get("dns_sd_configs", [])
        for name in sd["names"]
    }
    # ...on the port each worker's own settings make it listen on.
    bound = set()
    for kind, name in zip(WORKER_KINDS, WORKERS, strict=True):
        env = {k: str(v) for k, v in compose["services"][name]["environment"].items()}
        settings = _settings_from(env)
        bound.add(f"{name}:{worker.metrics_port(settings, [kind], replica=1)}")
    assert bound <= discovered


def _settings_from(env: dict[str, str]) -> Settings:
    """Settings as a process with exactly this environment reads them."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("SRA_")}
    for key in saved:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("SRA_")})
    try:
        return Settings(_env_file=None)
    finally:
        for key in [k for k in os.environ if k.startswith("SRA_")]:
            del os.environ[key]
        os.environ.update(saved)


def test_each_worker_kind_is_a_service_with_replicas_on_its_own_queue(
    compose: dict[str, Any],
) -> None:
    for kind, name in zip(WORKER_KINDS, WORKERS, strict=True):
        service = compose["services"][name]
        assert service["command"] == ["python", "worker.py", kind]
        assert service["healthcheck"]["test"] == ["CMD", "python", "worker.py", "ready", kind]
        assert int(service["deploy"]["replicas"]) >= 1
    assert int(compose["services"]["worker-requests"]["deploy"]["replicas"]) >= 2


def test_temporal_on_postgresql_is_sized_for_the_load(compose: dict[str, Any]) -> None:
    temporal = compose["services"]["temporal"]["environment"]
    assert int(temporal["NUM_HISTORY_SHARDS"]) >= 128
    pool = int(temporal["SQL_MAX_CONNS"])
    command = compose["services"]["postgres"]["command"]
    max_connections = int(
        next(c for c in command if c.startswith("max_connections=")).split("=")[1]
    )
    assert 2 * pool < max_connections  # Temporal's two stores leave room for ours


def test_the_analytics_sink_is_its_own_service_against_the_clickhouse_server(
    compose: dict[str, Any],
) -> None:
    sink = compose["services"]["analytics-sink"]
    assert sink["command"] == ["python", "-m", "bridges", "sink"]
    for name in ("api", "analytics-sink"):
        env = compose["services"][name]["environment"]
        settings = Settings(
            _env_file=None, clickhouse=ClickHouseSettings(dsn=env["SRA_CLICKHOUSE__DSN"])
        )
        assert not settings.clickhouse_embedded
        assert not settings.sink_runs_in_api  # the API only reads; the sink writes
