"""The reports page in Chromium against the run's analytics store: a manager reads the
figures of a day whose lifecycles the test wrote (tiles, a chart and its table, a CSV),
in the light and the dark theme without a serious accessibility finding; HR and security
see only their own reports."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from analytics.store import AnalyticsStore
from domain.lifecycle import Role
from tests.helpers.analytics_events import Lifecycle, rows_of
from tests.helpers.api_client import PASSWORD, SignedIn
from tests.helpers.browser import describe, open_page, serious_accessibility_violations, sign_in

LOAD_MS = 20_000  # several reports at once on a shared 2-core machine


@pytest.fixture
async def day(app: FastAPI) -> date:
    """A day of 2023 no other test writes to: three plumbing requests filed at 12:00
    Moscow time, two closed (one paid 1 000 ₽) and one cancelled by its customer."""
    store: AnalyticsStore = await app.state.resources.analytics()
    chosen = date(2023, 1, 1) + timedelta(days=random.randrange(365))
    at = datetime(chosen.year, chosen.month, chosen.day, 9, 0, tzinfo=UTC)
    executor = "00000000-0000-4000-8000-" + f"{random.randrange(16**12):012x}"
    events = []
    for n in range(2):
        life = Lifecycle("plumbing", "Москва, Тверская ул., 1").created(at)
        life.assigned(at + timedelta(minutes=10), executor).accepted(at + timedelta(minutes=20))
        life.started(at + timedelta(hours=1)).completed(at + timedelta(hours=2))
        life.confirmed(at + timedelta(hours=3))
        if n == 0:
            life.payout(at + timedelta(hours=3), "1000.00", "100.00", "900.00")
        events += life.closed(at + timedelta(hours=4)).events
    events += Lifecycle("plumbing", "Москва, Арбат, 5").created(at).cancelled(
        at + timedelta(minutes=30), "customer"
    ).events
    await store.run(store.insert_events, rows_of(events))
    return chosen


def region(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("region", name=name, exact=True)


def flat(text: str) -> str:
    """Text without its spaces: figures are grouped with (narrow) no-break spaces."""
    return re.sub(r"\s", "", text)


async def open_reports(browser: Browser, web_url: str, email: str, day: date, scheme: str):  # type: ignore[no-untyped-def]
    context = await browser.new_context(color_scheme=scheme, accept_downloads=True)  # type: ignore[arg-type]
    watched = await open_page(context)
    await sign_in(watched.page, web_url, email, PASSWORD)
    await watched.page.goto(f"{web_url}/app/reports?from={day}&to={day}")
    await watched.page.get_by_role("heading", level=1, name="Отчёты").wait_for()
    return context, watched


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_a_manager_reads_the_days_figures(
    browser: Browser, web_url: str, signed_in: SignedIn, day: date, scheme: str, tmp_path: Path
) -> None:
    manager = await signed_in(Role.MANAGER)
    context, watched = await open_reports(browser, web_url, manager.person.email, day, scheme)
    page = watched.page
    overview = region(page, "Коротко о периоде")
    await expect(overview).to_contain_text("Создано заявок", timeout=LOAD_MS)
    assert "Созданозаявок3" in flat(await overview.inner_text())
    volume = region(page, "Поток заявок")
    await expect(volume).to_contain_text("Закрыто", timeout=LOAD_MS)
    figures = flat(await volume.inner_text())
    assert "Создано3" in figures and "Закрыто2" in figures and "Отменено1" in figures
    # The chart is drawn, and its figures can be read as a table too.
    chart = volume.locator("svg").first
    await expect(chart).to_be_visible()
    await volume.get_by_role("button", name="Показать таблицу").first.click()
    table = volume.get_by_role("table").first
    await expect(table).to_be_visible()
    assert "3" in await table.inner_text()
    # The same figures as CSV, fetched with the in-memory token.
    async with page.expect_download() as download_info:
        await volume.get_by_role("button", name="Скачать CSV: Поток заявок").click()
    download = await download_info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert download.suggested_filename == f"volume-{day}-{day}.csv"
    assert str(day) in saved.read_text()
    # Every section has settled (no skeleton) before axe reads the page.
    await expect(page.locator(".MuiSkeleton-root")).to_have_count(0, timeout=LOAD_MS)
    violations = await serious_accessibility_violations(page)
    assert not violations, describe(violations)
    assert watched.csp_violations == []
    assert watched.errors == []
    await context.close()


async def test_hr_and_security_see_only_their_reports(
    browser: Browser, web_url: str, signed_in: SignedIn, day: date
) -> None:
    hr = await signed_in(Role.HR)
    context, watched = await open_reports(browser, web_url, hr.person.email, day, "light")
    page = watched.page
    payouts = region(page, "Выплаты")
    await expect(payouts).to_contain_text("К выплате", timeout=LOAD_MS)
    assert "1000,00" in flat(await payouts.inner_text())
    assert await region(page, "Поток заявок").count() == 0
    assert await region(page, "Проверка исполнителей").count() == 0
    await context.close()

    security = await signed_in(Role.SECURITY)
    context, watched = await open_reports(browser, web_url, security.person.email, day, "light")
    page = watched.page
    await expect(region(page, "Проверка исполнителей")).to_be_visible(timeout=LOAD_MS)
    assert await region(page, "Выплаты").count() == 0
    assert await region(page, "Коротко о периоде").count() == 0
    assert watched.errors == []
    await context.close()
