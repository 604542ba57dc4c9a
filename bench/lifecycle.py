"""`python -m bench lifecycle`: simulated people taking requests from creation to closing,
and what the stack's processes cost meanwhile.

    .venv/bin/python -m bench lifecycle [--lifecycles-concurrency 20] [--duration 60]
        [--label "1 process per service"]

Each of N concurrent loops plays one lifecycle after another: a demo customer files a
request, the demo manager assigns it to a verified demo executor with the skill, the
executor accepts, starts and completes it (through the API with the executor's token, as
the bot does), the customer confirms, and the loop polls GET /requests/{id} until the
workflow has made the paperwork and closed it. Every action carries its own
Idempotency-Key and is retried with it on a transport error, 401, 429 or 5xx (a real
client would; the key makes the retry harmless). No new lifecycle starts after
--duration; those under way are finished (up to --close-timeout-s).

Reported: lifecycles per minute (closed ones over the run's wall time), p50/p99 of each
action (from its first attempt to its answer, retries included), confirm → closed,
failed attempts by action and status, and RSS and CPU of every supervisord program,
grouped by kind (bench/procs.py).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.api import Attempt, Call, Person, Retry, call, client
from bench.procs import KINDS_HEADERS, Monitor, Stack, kinds_table_rows
from bench.results import table, write
from bench.stats import Latency, count_by
from core.settings import get_settings
from devstack.demo import ACCOUNTS
from domain.lifecycle import Role

ACTIONS = ("create", "assign", "accept", "start", "complete", "confirm")
CUSTOMERS = tuple(a.email for a in ACCOUNTS if a.role == Role.CUSTOMER)
MANAGER = next(a.email for a in ACCOUNTS if a.role == Role.MANAGER)
DEMO_EXECUTORS = frozenset(a.email for a in ACCOUNTS if a.role == Role.EXECUTOR)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_driver_arguments(parser)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of new lifecycles")
    parser.add_argument("--label", default="", help="what this run measures, kept in the JSON")


def add_driver_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lifecycles-concurrency", type=int, default=20, metavar="N")
    parser.add_argument(
        "--retry-for-s", type=float, default=60.0, help="how long one action is retried"
    )
    parser.add_argument("--close-timeout-s", type=float, default=120.0)
    parser.add_argument("--poll-interval-s", type=float, default=0.25)
    parser.add_argument("--timeout", type=float, default=15.0, help="per HTTP attempt, seconds")


@dataclass(frozen=True)
class Executor:
    id: str
    email: str
    category: str
    person: Person


@dataclass(frozen=True)
class Cast:
    customers: list[Person]
    manager: Person
    executors: list[Executor]


async def find_cast(http: Any) -> Cast:
    """Sign in the demo customers and manager, and the verified demo executors the
    executor list shows (their passwords are the demo one)."""
    customers = [Person(http, email) for email in CUSTOMERS]
    manager = Person(http, MANAGER)
    for person in [*customers, manager]:
        await person.sign_in()
    now = datetime.now(UTC)
    executors: list[Executor] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = await http.get("/executors", params=params, headers=manager.headers())
        page.raise_for_status()
        for e in page.json()["items"]:
            until = e["verified_until"]
            if (
                e["email"] in DEMO_EXECUTORS
                and e["is_active"]
                and e["available"]
                and e["verification_status"] == "verified"
                and e["skills"]
                and (until is None or datetime.fromisoformat(until) > now)
            ):
                person = Person(http, e["email"])
                await person.sign_in()
                executors.append(Executor(e["id"], e["email"], e["skills"][0], person))
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    if not executors:
        raise SystemExit(
            "no verified demo executor to assign to: run `python -m devstack up --detach` "
            "(it seeds the demo data)"
        )
    # A stable order: the same person gets the same executor from run to run.
    return Cast(customers, manager, sorted(executors, key=lambda e: e.email))


@dataclass
class Lifecycle:
    person: int
    number: int
    category: str
    started: float  # wall clock
    request_id: str | None = None
    calls: dict[str, Call] = field(default_factory=dict)
    confirmed: float | None = None  # wall clock of the confirm's answer
    closed: float | None = None  # wall clock when GET first showed "closed"
    failure: str | None = None
    last_state: str | None = None

    @property
    def lost(self) -> bool:
        """Started on the platform (the request exists) and never seen closed."""
        return self.request_id is not None and self.closed is None

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "number": self.number,
            "request_id": self.request_id,
            "started": self.started,
            "confirmed": self.confirmed,
            "closed": self.closed,
            "failure": self.failure,
            "last_state": self.last_state,
            "attempts": {a: len(c.attempts) for a, c in self.calls.items()},
        }


class Driver:
    """The simulated people. `attempts` logs every HTTP attempt of an action (wall clock)
    for the chaos benchmark's recovery times."""

    def __init__(
        self,
        cast: Cast,
        *,
        people: int,
        retry: Retry,
        close_timeout_s: float,
        poll_interval_s: float,
        run: str | None = None,
    ) -> None:
        self.cast = cast
        self.people = people
        self.retry = retry
        self.close_timeout_s = close_timeout_s
        self.poll_interval_s = poll_interval_s
        self.run_id = run or uuid.uuid4().hex[:8]
        self.lifecycles: list[Lifecycle] = []
        self.attempts: list[tuple[str, Attempt]] = []
        self.on_closed: Callable[[Lifecycle], None] | None = None
        self._stopping = asyncio.Event()
        self.started = 0.0
        self.finished = 0.0

    def stop(self) -> None:
        """No new lifecycles; those under way carry on to their end."""
        self._stopping.set()

    async def run(self) -> None:
        self.started = time.time()
        await asyncio.gather(*(self._person(i) for i in range(self.people)))
        self.finished = time.time()

    async def _person(self, index: int) -> None:
        await asyncio.sleep(index * 0.05)  # no thundering herd at the start
        number = 0
        while not self._stopping.is_set():
            lifecycle = await self._lifecycle(index, number)
            number += 1
            if lifecycle.failure is not None:
                await asyncio.sleep(1.0)  # a person who just failed does not hammer

    def _log(self, label: str, attempt: Attempt) -> None:
        self.attempts.append((label, attempt))

    async def _act(
        self, lifecycle: Lifecycle, action: str, person: Person, path: str, body: Any = None
    ) -> Call | None:
        key = f"bench-{self.run_id}-{lifecycle.person}-{lifecycle.number}-{action}"
        result = await call(
            person,
            "POST",
            path,
            json=body,
            key=key,
            retry=self.retry,
            on_attempt=self._log,
            label=action,
        )
        lifecycle.calls[action] = result
        if not result.ok:
            lifecycle.failure = f"{action}: {result.outcome}"
            return None
        if isinstance(result.body, dict):
            lifecycle.last_state = result.body.get("state")
        return result

    async def _lifecycle(self, index: int, number: int) -> Lifecycle:
        cast = self.cast
        customer = cast.customers[index % len(cast.customers)]
        executor = cast.executors[index % len(cast.executors)]
        lifecycle = Lifecycle(index, number, executor.category, time.time())
        self.lifecycles.append(lifecycle)
        created = await self._act(
            lifecycle,
            "create",
            customer,
            "/requests",
            {
                "category": executor.category,
                "description": f"Бенчмарк {self.run_id}: заявка {index}.{number}",
                "address": "Москва, ул. Бенчмарка, 1",
                "budget": "3000.00",
            },
        )
        if created is None:
            return lifecycle
        request_id = str(created.body["id"])
        lifecycle.request_id = request_id
        base = f"/requests/{request_id}"
        steps: list[tuple[str, Person, Any]] = [
            ("assign", cast.manager, {"executor_id": executor.id}),
            ("accept", executor.person, None),
            ("start", executor.person, None),
            ("complete", executor.person, {"report": "Бенчмарк: работа выполнена"}),
            ("confirm", customer, None),
        ]
        for action, person, body in steps:
            if await self._act(lifecycle, action, person, f"{base}/{action}", body) is None:
                return lifecycle
        lifecycle.confirmed = lifecycle.calls["confirm"].done
        await self._until_closed(lifecycle, customer, base)
        return lifecycle

    async def _until_closed(self, lifecycle: Lifecycle, customer: Person, path: str) -> None:
        deadline = time.monotonic() + self.close_timeout_s
        while time.monotonic() < deadline:
            seen = await call(customer, "GET", path)
            if seen.ok and isinstance(seen.body, dict):
                lifecycle.last_state = seen.body.get("state")
                if lifecycle.last_state == "closed":
                    lifecycle.closed = seen.done
                    if self.on_closed is not None:
                        self.on_closed(lifecycle)
                    return
                if seen.body.get("paperwork_failed"):
                    lifecycle.failure = "paperwork failed (parked for HR)"
                    return
            await asyncio.sleep(self.poll_interval_s)
        lifecycle.failure = f"not closed within {self.close_timeout_s:g} s"

    # ---- figures -----------------------------------------------------------------------

    def action_latencies(self, lifecycles: list[Lifecycle] | None = None) -> dict[str, Latency]:
        chosen = self.lifecycles if lifecycles is None else lifecycles
        figures = {
            action: Latency.of(
                [c.elapsed_ms for lc in chosen if (c := lc.calls.get(action)) and c.ok]
            )
            for action in ACTIONS
        }
        figures["confirm→closed"] = Latency.of(
            [
                (lc.closed - lc.confirmed) * 1000
                for lc in chosen
                if lc.closed is not None and lc.confirmed is not None
            ]
        )
        return figures

    def retries(self) -> dict[str, int]:
        return {
            action: sum(
                len(c.attempts) - 1 for lc in self.lifecycles if (c := lc.calls.get(action))
            )
            for action in ACTIONS
        }

    def failed_attempts(self) -> dict[str, int]:
        return count_by(f"{label} {a.outcome}" for label, a in self.attempts if not a.ok)

    def summary(self) -> dict[str, Any]:
        elapsed = max(self.finished - self.started, 1e-9)
        closed = [lc for lc in self.lifecycles if lc.closed is not None]
        return {
            "people": self.people,
            "elapsed_s": elapsed,
            "lifecycles_started": len(self.lifecycles),
            "lifecycles_closed": len(closed),
            "lifecycles_failed": sum(lc.failure is not None for lc in self.lifecycles),
            "lifecycles_lost": sum(lc.lost for lc in self.lifecycles),
            "lifecycles_per_min": len(closed) / elapsed * 60,
            "latency_ms": {a: f.as_json() for a, f in self.action_latencies().items()},
            "retries": self.retries(),
            "failed_attempts": self.failed_attempts(),
            "failures": count_by(lc.failure for lc in self.lifecycles if lc.failure),
        }


