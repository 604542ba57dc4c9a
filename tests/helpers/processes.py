"""Our own processes (worker, relay) run as real subprocesses for crash tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from core.settings import REPO_ROOT, Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PlatformProcess:
    """A process of ours against the run's database; each start gets a fresh metrics
    port (`port_setting`), so a restarted process never waits for the old socket."""

    def __init__(self, settings: Settings, args: list[str], port_setting: str, **env: str) -> None:
        self.args = [sys.executable, *args]
        self.port_setting = port_setting
        self.env = dict(
            os.environ,
            SRA_POSTGRES__DATABASE=settings.postgres.database,
            SRA_LOG_LEVEL="WARNING",
            **env,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0  # the metrics port of the current start

    def start(self) -> None:
        self.port = free_port()
        env = dict(self.env, **{self.port_setting: str(self.port)})
        self.process = subprocess.Popen(self.args, env=env, cwd=REPO_ROOT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


def worker_env(settings: Settings) -> dict[str, str]:
    """Settings for a worker.py subprocess of this run: the queues of `settings` (see
    Settings.with_task_queues), and the run's mail server and Telegram emulator (the
    fixtures `mailbox` and `telegram_api`)."""
    return {
        "SRA_TEMPORAL__TASK_QUEUE": settings.temporal.task_queue,
        "SRA_NOTIFICATIONS__TASK_QUEUE": settings.notifications.task_queue,
        "SRA_VERIFICATION__TASK_QUEUE": settings.verification.task_queue,
        "SRA_PAPERWORK__TASK_QUEUE": settings.paperwork.task_queue,
        "SRA_NOTIFICATIONS__EMAIL_PER_S": str(settings.notifications.email_per_s),
        "SRA_SMTP__HOST": settings.smtp.host,
        "SRA_SMTP__PORT": str(settings.smtp.port),
        "SRA_TELEGRAM__BOT_TOKEN": "",
        "SRA_TELEGRAM__EMULATOR_HOST": settings.telegram.emulator_host,
        "SRA_TELEGRAM__EMULATOR_PORT": str(settings.telegram.emulator_port),
    }
