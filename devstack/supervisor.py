"""supervisord keeps every process of the local stack alive (restarting one that dies);
the launcher drives start order and readiness through supervisord's XML-RPC API.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from supervisor.xmlrpc import SupervisorTransport

from core.settings import Settings
from devstack.errors import StackError
from devstack.services import Service

RUNNING_STATES = {"STARTING", "RUNNING", "BACKOFF"}
# Unix socket paths are limited to ~107 bytes; deep checkouts get a short one in /tmp.
MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class Layout:
    state_dir: Path
    logs: Path
    run: Path
    config: Path
    socket: Path
    pidfile: Path

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        state = settings.state_dir.resolve()
        run = state / "run"
        socket = run / "supervisor.sock"
        if len(str(socket)) > MAX_SOCKET_PATH:
            digest = hashlib.sha1(str(state).encode()).hexdigest()[:10]  # noqa: S324 - a name, not security
            socket = Path(f"/tmp/sra-{digest}.sock")  # noqa: S108
        return cls(
            state, state / "logs", run, state / "supervisord.conf", socket, run / "supervisord.pid"
        )

    def log_of(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def render_config(layout: Layout, services: list[Service]) -> str:
    lines = [
        "[unix_http_server]",
        f"file={layout.socket}",
        "chmod=0700",
        "[supervisord]",
        f"logfile={layout.logs / 'supervisord.log'}",
        f"pidfile={layout.pidfile}",
        f"childlogdir={layout.logs}",
        "logfile_maxbytes=10MB",
        "loglevel=warn",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "[supervisorctl]",
        f"serverurl=unix://{layout.socket}",
    ]
    for service in services:
        env = ",".join(f'{k}="{_env_value(k, v)}"' for k, v in service.environment.items())
        lines += [
            f"[program:{service.name}]",
            f"command={shlex.join(service.command)}",
            "autostart=false",
            # A killed process comes back by itself: recovery is supervisord's job.
            "autorestart=true",
            "startsecs=1",
            "startretries=3",
            f"stopsignal={service.stop_signal}",
            f"stopwaitsecs={service.stop_wait_s}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={layout.log_of(service.name)}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=2",
        ]
        if service.run_as:
            lines.append(f"user={service.run_as}")
        if env:
            lines.append(f"environment={env}")
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: the configuration carries our secrets."""
    path.touch(mode=0o600)
    os.chmod(path, 0o600)  # touch keeps the mode of a file that already exists
    path.write_text(text)


def _env_value(name: str, value: str) -> str:
    """A value as supervisord's environment= line reads it back unchanged: it expands
    %(...)s, and a double quote or a line break would end the value early."""
    if '"' in value or "\n" in value:
        raise StackError(
            "supervisord",
            f"{name} contains a double quote or a line break, which supervisord cannot pass on",
            f"use letters, digits, - and _ in {name}",
        )
    return value.replace("%", "%%")


class Supervisor:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    @contextmanager
    def _rpc(self) -> Iterator[Any]:
        """supervisord's `supervisor.*` RPC namespace over its unix socket."""
        transport = SupervisorTransport(None, None, f"unix://{self.layout.socket}")
        try:
            yield xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor
        finally:
            transport.close()

    def is_running(self) -> bool:
        if not self.layout.socket.exists():
            return False
        try:
            with self._rpc() as rpc:
                return cast(str, rpc.getState()["statename"]) == "RUNNING"
        except (OSError, xmlrpc.client.Fault):
            return False

    def ensure_running(self, config_text: str) -> None:
        """Start supervisord, or make a running one pick up a changed configuration."""
        changed = not self.layout.config.exists() or self.layout.config.read_text() != config_text
        for folder in (self.layout.logs, self.layout.run):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.layout.logs, 0o777)  # noqa: S103 - processes run as their own users
        if changed:
            write_private(self.layout.config, config_text)
        if self.is_running():
            if changed:
                self._apply_config_changes()
            return
        self.layout.socket.unlink(missing_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.layout.config)],
            capture_output=True,
            text=True,
            check=False,
        )
        deadline = time.monotonic() + 15
        while not self.is_running():
            if time.monotonic() > deadline:
                raise StackError(
                    "supervisord",
                    f"did not start: {result.stderr.strip()}",
                    f"see {self.layout.logs / 'supervisord.log'}",
                )
            time.sleep(0.1)

    def _apply_config_changes(self) -> None:
        with self._rpc() as rpc:
            added, changed, removed = rpc.reloadConfig()[0]
            for name in changed + removed:
                rpc.stopProcessGroup(name, True)
                rpc.removeProcessGroup(name)
            for name in changed + added:
                rpc.addProcessGroup(name)

    def start(self, name: str) -> None:
        with self._rpc() as rpc:
            if rpc.getProcessInfo(name)["statename"] not in RUNNING_STATES:
                rpc.startProcess(name, False)

    def stop(self, names: list[str]) -> None:
        with self._rpc() as rpc:
            for name in names:
                try:
                    if rpc.getProcessInfo(name)["statename"] in RUNNING_STATES:
                        rpc.stopProcess(name, True)
                except xmlrpc.client.Fault:
                    continue  # not in this configuration

    def restart(self, name: str) -> None:
        self.stop([name])
        with self._rpc() as rpc:
            rpc.startProcess(name, False)

    def info(self) -> dict[str, dict[str, Any]]:
        if not self.is_running():
            return {}
        with self._rpc() as rpc:
            return {p["name"]: p for p in rpc.getAllProcessInfo()}

    def shutdown(self) -> None:
        if not self.is_running():
            return
        pid = int(self.layout.pidfile.read_text()) if self.layout.pidfile.exists() else None
        with self._rpc() as rpc:
            rpc.shutdown()
        deadline = time.monotonic() + 60
        while pid and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
