"""Reading an embedded analytics store that another process wrote.

chDB opens one store directory per process, and the test process already holds the
run's own, so a store written by a sink subprocess is read in a subprocess too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.settings import REPO_ROOT

_COUNT = """
import json, sys
from core.settings import get_settings
from analytics.store import AnalyticsStore
ids, aggregates = json.load(sys.stdin)
store = AnalyticsStore.open(get_settings())
ours = "toString(event_id) IN {ids:Array(String)}"
one = lambda sql: store.query(sql, {"ids": ids, "a": aggregates}).result_rows[0][0]
print(json.dumps({
    "distinct": one(f"SELECT count() FROM {{db}}.events FINAL WHERE {ours}"),
    "written": one(f"SELECT count() FROM {{db}}.events WHERE {ours}"),
    "requests": one("SELECT count() FROM {db}.requests WHERE request_id IN {a:Array(String)}"),
}))
"""


def count_events(store_dir: Path, event_ids: set[str], aggregates: set[str]) -> dict[str, int]:
    """distinct: our events once each (FINAL); written: rows before folding copies;
    requests: rows of the merged request facts for our aggregates."""
    result = subprocess.run(
        [sys.executable, "-c", _COUNT],
        input=json.dumps([sorted(event_ids), sorted(aggregates)]),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=dict(os.environ, SRA_CLICKHOUSE__DSN=f"chdb://{store_dir}", PYTHONPATH=str(REPO_ROOT)),
        check=True,
        timeout=120,
    )
    counts: dict[str, int] = json.loads(result.stdout.strip().splitlines()[-1])
    return counts
