"""PostgreSQL is the real server: transactions, rollbacks and server-side functions."""

from collections.abc import AsyncIterator

import psycopg
import pytest

from core.settings import Settings


@pytest.fixture
async def conn(settings: Settings) -> AsyncIterator[psycopg.AsyncConnection]:
    url = settings.postgres.url(driver="postgresql")
    async with await psycopg.AsyncConnection.connect(url) as connection:
        yield connection


async def test_round_trip_commits_and_rolls_back(
    conn: psycopg.AsyncConnection, unique: str
) -> None:
    table = "smoke_" + unique.replace("-", "_")[:40]
    await conn.execute(f'CREATE TABLE "{table}" (id serial PRIMARY KEY, note text NOT NULL)')
    await conn.execute(f'INSERT INTO "{table}" (note) VALUES (%s), (%s)', ("first", "second"))
    await conn.commit()

    await conn.execute(f'INSERT INTO "{table}" (note) VALUES (%s)', ("rolled back",))
    await conn.rollback()

    cur = await conn.execute(f'SELECT array_agg(note ORDER BY id) FROM "{table}"')
    assert (await cur.fetchone()) == (["first", "second"],)


async def test_runs_in_the_run_database(conn: psycopg.AsyncConnection, run_id: str) -> None:
    cur = await conn.execute("SELECT current_database(), current_setting('server_version_num')")
    row = await cur.fetchone()
    assert row is not None
    database, version = row
    assert database == f"test_{run_id}"
    assert int(version) >= 150000
