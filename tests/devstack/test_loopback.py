"""The local stack listens on the loopback interface only: none of its tools (Temporal,
the mailbox with every signed link, the emulators) is reachable from the network."""

import os
from pathlib import Path

import pytest

from core.settings import Settings
from devstack.install import toolset
from devstack.services import all_services

pytestmark = pytest.mark.fast  # needs no service of the stack (make test-fast)

BIND_FLAGS = {"--host", "--ip", "--bind"}


def test_every_part_binds_loopback_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("SRA_") and n.endswith("HOST")]:
        monkeypatch.delenv(name)  # the defaults are what is checked
    settings = Settings(_env_file=None, state_dir=tmp_path)
    bound: dict[str, list[str]] = {}
    for service in all_services(settings, toolset(settings)):
        args = service.command
        hosts = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg in BIND_FLAGS]
        hosts += [a.split("=", 1)[1] for a in args if a.startswith("listen_addresses=")]
        bound[service.name] = hosts
    assert {"postgres", "redis", "temporal", "api", "mailbox", "telegram"} <= {
        name for name, hosts in bound.items() if hosts
    }
    assert {h for hosts in bound.values() for h in hosts} == {"127.0.0.1"}, bound
    for host in (
        settings.kafka.host,
        settings.worker.metrics_host,
        settings.relay.metrics_host,
        settings.telegram.webhook_host,
    ):
        assert host == "127.0.0.1"
