"""How a benchmark reports: a plain-text table on stdout and its figures in a JSON file
(bench/results/<name>-<UTC timestamp>.json), so runs can be compared later."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from core.settings import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "bench" / "results"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns sized to their widest cell; numbers right-aligned, text left-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in rows) and rows for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.1f}"
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_safe(value: Any) -> Any:
    """NaN (an empty sample) becomes null; orjson would refuse it otherwise."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def environment() -> dict[str, Any]:
    """What the figures depend on besides the code: the machine and the checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit or None,
    }


def write(name: str, figures: dict[str, Any], directory: Path = RESULTS_DIR) -> Path:
    started = datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    document = {"benchmark": name, "written_at": started.isoformat(), "environment": environment()}
    document.update(figures)
    path.write_bytes(orjson.dumps(_json_safe(document), option=orjson.OPT_INDENT_2))
    return path