def latency_rows(driver: Driver) -> list[list[object]]:
    retries = driver.retries()
    failed = driver.failed_attempts()
    rows: list[list[object]] = []
    for action, figures in driver.action_latencies().items():
        errors = {k.split(" ", 1)[1]: v for k, v in failed.items() if k.split(" ", 1)[0] == action}
        rows.append(
            [
                action,
                figures.count,
                figures.p50,
                figures.p99,
                figures.max,
                retries.get(action, 0),
                ", ".join(f"{k}×{v}" for k, v in errors.items()) or "0",
            ]
        )
    return rows


LATENCY_HEADERS = ["step", "n", "p50 ms", "p99 ms", "max ms", "retries", "failed attempts"]


async def start_driver(args: argparse.Namespace, http: Any, run: str | None = None) -> Driver:
    cast = await find_cast(http)
    return Driver(
        cast,
        people=args.lifecycles_concurrency,
        retry=Retry(for_s=args.retry_for_s),
        close_timeout_s=args.close_timeout_s,
        poll_interval_s=args.poll_interval_s,
        run=run,
    )


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    monitor = Monitor(Stack(settings))
    async with client(settings.api.base_url, args.timeout) as http:
        driver = await start_driver(args, http)
        print(
            f"{args.lifecycles_concurrency} people for {args.duration:g} s; executors: "
            + ", ".join(f"{e.email} ({e.category})" for e in driver.cast.executors),
            flush=True,
        )
        await monitor.start()
        running = asyncio.create_task(driver.run())
        await asyncio.sleep(args.duration)
        driver.stop()
        await running
        processes = await monitor.stop()

    summary = driver.summary()
    print(
        f"\nlifecycles: {summary['lifecycles_closed']} closed of "
        f"{summary['lifecycles_started']} started, {summary['lifecycles_failed']} failed, "
        f"in {summary['elapsed_s']:.1f} s = {summary['lifecycles_per_min']:.1f} lifecycles/min"
        + (f"  [{args.label}]" if args.label else "")
    )
    print(table(LATENCY_HEADERS, latency_rows(driver)))
    if summary["failures"]:
        print("failed lifecycles: " + ", ".join(f"{k}×{v}" for k, v in summary["failures"].items()))
    print("\nprocesses during the run (RSS at the end, peak, CPU seconds used)")
    print(table(KINDS_HEADERS, kinds_table_rows(processes["kinds"])))
    path = write(
        "lifecycle",
        {
            "label": args.label,
            "parameters": {
                "people": args.lifecycles_concurrency,
                "duration_s": args.duration,
                "retry_for_s": args.retry_for_s,
                "close_timeout_s": args.close_timeout_s,
                "poll_interval_s": args.poll_interval_s,
                "executors": [e.email for e in driver.cast.executors],
            },
            **summary,
            "processes": processes,
            "lifecycles": [lc.as_json() for lc in driver.lifecycles],
        },
    )
    print(f"\nfigures written to {path}")
    return 0
