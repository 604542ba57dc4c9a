"""The launcher: clear failures that leave nothing running, and idempotent starts."""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from core.settings import REPO_ROOT, Settings
from devstack import cli
from devstack.cli import Stack, _check_ports_free
from devstack.errors import StackError
from devstack.install import toolset
from devstack.services import APP, Service, all_services, redis_service
from devstack.supervisor import Layout, Supervisor, render_config


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_taken_port_names_the_part_and_the_setting_to_change(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        clashing = settings.model_copy(
            update={"redis": settings.redis.model_copy(update={"port": port})}
        )
        with pytest.raises(StackError) as error:
            _check_ports_free([redis_service(clashing)])
    assert error.value.part == "redis"
    assert f"port {port} is already in use" in error.value.problem
    assert "SRA_REDIS__PORT" in error.value.fix


def test_every_part_is_supervised_and_restarted_when_it_dies(settings: Settings) -> None:
    services = all_services(settings, toolset(settings))
    config = render_config(Layout.of(settings), services)
    names = ("postgres", "redis", "kafka", "temporal", "api", "worker-requests-1", "bridges")
    for name in names:
        section = config.split(f"[program:{name}]")[1].split("[program:")[0]
        assert "autorestart=true" in section
        assert "autostart=false" in section  # the launcher owns the start order


@pytest.fixture
def scratch_stack(base_settings: Settings, run_id: str) -> Iterator[dict[str, str]]:
    """Environment for a second, throwaway stack on free ports in its own state dir."""
    state = base_settings.state_dir.resolve() / f"launcher-test-{run_id}"
    ports = _free_ports(8)
    env = dict(
        os.environ,
        SRA_STATE_DIR=str(state),
        SRA_POSTGRES__PORT=str(ports[0]),
        SRA_REDIS__PORT=str(ports[1]),
        SRA_KAFKA__PORT=str(ports[2]),
        SRA_KAFKA__CONTROLLER_PORT=str(ports[3]),
        SRA_TEMPORAL__PORT=str(ports[4]),
        SRA_TEMPORAL__UI_PORT=str(ports[5]),
        SRA_TEMPORAL__HTTP_PORT=str(ports[6]),
        SRA_TEMPORAL__METRICS_PORT=str(ports[7]),
    )
    yield env
    scratch = Settings(_env_file=None, state_dir=state)
    Supervisor(Layout.of(scratch)).shutdown()
    shutil.rmtree(state, ignore_errors=True)


@pytest.mark.slow
def test_a_part_that_cannot_start_stops_everything(scratch_stack: dict[str, str]) -> None:
    env = dict(scratch_stack, SRA_KAFKA__HEAP="not-a-size")
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "up", "--detach", "--infra-only"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "✗ kafka:" in output
    assert "fix:" in output
    assert "nothing is left running" in output

    state = Path(env["SRA_STATE_DIR"])
    assert not Supervisor(Layout.of(Settings(_env_file=None, state_dir=state))).is_running()
    for key in ("SRA_POSTGRES__PORT", "SRA_REDIS__PORT", "SRA_TEMPORAL__PORT"):
        assert not _listening(int(env[key])), f"{key} still has a listener"


def test_a_second_up_on_a_running_stack_changes_nothing(local_stack: Settings) -> None:
    supervisor = Supervisor(Layout.of(local_stack))
    before = {n: p["pid"] for n, p in supervisor.info().items() if p["statename"] == "RUNNING"}
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "up", "--detach", "--infra-only"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    after = {n: p["pid"] for n, p in supervisor.info().items() if p["statename"] == "RUNNING"}
    assert {n: after[n] for n in before} == before
    assert {"postgres", "redis", "kafka", "temporal"} <= set(after)


def test_our_python_processes_keep_their_bytecode_out_of_the_checkout(
    settings: Settings,
) -> None:
    config = render_config(Layout.of(settings), all_services(settings, toolset(settings)))
    section = config.split("[program:worker-requests-1]")[1].split("[program:")[0]
    # An inherited PYTHONDONTWRITEBYTECODE made every start compile everything again.
    assert 'PYTHONDONTWRITEBYTECODE=""' in section
    prefix = settings.state_dir.resolve() / "pycache"
    assert f'PYTHONPYCACHEPREFIX="{prefix}"' in section


def test_our_processes_start_a_few_at_a_time_in_their_order(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    starting: set[str] = set()
    widest = 0
    order: list[str] = []

    class Recorder:
        def restart(self, name: str) -> None:
            nonlocal widest
            order.append(name)
            starting.add(name)
            widest = max(widest, len(starting))

    async def ready(_stack: object, service: Service) -> None:
        await asyncio.sleep(0.01)
        starting.discard(service.name)

    services = [s for s in all_services(settings, toolset(settings)) if s.tier == APP]
    stack = Stack(settings, Layout.of(settings), cast(Supervisor, Recorder()), services)
    monkeypatch.setattr(cli, "_wait_one", ready)
    asyncio.run(cli._start_bounded(stack, services, slots=2))
    assert widest == 2
    assert order[0] == "api"  # the web app's URL is the first thing `make up` promises
    assert sorted(order) == sorted(s.name for s in services)
