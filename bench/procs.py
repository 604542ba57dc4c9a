"""The stack's processes as supervisord knows them, and what they cost: resident memory
(VmRSS) and CPU seconds (utime + stime) read from /proc.

Processes are discovered from supervisord, never listed here, and grouped by kind: the
program name without its replica suffix (`worker-requests-2` → `worker-requests`).
A program's figures cover its whole process tree (PostgreSQL's backends, a server's
children), plus the CPU of children it has already reaped; RSS summed over a tree
counts shared pages once per process, so PostgreSQL's figure is an upper bound."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import Settings
from devstack.supervisor import Layout, Supervisor

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_REPLICA = re.compile(r"-\d+$")


def kind_of(name: str) -> str:
    """`worker-requests-1` → `worker-requests`; `api` and `tax-service` stay as they are."""
    return _REPLICA.sub("", name)


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/<pid>/stat the benchmarks use (CPU in clock ticks)."""

    ppid: int
    utime: int
    stime: int
    cutime: int
    cstime: int

    @property
    def own_ticks(self) -> int:
        return self.utime + self.stime

    @property
    def reaped_ticks(self) -> int:
        return self.cutime + self.cstime


def parse_stat(text: str) -> Stat:
    # The command name (field 2) is in parentheses and may hold spaces or ")": the
    # fields proper start after the last ")". Field 3 (state) is rest[0].
    rest = text[text.rindex(")") + 2 :].split()
    return Stat(
        ppid=int(rest[1]),
        utime=int(rest[11]),
        stime=int(rest[12]),
        cutime=int(rest[13]),
        cstime=int(rest[14]),
    )


def parse_rss_kb(status_text: str) -> int:
    """VmRSS from /proc/<pid>/status in kB (0 for a kernel thread or a zombie)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(root: int, parents: dict[int, int]) -> list[int]:
    """`root` and every process below it, given each process's parent."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:  # the process ended between listing and reading
        return None


def process_stats() -> dict[int, Stat]:
    stats = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (text := _read(entry / "stat")) is not None:
            stats[int(entry.name)] = parse_stat(text)
    return stats


@dataclass(frozen=True)
class Usage:
    """One program at one moment."""

    name: str
    pid: int
    processes: int
    rss_kb: int
    cpu_ticks: int


def usage_of(programs: dict[str, int]) -> dict[str, Usage]:
    """Each running program (name → supervisord's pid) and its process tree now."""
    stats = process_stats()
    parents = {pid: s.ppid for pid, s in stats.items()}
    found = {}
    for name, pid in programs.items():
        if pid not in stats:
            continue
        tree = descendants(pid, parents)
        rss = sum(parse_rss_kb(_read(PROC / str(p) / "status") or "") for p in tree)
        ticks = sum(stats[p].own_ticks for p in tree if p in stats) + stats[pid].reaped_ticks
        found[name] = Usage(name, pid, len(tree), rss, ticks)
    return found


class Stack:
    """supervisord's view of the stack: which programs run, under which pids."""

    def __init__(self, settings: Settings) -> None:
        self.supervisor = Supervisor(Layout.of(settings))

    async def info(self) -> dict[str, dict[str, Any]]:
        return await asyncio.to_thread(self.supervisor.info)

    async def running(self) -> dict[str, int]:
        return {
            name: int(p["pid"])
            for name, p in (await self.info()).items()
            if p["statename"] == "RUNNING" and p["pid"]
        }


@dataclass
class ProgramFigures:
    name: str
    first: Usage | None = None
    last: Usage | None = None
    peak_rss_kb: int = 0
    pids: set[int] = field(default_factory=set)

    def see(self, usage: Usage) -> None:
        if self.first is None:
            self.first = usage
        self.last = usage
        self.peak_rss_kb = max(self.peak_rss_kb, usage.rss_kb)
        self.pids.add(usage.pid)

    @property
    def restarted(self) -> bool:
        return len(self.pids) > 1

    @property
    def cpu_s(self) -> float:
        """CPU used between the first and the last sample; after a restart only the
        CPU of the processes running at the end is known."""
        if self.first is None or self.last is None:
            return 0.0
        if self.restarted:
            return self.last.cpu_ticks / CLOCK_TICKS
        return (self.last.cpu_ticks - self.first.cpu_ticks) / CLOCK_TICKS

    def as_json(self) -> dict[str, Any]:
        last = self.last
        return {
            "kind": kind_of(self.name),
            "pid": last.pid if last else None,
            "processes": last.processes if last else 0,
            "rss_mb": last.rss_kb / 1024 if last else None,
            "peak_rss_mb": self.peak_rss_kb / 1024,
            "cpu_s": self.cpu_s,
            "restarted": self.restarted,
        }


def by_kind(programs: Iterable[ProgramFigures]) -> dict[str, dict[str, Any]]:
    """Figures summed over the replicas of each kind, kinds in name order."""
    kinds: dict[str, dict[str, Any]] = {}
    for figures in sorted(programs, key=lambda f: f.name):
        one = figures.as_json()
        kind = kinds.setdefault(
            one["kind"],
            {"replicas": 0, "processes": 0, "rss_mb": 0.0, "peak_rss_mb": 0.0, "cpu_s": 0.0},
        )
        kind["replicas"] += 1
        kind["processes"] += one["processes"]
        kind["rss_mb"] += one["rss_mb"] or 0.0
        kind["peak_rss_mb"] += one["peak_rss_mb"]
        kind["cpu_s"] += one["cpu_s"]
    return kinds


class Monitor:
    """Samples every supervisord program every `every_s` seconds while a run lasts."""

    def __init__(self, stack: Stack, every_s: float = 2.0) -> None:
        self.stack = stack
        self.every_s = every_s
        self.programs: dict[str, ProgramFigures] = {}
        self._task: asyncio.Task[None] | None = None

    async def sample(self) -> None:
        running = await self.stack.running()
        for name, usage in (await asyncio.to_thread(usage_of, running)).items():
            self.programs.setdefault(name, ProgramFigures(name)).see(usage)

    async def start(self) -> None:
        await self.sample()
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            with contextlib.suppress(OSError):  # supervisord busy: the next sample will do
                await self.sample()

    async def stop(self) -> dict[str, Any]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.sample()
        return {
            "programs": {n: f.as_json() for n, f in sorted(self.programs.items())},
            "kinds": by_kind(self.programs.values()),
        }


def kinds_table_rows(kinds: dict[str, dict[str, Any]]) -> list[list[object]]:
    return [
        [kind, k["replicas"], k["processes"], k["rss_mb"], k["peak_rss_mb"], k["cpu_s"]]
        for kind, k in kinds.items()
    ]


KINDS_HEADERS = ["kind", "replicas", "procs", "RSS MB", "peak MB", "CPU s"]
