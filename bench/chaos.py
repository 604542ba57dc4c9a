"""`python -m bench chaos`: faults injected one after another under lifecycle load.

    .venv/bin/python -m bench chaos [--faults api,kafka] [--lifecycles-concurrency 10]

The lifecycle driver (bench/lifecycle.py) runs throughout; its actions retry through a
fault with their Idempotency-Key, as a real client would. Faults, in turn (each kind
discovered from supervisord; --faults picks some): kill -9 of the API, of one process of
each worker kind (of every one with --all-replicas; a kind run as one process loses it),
of the relay (bridges), the bot, Kafka and the Temporal server (supervisord restarts
them: autorestart=true), and a restart (stop, then start) of PostgreSQL and Redis. The
emulators and the mailbox are the test's eyes: not faulted.

Per fault:

- ready: from the fault to the faulted programs RUNNING under new pids and answering
  their readiness probe (the same probes as `devstack status`).
- recovery: from the fault to the later of "ready" and the first sign that the work the
  faulted part does flows again, end to end:
    api, worker-requests, temporal, postgres, redis: the first API action whose attempt
      was sent after the fault and succeeded (actions go through all of them);
    worker-paperwork: the first request confirmed after the fault seen closed;
    worker-notifications: the first e-mail or Telegram message delivered after it is ready;
    bridges, kafka: the first event of the run that happened after the fault reaching Kafka;
    bot, worker-verification (not on the lifecycle's path): ready alone.
  The JSON keeps every one of these times for every fault.
- closed: lifecycles closed between this fault and the next.
- lost: lifecycles whose request exists but was never seen closed, once the load has
  stopped and --close-timeout-s has passed; each is counted against the fault in
  progress when it last made progress (or the next one). Must be 0.
- Kafka duplicates (bench/kafka_audit.py): request-, workflow- and hr-events of the
  run's requests, de-duplicated by event_id; two different events for one step.
- e-mails and Telegram messages sent twice (bench/delivery_audit.py), by Message-ID /
  recipient + subject, and by chat + text.
Duplicates are counted against the fault before the second copy arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.api import client
from bench.delivery_audit import Deliveries, duplicate_times
from bench.kafka_audit import Recorder, audit
from bench.lifecycle import Driver, Lifecycle, add_driver_arguments, start_driver
from bench.procs import (
    KINDS_HEADERS,
    Monitor,
    Stack,
    descendants,
    kind_of,
    kinds_table_rows,
    process_stats,
)
from bench.results import table, write
from bench.stats import count_by
from core.settings import Settings, get_settings

Signal = Literal["action", "close", "kafka", "delivery", "ready"]
# The parts the benchmark watches the platform through: never faulted.
WATCHERS = frozenset({"mailbox", "telegram", "tax-service"})
RESTARTED = ("postgres", "redis")  # stop + start: a clean restart of a data store
KILLED_INFRA = ("kafka", "temporal")
SIGNALS: dict[str, Signal] = {
    "api": "action",
    "worker-requests": "action",
    "worker-notifications": "delivery",
    "worker-paperwork": "close",
    "worker-verification": "ready",
    "bridges": "kafka",
    "bot": "ready",
    "kafka": "kafka",
    "temporal": "action",
    "postgres": "action",
    "redis": "action",
}


@dataclass(frozen=True)
class Fault:
    kind: str
    programs: tuple[str, ...]
    how: Literal["kill", "restart"]
    signal: Signal


def plan(
    programs: list[str], selected: list[str] | None = None, *, all_replicas: bool = False
) -> list[Fault]:
    """The faults for the programs supervisord runs, in the documented order: the API,
    each worker kind, the relay, the bot, then the infrastructure; any other kind of
    our own after them (a new part is faulted too, judged by "ready"). A worker kind
    run as several processes loses its first one (the others carry on), or every one
    with `all_replicas`."""
    kinds: dict[str, list[str]] = {}
    for name in sorted(programs):
        kinds.setdefault(kind_of(name), []).append(name)
    workers = sorted(k for k in kinds if k.startswith("worker"))
    known = ["api", *workers, "bridges", "bot", *KILLED_INFRA, *RESTARTED]
    order = [k for k in known if k in kinds] + sorted(
        k for k in kinds if k not in known and k not in WATCHERS
    )

    def victims(kind: str) -> tuple[str, ...]:
        if kind.startswith("worker") and not all_replicas:
            return tuple(kinds[kind][:1])
        return tuple(kinds[kind])

    faults = [
        Fault(
            kind,
            victims(kind),
            "restart" if kind in RESTARTED else "kill",
            SIGNALS.get(kind, "close" if kind.startswith("worker") else "ready"),
        )
        for kind in order
    ]
    if selected is None:
        return faults
    unknown = set(selected) - {f.kind for f in faults}
    if unknown:
        raise SystemExit(
            f"no such fault: {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(f.kind for f in faults)}"
        )
    return [f for f in faults if f.kind in selected]


@dataclass
class Outcome:
    fault: Fault
    at: float  # wall clock of the fault
    ready: float | None = None
    recovered: float | None = None
    signals: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def since(self, moment: float | None) -> float | None:
        return None if moment is None else moment - self.at


def attribute(moment: float, outcomes: list[Outcome]) -> int | None:
    """The fault a lifecycle that last progressed at `moment` was lost to: the one in
    progress then (after it, not yet recovered), else the next one; None before any."""
    if not outcomes:
        return None
    for index in range(len(outcomes) - 1, -1, -1):
        outcome = outcomes[index]
        if outcome.at <= moment:
            in_progress = outcome.recovered is None or moment < outcome.recovered
            if in_progress or index == len(outcomes) - 1:
                return index
            return index + 1
    return 0


def window(moment: float, outcomes: list[Outcome]) -> int | None:
    """The index of the last fault at or before `moment` (None: before the first)."""
    found = None
    for index, outcome in enumerate(outcomes):
        if outcome.at <= moment:
            found = index
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_driver_arguments(parser)
    parser.set_defaults(retry_for_s=240.0, close_timeout_s=240.0, lifecycles_concurrency=10)
    parser.add_argument("--faults", help="comma-separated kinds, e.g. api,worker-requests,kafka")
    parser.add_argument("--warmup-s", type=float, default=15.0, help="load before the first fault")
    parser.add_argument("--settle-s", type=float, default=10.0, help="load after each recovery")
    parser.add_argument("--recovery-timeout-s", type=float, default=240.0)
    parser.add_argument(
        "--all-replicas", action="store_true", help="kill every process of a worker kind"
    )
    parser.add_argument("--list", action="store_true", help="print the faults and exit")


class Chaos:
    def __init__(
        self,
        settings: Settings,
        stack: Stack,
        driver: Driver,
        recorder: Recorder,
        deliveries: Deliveries,
    ) -> None:
        self.settings = settings
        self.stack = stack
        self.driver = driver
        self.recorder = recorder
        self.deliveries = deliveries
        self.probes = _probes(settings)

    def requests(self) -> set[str]:
        return {lc.request_id for lc in self.driver.lifecycles if lc.request_id}

    # ---- signals -------------------------------------------------------------------

    def first_action(self, since: float) -> float | None:
        done = [
            a.sent + a.elapsed_ms / 1000
            for _, a in list(self.driver.attempts)
            if a.ok and a.sent >= since
        ]
        return min(done, default=None)

    def first_close(self, since: float) -> float | None:
        closed = [
            lc.closed
            for lc in list(self.driver.lifecycles)
            if lc.closed is not None and lc.confirmed is not None and lc.confirmed >= since
        ]
        return min(closed, default=None)

    def signals(self, outcome: Outcome) -> dict[str, float | None]:
        at, ready = outcome.at, outcome.ready
        return {
            "action": self.first_action(at),
            "close": self.first_close(at),
            "kafka": self.recorder.first_after(at, self.requests()),
            "delivery": self.deliveries.first_after(ready) if ready is not None else None,
            "ready": ready,
        }

    # ---- one fault -----------------------------------------------------------------

    async def inject(self, fault: Fault) -> tuple[Outcome, dict[str, int]]:
        info = await self.stack.info()
        old = {name: int(info[name]["pid"]) for name in fault.programs}
        outcome = Outcome(fault, time.time())
        if fault.how == "kill":
            for pid in old.values():
                _kill_tree(pid)
        else:
            for name in fault.programs:
                await asyncio.to_thread(self.stack.supervisor.restart, name)
        return outcome, old

    async def until_ready(self, outcome: Outcome, old: dict[str, int], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        restarted_by_us: set[str] = set()
        while time.monotonic() < deadline:
            info = await self.stack.info()
            back = True
            for name in outcome.fault.programs:
                state, pid = info[name]["statename"], int(info[name]["pid"])
                if state == "FATAL" and name not in restarted_by_us:
                    # supervisord gave up (startretries): start it, and say so.
                    outcome.notes.append(f"{name} FATAL after the fault; started again")
                    restarted_by_us.add(name)
                    await asyncio.to_thread(self.stack.supervisor.start, name)
                back = back and state == "RUNNING" and pid != old[name]
            if back and await self._probes_pass(outcome.fault.programs):
                outcome.ready = time.time()
                return
            await asyncio.sleep(0.25)
        outcome.notes.append(f"not ready within {timeout_s:g} s")

    async def _probes_pass(self, programs: tuple[str, ...]) -> bool:
        for name in programs:
            probe = self.probes.get(name)
            if probe is None:
                continue
            try:
                await asyncio.wait_for(probe(), 10)
            except Exception:  # not ready yet: whatever the probe raised
                return False
        return True

    async def until_recovered(self, outcome: Outcome, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            signals = self.signals(outcome)
            moment = signals[outcome.fault.signal]
            if outcome.ready is not None and moment is not None:
                outcome.recovered = max(outcome.ready, moment)
                return
            await asyncio.sleep(0.25)
        outcome.notes.append(f"no {outcome.fault.signal} signal within {timeout_s:g} s")

    async def one(self, fault: Fault, args: argparse.Namespace) -> Outcome:
        print(f"→ {fault.how} {fault.kind} ({', '.join(fault.programs)})", flush=True)
        outcome, old = await self.inject(fault)
        await self.until_ready(outcome, old, args.recovery_timeout_s)
        await self.until_recovered(outcome, args.recovery_timeout_s)
        print(
            f"  ready after {_s(outcome.since(outcome.ready))} s, "
            f"recovered ({fault.signal}) after {_s(outcome.since(outcome.recovered))} s"
            + (f"; {'; '.join(outcome.notes)}" if outcome.notes else ""),
            flush=True,
        )
        return outcome

    async def leave_running(self, faults: list[Fault]) -> None:
        """Whatever happened, leave every faulted program started for the next person."""
        info = await self.stack.info()
        for fault in faults:
            for name in fault.programs:
                if info.get(name, {}).get("statename") not in ("RUNNING", "STARTING"):
                    await asyncio.to_thread(self.stack.supervisor.start, name)


def _kill_tree(pid: int) -> None:
    """kill -9 the program and everything below it, as a crash of its host would."""
    tree = descendants(pid, {p: s.ppid for p, s in process_stats().items()})
    for victim in reversed(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def _probes(settings: Settings) -> dict[str, Callable[[], Awaitable[str]]]:
    from devstack import install
    from devstack.services import all_services

    return {s.name: s.probe for s in all_services(settings, install.toolset(settings))}


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


async def _quiet(deliveries: Deliveries, quiet_s: float, timeout_s: float) -> None:
    """Until nothing new was delivered for `quiet_s` (notifications catch up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        last = deliveries.grew[-1] if deliveries.grew else 0.0
        if time.time() - last >= quiet_s:
            return
        await asyncio.sleep(0.5)


async def _kafka_caught_up(recorder: Recorder, closed: set[str], timeout_s: float) -> None:
    """Until every closed request's request.closed has reached Kafka (the relay caught up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if closed <= recorder.closed_requests():
            return
        await asyncio.sleep(0.5)


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    stack = Stack(settings)
    faults = plan(
        list((await stack.info()).keys()),
        [f.strip() for f in args.faults.split(",") if f.strip()] if args.faults else None,
        all_replicas=args.all_replicas,
    )
    if args.list:
        print(
            table(
                ["fault", "how", "programs", "recovery signal"],
                [[f.kind, f.how, " ".join(f.programs), f.signal] for f in faults],
            )
        )
        return 0
    recorder = Recorder(settings)
    deliveries = Deliveries(settings)
    monitor = Monitor(stack)
    outcomes: list[Outcome] = []
    async with client(settings.api.base_url, args.timeout) as http:
        driver = await start_driver(args, http)
        chaos = Chaos(settings, stack, driver, recorder, deliveries)
        await recorder.start()
        await deliveries.watch()
        await monitor.start()
        print(
            f"{args.lifecycles_concurrency} people; faults: {', '.join(f.kind for f in faults)}",
            flush=True,
        )
        running = asyncio.create_task(driver.run())
        try:
            await asyncio.sleep(args.warmup_s)
            for fault in faults:
                outcomes.append(await chaos.one(fault, args))
                await asyncio.sleep(args.settle_s)
        finally:
            driver.stop()
            await chaos.leave_running(faults)
        print("load stopped; finishing the lifecycles under way", flush=True)
        await running
        closed = {lc.request_id for lc in driver.lifecycles if lc.closed and lc.request_id}
        await _kafka_caught_up(recorder, closed, 60)
        await _quiet(deliveries, 5, 60)
        processes = await monitor.stop()
        for outcome in outcomes:
            outcome.signals = chaos.signals(outcome)
        kafka = audit(recorder.arrivals, chaos.requests())
        delivered = await deliveries.audit(driver.started, chaos.requests())
        await recorder.stop()
        await deliveries.close()

    rows, per_fault = _fault_rows(outcomes, driver, kafka.duplicates, duplicate_times(delivered))
    summary = driver.summary()
    print(
        f"\nchaos: {summary['lifecycles_closed']} lifecycles closed of "
        f"{summary['lifecycles_started']} started, {summary['lifecycles_lost']} lost, "
        f"in {summary['elapsed_s']:.0f} s"
    )
    print(
        table(
            [
                "fault",
                "how",
                "ready s",
                "recovery s",
                "signal",
                "closed",
                "lost",
                "kafka dup",
                "email dup",
                "tg dup",
                "failed attempts",
            ],
            rows,
        )
    )
    print(
        f"Kafka: {kafka.events} events of {kafka.requests_seen} requests, {kafka.redelivered} "
        f"redelivered (same event_id), {len(kafka.duplicate_steps)} duplicate steps, "
        f"{len(kafka.seq_collisions)} seq collisions; e-mails {delivered['email']['emails']}, "
        f"Telegram messages {delivered['telegram']['messages']}"
    )
    lost = [lc for lc in driver.lifecycles if lc.lost]
    for lc in lost:
        print(f"  lost: request {lc.request_id} last state {lc.last_state}: {lc.failure}")
    print("\nprocesses during the run")
    print(table(KINDS_HEADERS, kinds_table_rows(processes["kinds"])))
    path = write(
        "chaos",
        {
            "parameters": {
                "people": args.lifecycles_concurrency,
                "faults": [f.kind for f in faults],
                "warmup_s": args.warmup_s,
                "settle_s": args.settle_s,
                "retry_for_s": args.retry_for_s,
                "close_timeout_s": args.close_timeout_s,
            },
            "faults": per_fault,
            **summary,
            "kafka": kafka.as_json(),
            "deliveries": delivered,
            "lost": [lc.as_json() for lc in lost],
            "processes": processes,
            "lifecycles": [lc.as_json() for lc in driver.lifecycles],
        },
    )
    print(f"\nfigures written to {path}")
    return 1 if lost or kafka.duplicates or any(duplicate_times(delivered).values()) else 0


def _last_progress(lc: Lifecycle) -> float:
    done = [c.done for c in lc.calls.values() if c.ok]
    return max(done, default=lc.started)


def _fault_rows(
    outcomes: list[Outcome],
    driver: Driver,
    kafka_duplicates: list[Any],
    delivery_duplicates: dict[str, list[float]],
) -> tuple[list[list[object]], list[dict[str, Any]]]:
    closed = count_by(
        str(window(lc.closed, outcomes)) for lc in driver.lifecycles if lc.closed is not None
    )
    lost = count_by(
        str(attribute(_last_progress(lc), outcomes)) for lc in driver.lifecycles if lc.lost
    )
    kafka = count_by(str(window(d.at, outcomes)) for d in kafka_duplicates)
    email = count_by(str(window(t, outcomes)) for t in delivery_duplicates["email"])
    telegram = count_by(str(window(t, outcomes)) for t in delivery_duplicates["telegram"])
    rows: list[list[object]] = []
    figures: list[dict[str, Any]] = []
    for index, outcome in enumerate(outcomes):
        end = outcomes[index + 1].at if index + 1 < len(outcomes) else driver.finished
        failed = count_by(
            a.outcome for _, a in driver.attempts if not a.ok and outcome.at <= a.sent < end
        )
        key = str(index)
        row = {
            "fault": outcome.fault.kind,
            "how": outcome.fault.how,
            "programs": list(outcome.fault.programs),
            "at": outcome.at,
            "ready_s": outcome.since(outcome.ready),
            "recovery_s": outcome.since(outcome.recovered),
            "recovery_signal": outcome.fault.signal,
            "signals_s": {k: outcome.since(v) for k, v in outcome.signals.items()},
            "closed": closed.get(key, 0),
            "lost": lost.get(key, 0),
            "kafka_duplicates": kafka.get(key, 0),
            "emails_twice": email.get(key, 0),
            "telegram_twice": telegram.get(key, 0),
            "failed_attempts": failed,
            "notes": outcome.notes,
        }
        figures.append(row)
        rows.append(
            [
                row["fault"],
                row["how"],
                row["ready_s"],
                row["recovery_s"],
                row["recovery_signal"],
                row["closed"],
                row["lost"],
                row["kafka_duplicates"],
                row["emails_twice"],
                row["telegram_twice"],
                ", ".join(f"{k}×{v}" for k, v in failed.items()) or "0",
            ]
        )
    before = "None"
    if closed.get(before) or lost.get(before) or kafka.get(before):
        rows.insert(
            0,
            [
                "(warm-up)",
                "-",
                None,
                None,
                "-",
                closed.get(before, 0),
                lost.get(before, 0),
                kafka.get(before, 0),
                email.get(before, 0),
                telegram.get(before, 0),
                "-",
            ],
        )
    return rows, figures
