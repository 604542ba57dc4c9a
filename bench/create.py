"""`python -m bench create`: POST /requests latency and throughput at fixed offered rates,
beside raw Temporal StartWorkflow on the same server (targets: docs/performance.md).

    .venv/bin/python -m devstack up --detach
    .venv/bin/python -m bench create [--rates 10,25,50,100] [--seconds 10] [--rounds 2]

Each create is the real path: token check, rate limit, and one PostgreSQL transaction
(the request, its history, its request.created outbox event and its start intent),
answered once that is committed; the workflow is started right after, in the
background (services/request_starts.py). Every one carries a fresh Idempotency-Key
and is sent as a demo customer (taking turns, so no one account carries the load).
Calls go out open-loop (bench/openloop.py). For each rate and round the API is
measured, then raw StartWorkflow at the same rate (bench/temporal_starts.py) right
after it, so both see the same machine; the table shows medians over the rounds, and
the ratio of the API's p99 and achieved rate to the raw start's.

"Highest rate within target": the highest measured rate whose p99 is within
--p99-target-ms with no errors and at least 95 % of the offered rate achieved;
--search N then bisects between it and the next measured rate for N more short runs.
"""

from __future__ import annotations

import argparse
import itertools
import math
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.api import Person, client
from bench.openloop import RateResult, run_at_rate
from bench.results import table, write
from bench.stats import median, ratio
from bench.temporal_starts import RawStarts
from core.settings import get_settings

CUSTOMERS = ("anna@example.com", "boris@example.com")
BODY = {"category": "plumbing", "description": "Бенчмарк: течёт кран", "address": "Москва"}
# A rate "keeps up" when it delivers this share of what was offered.
KEEPS_UP = 0.95


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rates", default="10,25,50,100", help="offered rates per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="per rate and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--p99-target-ms", type=float, default=200.0)
    parser.add_argument(
        "--search", type=int, default=0, metavar="N", help="bisection steps past the rates run"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="per call, seconds")
    parser.add_argument("--no-raw", action="store_true", help="skip raw Temporal starts")


def parse_rates(text: str) -> list[float]:
    rates = sorted({float(r) for r in text.split(",") if r.strip()})
    if not rates or any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError("rates must be positive numbers, e.g. 10,25,50")
    return rates


@dataclass
class RateFigures:
    """Every round at one offered rate, and the medians the table shows."""

    offered: float
    api: list[RateResult] = field(default_factory=list)
    raw: list[RateResult] = field(default_factory=list)

    @staticmethod
    def _median(results: list[RateResult], figure: str) -> float:
        values = [r.as_json()["latency_ms"][figure] for r in results]
        return median(math.nan if v is None else float(v) for v in values)

    def api_p(self, figure: str) -> float:
        return self._median(self.api, figure)

    def raw_p(self, figure: str) -> float:
        return self._median(self.raw, figure)

    @property
    def api_achieved(self) -> float:
        return median(r.achieved for r in self.api)

    @property
    def raw_achieved(self) -> float:
        return median(r.achieved for r in self.raw)

    @property
    def api_errors(self) -> dict[str, int]:
        return _summed(r.errors for r in self.api)

    def within(self, p99_target_ms: float) -> bool:
        return (
            not self.api_errors
            and self.api_p("p99") <= p99_target_ms
            and self.api_achieved >= KEEPS_UP * self.offered
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "offered_per_s": self.offered,
            "api": {
                "rounds": [r.as_json() for r in self.api],
                "median": {
                    "achieved_per_s": self.api_achieved,
                    **{f: self.api_p(f) for f in ("p50", "p95", "p99")},
                },
                "errors": self.api_errors,
            },
            "raw_start": {
                "rounds": [r.as_json() for r in self.raw],
                "median": {
                    "achieved_per_s": self.raw_achieved,
                    **{f: self.raw_p(f) for f in ("p50", "p95", "p99")},
                },
                "errors": _summed(r.errors for r in self.raw),
            },
            "api_over_raw": {
                "p99": ratio(self.api_p("p99"), self.raw_p("p99")),
                "achieved": ratio(self.api_achieved, self.raw_achieved),
            },
        }


