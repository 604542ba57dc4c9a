"""Processes that draw documents, away from the event loop and the GIL of the process that
serves Temporal tasks.

A `RenderPool` is a `ProcessPoolExecutor` of `spawn`ed processes (not forked: the serving
process has threads and an event loop, which a fork would copy mid-flight). Each process
parses the fonts once, when it starts, and keeps them for every document it draws. Only
plain values cross between the processes: the document's data (frozen dataclasses of
paperwork.models) one way, its bytes and the drawing process's id the other.

A render process that dies (killed, out of memory) breaks the executor for good: the
render that was waiting on it fails with `RenderPoolBroken`, which is worth retrying,
and the next render starts a fresh executor.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from paperwork.fonts import FONTS
from paperwork.layout import BOLD_FONT_FILE, DEFAULT_FONT_DIR, REGULAR_FONT_FILE, load_fonts
from paperwork.pdf import DocumentData, render_document

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A drawn document, and the process that drew it."""

    content: bytes
    pid: int


@dataclass(frozen=True)
class RenderProcessReport:
    """What one render process says about itself: which process, and how often it has
    parsed each font file (once: at its start, or at its first document)."""

    pid: int
    font_parses: dict[str, int]


class RenderPoolBroken(RuntimeError):
    """A render process died under this render. The pool starts anew for the next one:
    try again. (Not a ValueError: that is what data that cannot be drawn raises.)"""


class RenderPool:
    """Owns the render processes: create it, `render` through it, `aclose` it (or use it
    as an async context manager, which also starts the processes up front)."""

    def __init__(self, processes: int, font_dir: Path = DEFAULT_FONT_DIR) -> None:
        if processes < 1:
            raise ValueError("a render pool needs at least one process")
        self.processes = processes
        # The fonts each process parses when it starts; documents may name another dir.
        self.font_dir = font_dir
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    async def __aenter__(self) -> RenderPool:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def start(self) -> list[RenderProcessReport]:
        """Start the processes now rather than at the first documents (each parses the
        fonts as it starts), and return their first answers."""
        return list(await asyncio.gather(*(self.report() for _ in range(self.processes))))

    async def render(self, data: DocumentData, font_dir: Path | None = None) -> Rendered:
        """Draw the document in one of the pool's processes. A ValueError there (data
        that cannot be drawn) is raised here as itself."""
        return await self._run(_render, data, font_dir or self.font_dir)

    async def report(self, font_dir: Path | None = None) -> RenderProcessReport:
        """What one of the processes (whichever is free) says about itself, counting the
        parses of the fonts in `font_dir` (by default the pool's)."""
        return await self._run(_report, font_dir or self.font_dir)

    async def aclose(self) -> None:
        """Stop the processes once they have finished what they are drawing; renders
        after this are refused. The wait is in a thread: the event loop goes on."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def _run(self, call: Callable[..., T], *args: object) -> T:
        executor = self._current()
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, call, *args)
        except BrokenProcessPool as error:
            self._discard(executor)
            raise RenderPoolBroken(f"a render process died: {error}") from error

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the render pool is closed")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_process,
                    initargs=(self.font_dir,),
                )
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        """Forget a broken executor (once, however many renders it failed at once): the
        next render starts a fresh one."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)


# -- in the render processes ------------------------------------------------------------


def _start_process(font_dir: Path) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the serving process stops
    # the pool itself, after the documents in hand, so a render process ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with(os.getppid())
    try:
        load_fonts(font_dir)
    except Exception as error:
        # An initializer that raises breaks the whole pool, and every render after it.
        # Fonts that cannot be loaded are reported by each document instead (the same
        # error, raised where the document is drawn).
        log.warning("render process %d: fonts not loaded at start: %s", os.getpid(), error)


# How often a render process checks that the process that started it is still there.
PARENT_CHECK_EVERY_S = 1.0


def _exit_with(parent: int) -> None:
    """End this process soon after `parent` is gone. A serving process killed with -9
    never stops its pool, and the render processes would otherwise wait for work
    forever, one more set after every restart."""

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(PARENT_CHECK_EVERY_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _render(data: DocumentData, font_dir: Path) -> Rendered:
    return Rendered(render_document(data, font_dir=font_dir), os.getpid())


def _report(font_dir: Path) -> RenderProcessReport:
    files = (font_dir / REGULAR_FONT_FILE, font_dir / BOLD_FONT_FILE)
    return RenderProcessReport(os.getpid(), {str(f): FONTS.times_parsed(f) for f in files})
