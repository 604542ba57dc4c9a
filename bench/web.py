"""`python -m bench web`: the manager's queue in a real Chromium on a full database, and
how fast a change made through the API shows on it.

    .venv/bin/python -m devstack up --detach
    .venv/bin/python -m bench web [--requests 10000] [--renders 10] [--transitions 50]

First the database is brought to --requests service requests, filed through the API
(POST /requests as the demo customers, --seed-concurrency at a time, each with its own
Idempotency-Key): there is no bulk path that skips the workflows, and the queue should
read rows the real path wrote. Rows already there count.

Then, with Playwright driving Debian's /usr/bin/chromium at 1440x900, signed in as the
demo manager:

- first render: a fresh navigation to /app/queue (the session restored from its cookie,
  as when a bookmark is opened) until the grid's first row is in the document, by the
  page's own clock (performance.now() counts from the navigation's start; a
  MutationObserver installed before the app's scripts stamps the first row);
- next page: from the click on the grid's "next page" button until the first row is
  another request's;
- scrolling: the grid's rows scrolled down and up for --scroll-s seconds, 120 px a
  frame; every requestAnimationFrame interval and every long task (> 50 ms,
  PerformanceObserver) is recorded;
- live update: --transitions fresh requests are filed and the queue page is loaded again
  (so they are its first page), then the manager assigns each
  (POST /requests/{id}/assign) in turn while the queue page is open; the latency is from
  that call's answer (the bench's clock) to the moment the row's state chip reads
  "assigned" (the page's Date.now(), stamped by a MutationObserver; both clocks are this
  machine's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from bench.api import Person, client
from bench.lifecycle import find_cast
from bench.results import table, write
from bench.stats import Latency
from core.settings import Settings, get_settings
from devstack.demo import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = ViewportSize(width=1440, height=900)
MANAGER = "manager@example.com"
ROW = ".MuiDataGrid-row"
# How the page stamps the first grid row: installed before any of the app's scripts.
STAMP_FIRST_ROW = """
window.__firstRowAt = null;
new MutationObserver((_, observer) => {
  if (document.querySelector(".MuiDataGrid-row[data-id]")) {
    window.__firstRowAt = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""
NEXT_PAGE = """
async () => {
  const first = () => document.querySelector(".MuiDataGrid-row[data-id]")?.dataset.id;
  const before = first();
  const button = document.querySelector(".MuiTablePagination-actions button:last-child");
  const shown = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const now = first();
      if (now && now !== before) { observer.disconnect(); resolve(performance.now()); }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  });
  const clicked = performance.now();
  button.click();
  return (await shown) - clicked;
}
"""
SCROLL = """
async (seconds) => {
  const scroller = document.querySelector(".MuiDataGrid-virtualScroller");
  const longTasks = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: "longtask", buffered: false });
  const frames = [];
  let direction = 1;
  const end = performance.now() + seconds * 1000;
  let last = performance.now();
  await new Promise((resolve) => {
    const step = (now) => {
      frames.push(now - last);
      last = now;
      const bottom = scroller.scrollHeight - scroller.clientHeight;
      if (scroller.scrollTop >= bottom - 1) direction = -1;
      if (scroller.scrollTop <= 0) direction = 1;
      scroller.scrollTop += 120 * direction;
      if (now < end) requestAnimationFrame(step); else resolve();
    };
    requestAnimationFrame(step);
  });
  observer.disconnect();
  return { frames: frames.slice(1), longTasks, range: scroller.scrollHeight };
}
"""
# Resolves with Date.now() once the row of `id` shows `text`; set up before the change.
WATCH_ROW = """
([id, text]) => {
  window.__shownAt = window.__shownAt || {};
  const row = () => document.querySelector(`.MuiDataGrid-row[data-id="${id}"]`);
  const check = () => row()?.textContent.includes(text);
  if (check()) { window.__shownAt[id] = -1; return; }
  const observer = new MutationObserver(() => {
    if (check()) { window.__shownAt[id] = Date.now(); observer.disconnect(); }
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=10_000, help="requests in the database")
    parser.add_argument("--seed-concurrency", type=int, default=16)
    parser.add_argument("--renders", type=int, default=10, help="first renders measured")
    parser.add_argument("--pages", type=int, default=10, help="next-page clicks measured")
    parser.add_argument("--scroll-s", type=float, default=5.0)
    parser.add_argument("--transitions", type=int, default=50, help="0: no live-update phase")
    parser.add_argument("--label", default="", help="what this run measures, kept in the JSON")


async def count_requests(settings: Settings) -> int:
    async with await psycopg.AsyncConnection.connect(
        settings.postgres.url(driver="postgresql")
    ) as conn:
        row = await (await conn.execute("SELECT count(*) FROM service_requests")).fetchone()
    return int(row[0]) if row else 0


async def file_one(person: Person, description: str) -> str:
    key = f"bench-web-{uuid.uuid4()}"
    for _ in range(2):
        response = await person.http.post(
            "/requests",
            json={"category": "plumbing", "description": description, "address": "Москва"},
            headers=person.headers() | {"Idempotency-Key": key},
        )
        if response.status_code != 401:
            break
        # The access token expired during a long seed: again with the same key.
        await person.sign_in()
    response.raise_for_status()
    return str(response.json()["id"])


async def seed(settings: Settings, customers: list[Person], target: int, concurrency: int) -> int:
    missing = target - await count_requests(settings)
    if missing <= 0:
        return 0
    print(f"filing {missing} requests through the API, {concurrency} at a time")
    started = time.monotonic()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(missing):
        queue.put_nowait(n)

    async def filer(person: Person) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await file_one(person, f"Бенчмарк очереди #{n}")
            if n % 1000 == 0:
                print(f"  {n} filed, {time.monotonic() - started:.0f} s")

    await asyncio.gather(*(filer(customers[i % len(customers)]) for i in range(concurrency)))
    return missing


async def signed_in_context(browser: Browser, base_url: str) -> BrowserContext:
    context = await browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = await context.new_page()
    await page.goto(f"{base_url}/app/signin")
    await page.get_by_label("Эл. почта").fill(MANAGER)
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти").click()
    await page.wait_for_url(lambda url: "/app/signin" not in url)
    await page.close()
    return context


async def first_render(context: BrowserContext, base_url: str) -> float:
    page = await context.new_page()
    try:
        await page.add_init_script(STAMP_FIRST_ROW)
        await page.goto(f"{base_url}/app/queue")
        # A function, not an expression: the page's CSP refuses eval.
        await page.wait_for_function("() => window.__firstRowAt !== null", timeout=30_000)
        return float(await page.evaluate("() => window.__firstRowAt"))
    finally:
        await page.close()


async def open_queue(context: BrowserContext, base_url: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{base_url}/app/queue")
    await page.locator(ROW).first.wait_for()
    return page


async def next_pages(page: Page, count: int) -> list[float]:
    times = []
    for _ in range(count):
        times.append(float(await page.evaluate(NEXT_PAGE)))
        await page.wait_for_timeout(300)
    return times


async def live_updates(
    page: Page, manager: Person, executor_id: str, count: int, customer: Person
) -> list[float]:
    ids = [await file_one(customer, f"Бенчмарк живого обновления #{n}") for n in range(count)]
    # The newest requests fill the first page once it is loaded again; measured is the
    # change of a row already shown, not a row's arrival.
    # The grid renders only the rows in view: a tall window keeps the whole page in it.
    await page.set_viewport_size({"width": DESKTOP["width"], "height": 80 * count + 600})
    await page.reload()
    for request_id in ids:
        await page.locator(f'{ROW}[data-id="{request_id}"]').wait_for(timeout=30_000)
    latencies = []
    for request_id in ids:
        await page.evaluate(WATCH_ROW, [request_id, "Назначена"])
        key = f"bench-web-{uuid.uuid4()}"
        response: httpx.Response | None = None
        for _ in range(5):
            try:
                response = await manager.http.post(
                    f"/requests/{request_id}/assign",
                    json={"executor_id": executor_id},
                    headers=manager.headers() | {"Idempotency-Key": key},
                    timeout=30,
                )
            except httpx.TimeoutException:
                # Right after a 10,000-request seed the workers are still busy with its
                # workflows; a client retries with its key, which makes it one assign.
                continue
            answered_ms = time.time() * 1000
            if response.status_code < 500:
                break
            # A busy Temporal answers 500 now and then; a client retries with its key.
            await asyncio.sleep(1)
        assert response is not None, "the assign timed out five times"
        response.raise_for_status()
        await page.wait_for_function(
            "(id) => window.__shownAt[id] !== undefined", arg=request_id, timeout=30_000
        )
        shown = float(await page.evaluate("(id) => window.__shownAt[id]", request_id))
        # -1: the row read "assigned" before the call answered (live beat the answer).
        latencies.append(0.0 if shown < 0 else shown - answered_ms)
    return latencies


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    base_url = settings.api.base_url
    async with client(base_url, 30.0) as http:
        cast = await find_cast(http)
        filed = await seed(settings, cast.customers, args.requests, args.seed_concurrency)
        total = await count_requests(settings)
        plumber = next(e for e in cast.executors if e.category == "plumbing")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
            )
            try:
                context = await signed_in_context(browser, base_url)
                await first_render(context, base_url)  # warms the HTTP cache, not counted
                renders = [await first_render(context, base_url) for _ in range(args.renders)]
                page = await open_queue(context, base_url)
                pages = await next_pages(page, args.pages)
                await page.goto(f"{base_url}/app/queue")
                await page.locator(ROW).first.wait_for()
                scroll: dict[str, Any] = await page.evaluate(SCROLL, args.scroll_s)
                await page.goto(f"{base_url}/app/queue")
                await page.locator(ROW).first.wait_for()
                # Fresh tokens: a long seed outlives the 15-minute access token.
                await cast.manager.sign_in()
                await cast.customers[0].sign_in()
                live = (
                    await live_updates(
                        page, cast.manager, plumber.id, args.transitions, cast.customers[0]
                    )
                    if args.transitions
                    else []
                )
            finally:
                await browser.close()
    figures = {
        "label": args.label,
        "requests_in_database": total,
        "filed_for_this_run": filed,
        "first_render_ms": Latency.of(renders).as_json(),
        "next_page_ms": Latency.of(pages).as_json(),
        "scroll_frame_ms": Latency.of(scroll["frames"]).as_json(),
        "scroll_long_tasks_ms": scroll["longTasks"],
        "scroll_height_px": scroll["range"],
        "live_update_ms": Latency.of(live).as_json() if live else None,
        "load": list(os.getloadavg()),
    }
    rows = [
        ("first render of /app/queue", *_row(renders)),
        ("next page", *_row(pages)),
        ("scroll: frame interval", *_row(scroll["frames"])),
    ]
    if live:
        rows.append(("live update: API answer → row", *_row(live)))
    print(f"{total} requests in the database; load {os.getloadavg()[0]:.1f}")
    print(table(["ms", "count", "p50", "p95", "p99", "max"], rows))
    print(f"long tasks while scrolling: {len(scroll['longTasks'])}")
    print(f"written to {write('web', figures)}")
    return 0


def _row(values: list[float]) -> tuple[int, float, float, float, float]:
    figure = Latency.of(values)
    return figure.count, figure.p50, figure.p95, figure.p99, figure.max
