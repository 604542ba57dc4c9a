"""Progress lines for long steps, so a cold first start never looks hung."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.errors import StackError

HEARTBEAT_S = 15.0


def say(message: str) -> None:
    print(message, flush=True)


def step(message: str) -> None:
    say(f"→ {message}")


def tail(path: Path, lines: int = 25) -> str:
    try:
        content = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log yet)"
    return "\n".join(f"    {line}" for line in content[-lines:])


def run_logged(
    command: Sequence[str],
    *,
    part: str,
    label: str,
    log_file: Path,
    fix: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> None:
    """Run a long command with its output in `log_file`, printing a heartbeat line."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    step(f"{label} (log: {log_file})")
    started = time.monotonic()
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT_S):
            sys.stdout.write(f"  … {label}: {time.monotonic() - started:.0f} s\n")
            sys.stdout.flush()

    ticker = threading.Thread(target=heartbeat, daemon=True)
    ticker.start()
    try:
        with log_file.open("w") as log:
            result = subprocess.run(
                list(command), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, check=False
            )
    finally:
        done.set()
    if result.returncode != 0:
        raise StackError(part, f"{label} failed (exit {result.returncode}):\n{tail(log_file)}", fix)
    say(f"  ✓ {label} in {time.monotonic() - started:.0f} s")
