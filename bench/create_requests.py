"""POST /requests latency at a sustained rate (DESIGN.md §7: p99 ≤ 100 ms at 100/s).

    make up-detached
    .venv/bin/python -m bench.create_requests [--rate 100] [--seconds 20] [--rounds 3]

Each create is the real path: token check (JWT + Redis + PostgreSQL), the idempotency
lookup, and update-with-start of the request's workflow, answered once the worker has
stored the request. Requests are sent open-loop at the given rate (a slow answer does not
slow the sender), from the demo customer account, each with a fresh Idempotency-Key.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import httpx

from core.settings import get_settings
from devstack.demo import PASSWORD

BODY = {"category": "plumbing", "description": "Бенчмарк: течёт кран", "address": "Москва"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one_round(
    client: httpx.AsyncClient, headers: dict[str, str], rate: float, seconds: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def create() -> None:
        nonlocal errors
        started = time.perf_counter()
        response = await client.post(
            "/requests", json=BODY, headers=headers | {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
        )
        if response.status_code == 201:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1

    tasks = []
    begin = time.monotonic()
    total = int(rate * seconds)
    for n in range(total):
        tasks.append(asyncio.create_task(create()))
        await asyncio.sleep(max(0.0, begin + (n + 1) / rate - time.monotonic()))
    await asyncio.gather(*tasks)
    return latencies, errors


async def main(args: argparse.Namespace) -> None:
    settings = get_settings()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(
        base_url=settings.api.base_url, timeout=30, limits=limits
    ) as client:
        token = await client.post(
            "/auth/token", data={"username": "anna@example.com", "password": PASSWORD}
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        await one_round(client, headers, 10, 1)  # warm-up: connections, caches
        p50s, p99s = [], []
        for round_no in range(1, args.rounds + 1):
            latencies, errors = await one_round(client, headers, args.rate, args.seconds)
            p50s.append(percentile(latencies, 0.5))
            p99s.append(percentile(latencies, 0.99))
            print(
                f"round {round_no}: {len(latencies)} created at {args.rate:.0f}/s, "
                f"{errors} errors  p50 {p50s[-1]:.1f} ms  p99 {p99s[-1]:.1f} ms  "
                f"max {max(latencies):.1f} ms",
                flush=True,
            )
    print(
        f"\ncreate request, median over {args.rounds} rounds: "
        f"p50 {statistics.median(p50s):.1f} ms, p99 {statistics.median(p99s):.1f} ms "
        f"(target p99 ≤ 100 ms at 100/s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
