"""docker-compose.yml validates without an engine and declares everything our code needs."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import KafkaSettings, Settings


@pytest.fixture(scope="module")
def compose(repo_root: Path, local_stack: Settings) -> dict[str, Any]:
    # local_stack installs docker-compose with the test tools when the stack starts.
    executable = shutil.which("docker-compose")
    assert executable, "docker-compose is missing: `python -m devstack install --test-tools`"
    result = subprocess.run(
        [executable, "-f", str(repo_root / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root,
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = yaml.safe_load(result.stdout)
    return parsed


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
        "worker",
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
    for name in ("api", "worker", "bridges", "provision"):
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


def test_prometheus_scrapes_our_processes(repo_root: Path) -> None:
    config = yaml.safe_load((repo_root / "deploy/prometheus/prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]
    }
    assert {"api:8000", "worker:9464", "bridges:9465"} <= targets
