"""`python -m devstack up|down|status|logs|install` — the commands behind the Makefile."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType

import httpx

from core.health import DependencyStatus, run_probe
from core.secret_policy import InsecureSecrets, public_signing_secrets, refuse_insecure_secrets
from core.settings import Settings, get_settings
from devstack import demo, install, provision, web_build
from devstack.errors import StackError
from devstack.local_secrets import local_stack_settings
from devstack.progress import say, step, tail
from devstack.services import APP, INFRA, Service, all_services
from devstack.supervisor import Layout, Supervisor, render_config
from store.migrate import upgrade_to_head

POLL_S = 0.25
FAILED_STATES = {"FATAL", "EXITED", "STOPPED"}
CRASH_LOOP_PIDS = 3


@dataclass
class Stack:
    settings: Settings
    layout: Layout
    supervisor: Supervisor
    services: list[Service]

    @classmethod
    def load(cls, settings: Settings, *, test_tools: bool = False) -> Stack:
        tools = install.ensure_all(settings, test_tools=test_tools)
        layout = Layout.of(settings)
        return cls(settings, layout, Supervisor(layout), all_services(settings, tools))

    def tier(self, name: str) -> list[Service]:
        return [s for s in self.services if s.tier == name]


def up(settings: Settings, *, detach: bool, infra_only: bool, test_tools: bool) -> int:
    started = time.monotonic()
    # Infra another command started (tests run on `--infra-only`) outlives our failure.
    kept = _running_infra(settings)
    try:
        _refuse_insecure_secrets(settings)
        stack = Stack.load(settings, test_tools=test_tools)
        if not infra_only:
            web_build.ensure_built(settings)
        _bring_up(stack, infra_only=infra_only)
    except StackError as error:
        say(error.render())
        if kept:
            _stop_all_but(settings, kept)
            say(
                "stopped everything this command started; "
                f"{', '.join(sorted(kept))} was running before and is left running"
            )
        else:
            _stop_everything(settings)
            say("stopped everything this command started; nothing is left running")
        return 1
    say(f"✓ platform ready in {time.monotonic() - started:.1f} s")
    _print_urls(stack, infra_only=infra_only)
    if detach:
        say("running in the background: `make status`, `make logs`, `make down`")
        return 0
    return _follow_until_interrupted(stack)


def _refuse_insecure_secrets(settings: Settings) -> None:
    """Fail before starting anything when our processes would refuse their secrets, or
    when .env configures a public default (the local stack's own run would accept it)."""
    public = public_signing_secrets(settings)
    if public:
        raise StackError(
            "secrets",
            f"{', '.join(public)} is a default that shipped with the code: anyone can "
            "sign tokens with it",
            "remove it from .env (`make up` then generates a secret into "
            f"{settings.state_dir.resolve() / 'secrets'}) or set a long random one",
        )
    try:
        refuse_insecure_secrets(settings, "the platform")
    except InsecureSecrets as error:
        raise StackError(
            "secrets",
            str(error),
            "remove the secret from .env (`make up` then generates one into "
            f"{settings.state_dir.resolve() / 'secrets'}) or set a long random one",
        ) from None


def _bring_up(stack: Stack, *, infra_only: bool) -> None:
    already = stack.supervisor.info()
    tiers = [INFRA] if infra_only else [INFRA, APP]
    wanted = [s for s in stack.services if s.tier in tiers]
    _check_ports_free([s for s in wanted if already.get(s.name, {}).get("statename") != "RUNNING"])
    for service in wanted:
        service.prepare()
    stack.supervisor.ensure_running(render_config(stack.layout, stack.services))
    for tier in tiers:
        services = stack.tier(tier)
        step(f"starting {', '.join(s.name for s in services)}")
        if tier == APP:
            _seed_analytics_history(stack)
            asyncio.run(_start_bounded(stack, services, _start_slots()))
            continue
        for service in services:
            stack.supervisor.start(service.name)
        asyncio.run(_wait_ready(stack, services))
        asyncio.run(_provision(stack.settings))
    if not infra_only:
        step("seeding demo data (idempotent)")
        asyncio.run(demo.seed(stack.settings))


def _seed_analytics_history(stack: Stack) -> None:
    """Once per store, before the API starts: the API holds the embedded store while it
    runs (and is restarted just after this anyway)."""
    if demo.history_seeded(stack.settings):
        return
    stack.supervisor.stop(["api"])
    step("making up the analytics demo history (once per store)")
    started = time.monotonic()
    if demo.seed_history(stack.settings):
        say(f"  ✓ analytics demo history loaded in {time.monotonic() - started:.0f} s")


def _check_ports_free(services: list[Service]) -> None:
    for service in services:
        for port, setting in service.ports:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    raise StackError(
                        service.name,
                        f"port {port} is already in use by another process",
                        f"stop that process (`ss -ltnp 'sport = :{port}'` shows it) or set "
                        f"{setting} to a free port in .env",
                    ) from None


async def _wait_ready(stack: Stack, services: list[Service]) -> None:
    await asyncio.gather(*(_wait_one(stack, s) for s in services))


def _start_slots() -> int:
    """How many of our processes start at once: one per core. A dozen started together
    on two cores shared the CPU of their imports, so each one's readiness deadline ran
    out while all of them were still starting."""
    return max(2, os.cpu_count() or 2)


async def _start_bounded(stack: Stack, services: list[Service], slots: int) -> None:
    """Start `services` in their order, at most `slots` of them starting at a time; a
    service's readiness deadline runs from its own start."""
    gate = asyncio.Semaphore(slots)

    async def start_one(service: Service) -> None:
        async with gate:
            # Our own processes always run the checked-out code; infra is left alone.
            await asyncio.to_thread(stack.supervisor.restart, service.name)
            await _wait_one(stack, service)

    await asyncio.gather(*(start_one(s) for s in services))


async def _wait_one(stack: Stack, service: Service) -> None:
    began = time.monotonic()
    deadline = began + service.ready_timeout_s
    last: DependencyStatus | None = None
    pids: set[int] = set()
    while time.monotonic() < deadline:
        process = stack.supervisor.info().get(service.name, {})
        state = process.get("statename", "?")
        if process.get("pid"):
            pids.add(process["pid"])
        # A process that dies after its start grace period is restarted by supervisord
        # forever; a third pid while waiting means it is crash-looping.
        crash_looping = len(pids) >= CRASH_LOOP_PIDS
        if (
            state in FAILED_STATES
            or crash_looping
            or (state == "BACKOFF" and time.monotonic() - began > 20)
        ):
            why = "keeps crashing" if crash_looping else f"is {state}"
            raise StackError(
                service.name,
                f"the process {why}; its log ends with:\n{tail(stack.layout.log_of(service.name))}",
                f"read {stack.layout.log_of(service.name)} and fix the cause",
            )
        last = await run_probe(service.name, service.probe, timeout_s=5)
        if last.ok:
            say(
                f"  ✓ {service.name:<9} ready in {time.monotonic() - began:4.1f} s  ({last.detail})"
            )
            return
        await asyncio.sleep(POLL_S)
    raise StackError(
        service.name,
        f"not ready after {service.ready_timeout_s:.0f} s "
        f"({last.detail if last else 'never probed'}); its log ends with:\n"
        f"{tail(stack.layout.log_of(service.name))}",
        f"read {stack.layout.log_of(service.name)}; `make down && make up` retries",
    )


async def _provision(settings: Settings) -> None:
    if await provision.ensure_database(settings):
        say(f"  ✓ created database {settings.postgres.database}")
    created = await provision.ensure_topics(settings)
    if created:
        say(f"  ✓ created topics {', '.join(created)}")
    registered = await provision.ensure_search_attributes(settings)
    if registered:
        say(f"  ✓ registered search attributes {', '.join(registered)}")
    await asyncio.to_thread(upgrade_to_head, settings)


def _print_urls(stack: Stack, *, infra_only: bool) -> None:
    s = stack.settings
    rows = [
        ("Web app", f"{s.api.base_url}/app/"),
        ("API docs (OpenAPI)", f"{s.api.base_url}/docs"),
        ("API readiness", f"{s.api.base_url}/health/ready"),
        ("Temporal Web UI", s.temporal.ui_url),
        ("Temporal gRPC", s.temporal.address),
        ("Kafka bootstrap", s.kafka.bootstrap_servers),
        ("PostgreSQL", s.postgres.url(driver="postgresql")),
        ("Redis", s.redis.url),
        (
            "ClickHouse",
            s.clickhouse_dsn
            + (
                "  (embedded, owned by the api process)"
                if s.clickhouse_dsn.startswith("chdb")
                else ""
            ),
        ),
        ("Logs", str(stack.layout.logs)),
    ]
    names = {service.name for service in stack.services}
    if "mailbox" in names:
        rows.insert(
            3, ("Mailbox (every email)", f"http://{s.smtp.host}:{s.smtp.mailbox_web_port}/")
        )
    if "telegram" in names:
        rows.insert(4, ("Telegram (emulator)", f"{s.telegram.base_url}/"))
    if infra_only:
        rows = rows[3:]
    width = max(len(name) for name, _ in rows)
    for name, url in rows:
        say(f"  {name:<{width}}  {url}")
    if not infra_only:
        say(f"demo accounts (password for all: {demo.PASSWORD}):")
        for account in demo.ACCOUNTS:
            say(f"  {account.role.value:<13} {account.email}")


def _follow_until_interrupted(stack: Stack) -> int:
    say("following logs; Ctrl-C stops the platform")
    logs = [str(stack.layout.log_of(s.name)) for s in stack.services]
    follower = subprocess.Popen(["tail", "-n", "0", "-F", *logs])

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        follower.wait()
    except KeyboardInterrupt:
        pass
    finally:
        follower.terminate()
    return down(stack.settings)


def _running_infra(settings: Settings) -> set[str]:
    processes = Supervisor(Layout.of(settings)).info()
    infra = {s.name for s in all_services(settings, install.toolset(settings)) if s.tier == INFRA}
    return {name for name in infra if processes.get(name, {}).get("statename") == "RUNNING"}


def _stop_all_but(settings: Settings, kept: set[str]) -> None:
    """Stop every process except `kept`, apps first; supervisord stays for `kept`."""
    services = all_services(settings, install.toolset(settings))
    supervisor = Supervisor(Layout.of(settings))
    supervisor.stop([s.name for s in services if s.tier == APP])
    supervisor.stop([s.name for s in services if s.tier == INFRA and s.name not in kept])


def _stop_everything(settings: Settings) -> None:
    supervisor = Supervisor(Layout.of(settings))
    if not supervisor.is_running():
        return
    # Our own processes first, so none of them logs errors about infra going away.
    apps = [s.name for s in all_services(settings, install.toolset(settings)) if s.tier == APP]
    supervisor.stop(apps)
    supervisor.shutdown()


def down(settings: Settings) -> int:
    supervisor = Supervisor(Layout.of(settings))
    if not supervisor.is_running():
        say("nothing is running")
        return 0
    step("stopping the platform")
    _stop_everything(settings)
    say("✓ stopped; data is kept in " + str(Layout.of(settings).state_dir))
    return 0


def status(settings: Settings, *, as_json: bool) -> int:
    layout = Layout.of(settings)
    supervisor = Supervisor(layout)
    processes = supervisor.info()
    services = all_services(settings, install.toolset(settings))
    results = asyncio.run(_probe_all(services))
    ready = _api_dependencies(settings)
    rows = []
    for service, result in zip(services, results, strict=True):
        proc = processes.get(service.name, {})
        rows.append(
            {
                "part": service.name,
                "process": proc.get("statename", "not started"),
                "pid": proc.get("pid") or None,
                "ready": result.ok,
                "latency_ms": result.latency_ms,
                "detail": result.detail,
                "url": service.url,
            }
        )
    for dependency in ready:
        if dependency["name"] == "clickhouse":
            rows.append(
                {
                    "part": "clickhouse",
                    "process": "embedded in api"
                    if settings.clickhouse_dsn.startswith("chdb")
                    else "external",
                    "pid": None,
                    "ready": dependency["ok"],
                    "latency_ms": dependency["latency_ms"],
                    "detail": dependency["detail"],
                    "url": settings.clickhouse_dsn,
                }
            )
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        # As wide as the longest name (worker-notifications-10), plus a gap.
        wide = max(11, *(len(str(row["part"])) + 2 for row in rows))
        say(f"{'part':<{wide}}{'process':<14}{'pid':>8}  {'ready':<6}{'ms':>8}  detail")
        for row in rows:
            say(
                f"{row['part']:<{wide}}{row['process']:<14}{row['pid'] or '':>8}  "
                f"{'yes' if row['ready'] else 'NO':<6}{row['latency_ms']:>8}  {row['detail']}"
            )
    return 0 if all(r["ready"] for r in rows) else 1


async def _probe_all(services: list[Service]) -> list[DependencyStatus]:
    # One after another, so each latency is that part's own and not its neighbours'.
    return [await run_probe(s.name, s.probe, 5) for s in services]


def _api_dependencies(settings: Settings) -> list[dict[str, object]]:
    try:
        # The details (ClickHouse among them) are for operators only.
        token = settings.api.ops_token.get_secret_value()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(f"{settings.api.base_url}/health/ready", headers=headers, timeout=5)
        return list(response.json().get("dependencies", []))
    except (httpx.HTTPError, ValueError):
        return []


def logs(settings: Settings, names: list[str], follow: bool) -> int:
    layout = Layout.of(settings)
    files = (
        [str(layout.log_of(n)) for n in names]
        if names
        else sorted(str(p) for p in layout.logs.glob("*.log"))
    )
    if not files:
        say(f"no logs yet in {layout.logs}")
        return 1
    command = ["tail", "-n", "100", *(["-F"] if follow else []), *files]
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    # Readiness polling expects refused connections; the client libraries' own
    # connection-error logs would only drown the progress lines.
    logging.basicConfig(level=logging.CRITICAL)
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up_cmd = commands.add_parser("up", help="install what is missing, start, wait until ready")
    up_cmd.add_argument("--detach", "-d", action="store_true", help="return once ready")
    up_cmd.add_argument(
        "--infra-only",
        action="store_true",
        help="only PostgreSQL, Redis, Kafka and Temporal (what tests need)",
    )
    up_cmd.add_argument(
        "--test-tools",
        action="store_true",
        help="also install tools the tests use (docker-compose)",
    )
    commands.add_parser("down", help="stop every process; data is kept")
    status_cmd = commands.add_parser("status", help="each part's process and readiness")
    status_cmd.add_argument("--json", action="store_true")
    logs_cmd = commands.add_parser("logs", help="show (and follow) the parts' logs")
    logs_cmd.add_argument("names", nargs="*")
    logs_cmd.add_argument("--follow", "-f", action="store_true")
    commands.add_parser(
        "provision",
        help="create the database, topics and schema in "
        "already running services (the docker-compose init step)",
    )
    install_cmd = commands.add_parser("install", help="only install what is missing")
    install_cmd.add_argument("--test-tools", action="store_true")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command in ("up", "down", "status"):
        # The local stack is local, with its own generated secrets; `provision` also
        # runs in docker-compose, where the deployment's settings stand as given.
        settings = local_stack_settings(settings)
    if args.command == "up":
        return up(
            settings, detach=args.detach, infra_only=args.infra_only, test_tools=args.test_tools
        )
    if args.command == "down":
        return down(settings)
    if args.command == "status":
        return status(settings, as_json=args.json)
    if args.command == "logs":
        return logs(settings, args.names, args.follow)
    if args.command == "provision":
        asyncio.run(_provision(settings))
        return 0
    try:
        install.ensure_all(settings, test_tools=args.test_tools)
    except StackError as error:
        say(error.render())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
