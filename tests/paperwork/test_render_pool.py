"""The render pool: documents drawn in other processes with the same bytes, fonts parsed
once per render process, data errors coming back as themselves, and a killed render
process costing one failed render, not the pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from paperwork.layout import BOLD_FONT_FILE, DEFAULT_FONT_DIR, REGULAR_FONT_FILE
from paperwork.models import ActData
from paperwork.pdf import render_act, render_document
from paperwork.render_pool import RenderPool, RenderPoolBroken
from tests.helpers.paperwork_data import ACT, CONTRACT, PAYOUT


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[RenderPool]:
    """One render process: every render and report of a test is answered by it."""
    async with RenderPool(1) as started:
        yield started


async def test_documents_are_drawn_in_another_process_with_the_same_bytes(
    pool: RenderPool,
) -> None:
    for data in (ACT, CONTRACT, PAYOUT):
        rendered = await pool.render(data)
        assert rendered.pid != os.getpid()
        assert rendered.content == render_document(data)


async def test_a_render_process_parses_each_font_once_for_all_its_documents(
    pool: RenderPool,
) -> None:
    pids = {(await pool.render(data)).pid for data in (ACT, CONTRACT, PAYOUT) * 4}
    report = await pool.report()

    assert pids == {report.pid}
    assert report.font_parses == {
        str(DEFAULT_FONT_DIR / REGULAR_FONT_FILE): 1,
        str(DEFAULT_FONT_DIR / BOLD_FONT_FILE): 1,
    }


async def test_data_that_cannot_be_drawn_raises_its_value_error_here(pool: RenderPool) -> None:
    # Past the model's own check (which would refuse it in this process): the amount
    # fails where the act spells it, in the render process.
    unspellable = ActData(**{**ACT.__dict__})
    object.__setattr__(unspellable, "amount", Decimal("10") ** 15)
    with pytest.raises(ValueError, match="amount"):
        await pool.render(unspellable)
    assert (await pool.render(ACT)).content == render_act(ACT)  # the process lives on


async def test_missing_fonts_fail_the_document_not_the_pool(tmp_path: Path) -> None:
    # The processes start by loading fonts from an empty dir: that must not break them.
    async with RenderPool(1, font_dir=tmp_path) as pool:
        with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
            await pool.render(ACT)
        rendered = await pool.render(ACT, DEFAULT_FONT_DIR)
    assert rendered.content == render_act(ACT)


async def test_a_killed_render_process_fails_one_render_and_the_next_gets_a_new_one() -> None:
    async with RenderPool(1) as pool:
        before = await pool.render(ACT)
        os.kill(before.pid, signal.SIGKILL)

        with pytest.raises(RenderPoolBroken):
            await pool.render(ACT)
        after = await pool.render(ACT)
        report = await pool.report()

    assert after.pid != before.pid
    assert after.content == before.content
    assert set(report.font_parses.values()) == {1}  # the new process warmed its fonts too


async def test_a_closed_pool_refuses_renders() -> None:
    pool = RenderPool(1)
    await pool.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await pool.render(ACT)


SERVING_PROCESS = """
import asyncio, sys
from paperwork.render_pool import RenderPool
from tests.helpers.paperwork_data import ACT

async def main():
    pool = RenderPool(1)
    rendered = await pool.render(ACT)
    print(rendered.pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that nobody reaps is gone as far as work goes.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_render_processes_end_when_their_serving_process_is_killed() -> None:
    serving = subprocess.Popen(
        [sys.executable, "-c", SERVING_PROCESS], stdout=subprocess.PIPE, text=True
    )
    try:
        assert serving.stdout is not None
        render_pid = int(serving.stdout.readline())
        assert _alive(render_pid)
        serving.kill()  # -9: the pool is never closed
        serving.wait(10)
        deadline = time.monotonic() + 10
        while _alive(render_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(render_pid)
    finally:
        serving.kill()