def _summed(counts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for k, v in one.items():
            total[k] = total.get(k, 0) + v
    return total


def highest_within(figures: list[RateFigures], p99_target_ms: float) -> float | None:
    """The highest rate within target below the first rate that misses it: a lucky high
    rate after a missed lower one is noise, not capacity."""
    best = None
    for rate in sorted(figures, key=lambda f: f.offered):
        if not rate.within(p99_target_ms):
            break
        best = rate.offered
    return best


class Creator:
    def __init__(self, customers: list[Person]) -> None:
        self.turns = itertools.cycle(customers)

    async def one(self, n: int) -> str:
        person = next(self.turns)
        response = await person.http.post(
            "/requests",
            json=BODY,
            headers=person.headers() | {"Idempotency-Key": f"bench-create-{uuid.uuid4()}"},
        )
        return "ok" if response.status_code == 201 else str(response.status_code)

    async def at_rate(self, rate: float, seconds: float) -> RateResult:
        return await run_at_rate(rate, seconds, self.one)


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    rates = parse_rates(args.rates)
    # Past the end of everything this run sends (see bench/temporal_starts.py).
    planned_s = 2 * args.rounds * sum(args.seconds for _ in rates) + 10 * args.search
    raw = (
        None
        if args.no_raw
        else await RawStarts.connect(settings, timedelta(seconds=planned_s + 300))
    )
    figures = {rate: RateFigures(rate) for rate in rates}
    async with client(settings.api.base_url, args.timeout) as http:
        customers = [Person(http, email) for email in CUSTOMERS]
        for person in customers:
            await person.sign_in()
        creator = Creator(customers)
        await creator.at_rate(10, 1)  # warm-up: connections, caches
        if raw is not None:
            await raw.at_rate("warmup", 10, 1)
        for round_no in range(1, args.rounds + 1):
            for rate in rates:
                api = await creator.at_rate(rate, args.seconds)
                figures[rate].api.append(api)
                line = f"round {round_no} @ {rate:g}/s: api {_brief(api)}"
                if raw is not None:
                    started = await raw.at_rate(f"r{round_no}-{rate:g}", rate, args.seconds)
                    figures[rate].raw.append(started)
                    line += f" | raw start {_brief(started)}"
                print(line, flush=True)
        measured = list(figures.values())
        best = highest_within(measured, args.p99_target_ms)
        searched = await _search(creator, measured, best, args) if args.search else []
        if searched:
            best = highest_within(
                sorted(measured + searched, key=lambda f: f.offered), args.p99_target_ms
            )

    _print(measured, searched, best, args, raw is not None)
    path = write(
        "create",
        {
            "parameters": {
                "rates": rates,
                "seconds": args.seconds,
                "rounds": args.rounds,
                "p99_target_ms": args.p99_target_ms,
                "search_steps": args.search,
                "customers": list(CUSTOMERS),
            },
            "rates": [f.as_json() for f in measured],
            "search": [f.as_json() for f in searched],
            "highest_rate_within_target": best,
            "raw_workflows_started": raw.started if raw else 0,
            "raw_task_queue": raw.task_queue if raw else None,
        },
    )
    print(f"\nfigures written to {path}")
    return 0


async def _search(
    creator: Creator, measured: list[RateFigures], best: float | None, args: argparse.Namespace
) -> list[RateFigures]:
    """Bisect between the best rate within target and the next one measured (or twice the
    best when every rate was within target)."""
    rates = sorted(f.offered for f in measured)
    low = best if best is not None else 0.0
    above = [r for r in rates if r > low]
    high = above[0] if above else low * 2
    found: list[RateFigures] = []
    for _ in range(args.search):
        rate = round((low + high) / 2, 1)
        if rate <= low or rate >= high:
            break
        one = RateFigures(rate)
        one.api.append(await creator.at_rate(rate, args.seconds))
        found.append(one)
        print(f"search @ {rate:g}/s: api {_brief(one.api[0])}", flush=True)
        if one.within(args.p99_target_ms):
            low = rate
        else:
            high = rate
    return found


def _brief(result: RateResult) -> str:
    figures = result.as_json()
    latency = figures["latency_ms"]
    p99 = latency["p99"]
    return (
        f"{result.achieved:.1f}/s p99 {p99 if p99 is None else round(p99, 1)} ms "
        f"errors {sum(result.errors.values())}"
    )


def _print(
    measured: list[RateFigures],
    searched: list[RateFigures],
    best: float | None,
    args: argparse.Namespace,
    with_raw: bool,
) -> None:
    headers = ["offered/s", "achieved/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    if with_raw:
        headers += ["raw/s", "raw p50", "raw p99", "p99 ×raw", "rate ×raw"]
    rows = []
    for f in measured + searched:
        row: list[object] = [
            f.offered,
            f.api_achieved,
            f.api_p("p50"),
            f.api_p("p95"),
            f.api_p("p99"),
            ", ".join(f"{k}×{v}" for k, v in f.api_errors.items()) or "0",
        ]
        if with_raw and f.raw:
            row += [
                f.raw_achieved,
                f.raw_p("p50"),
                f.raw_p("p99"),
                f"{ratio(f.api_p('p99'), f.raw_p('p99')):.1f}",
                f"{ratio(f.api_achieved, f.raw_achieved):.2f}",
            ]
        elif with_raw:
            row += ["-"] * 5
        rows.append(row)
    print(f"\nPOST /requests, median over {args.rounds} round(s) of {args.seconds:g} s")
    print(table(headers, rows))
    verdict = f"{best:g}/s" if best is not None else f"none (not even {measured[0].offered:g}/s)"
    print(f"highest rate with p99 ≤ {args.p99_target_ms:g} ms, no errors: {verdict}")
