"""ClickHouse is the real engine (chDB embedded, through clickhouse-connect)."""

import random

from core.clickhouse import connect_clickhouse
from core.settings import Settings


def test_insert_and_aggregate(settings: Settings) -> None:
    client = connect_clickhouse(settings)
    table = f"{settings.clickhouse.database}.smoke_transitions"
    client.command(f"DROP TABLE IF EXISTS {table}")
    client.command(
        f"CREATE TABLE {table} (request_id UInt32, state LowCardinality(String), "
        "latency_ms Float64) ENGINE = MergeTree ORDER BY request_id"
    )
    rng = random.Random(7)
    states = ["new", "assigned", "accepted", "closed"]
    rows: list[tuple[int, str, float]] = [
        (i % 500, rng.choice(states), rng.uniform(1, 100)) for i in range(20_000)
    ]
    client.insert(table, rows, column_names=["request_id", "state", "latency_ms"])

    result = client.query(
        f"SELECT state, count(), round(sum(latency_ms), 3) FROM {table} "
        "GROUP BY state ORDER BY state"
    ).result_rows

    expected = sorted(
        (s, sum(1 for r in rows if r[1] == s), round(sum(r[2] for r in rows if r[1] == s), 3))
        for s in states
    )
    assert [(s, c) for s, c, _ in result] == [(s, c) for s, c, _ in expected]
    for (_, _, got), (_, _, want) in zip(result, expected, strict=True):
        assert abs(got - want) < 1e-6 * want
    assert client.server_version.split(".")[0].isdigit()
