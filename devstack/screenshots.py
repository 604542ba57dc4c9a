"""`python -m devstack.screenshots`: PNGs of the web app's main pages, one role at a time,
in light and dark theme, from the stack `make up` runs (demo data) into docs/screenshots/.

The theme follows the browser's prefers-color-scheme until a user picks one, so each
shot's context asks for its scheme; the executor's view is shot at a phone's size.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from playwright.async_api import Browser, Page, ViewportSize, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from core.settings import REPO_ROOT, get_settings
from devstack import demo
from devstack.local_secrets import local_stack_settings

CHROMIUM = Path("/usr/bin/chromium")
OUT = REPO_ROOT / "docs" / "screenshots"
DESKTOP = ViewportSize(width=1440, height=900)
PHONE = ViewportSize(width=390, height=844)
Scheme = Literal["light", "dark"]
# Long enough for the data to arrive and MUI's transitions (already reduced) to end.
SETTLE_MS = 1200
BUSY = "[role=progressbar], .MuiDataGrid-overlay, .MuiSkeleton-root"


@dataclass(frozen=True)
class Shot:
    name: str
    email: str | None  # None: signed out
    path: str
    scheme: Scheme
    phone: bool = False
    open_first_row: bool = False
    full_page: bool = False  # the whole scrolled page, not only the viewport


SHOTS = (
    Shot("signin-light", None, "/app/signin", "light"),
    Shot("customer-requests-light", "anna@example.com", "/app/requests", "light"),
    Shot("customer-new-request-dark", "anna@example.com", "/app/requests/new", "dark"),
    Shot("manager-queue-light", "manager@example.com", "/app/queue", "light"),
    Shot("manager-queue-dark", "manager@example.com", "/app/queue", "dark"),
    Shot(
        "manager-request-drawer-light",
        "manager@example.com",
        "/app/queue",
        "light",
        open_first_row=True,
    ),
    Shot("executor-jobs-phone-light", "ivan.plumber@example.com", "/app/jobs", "light", True),
    Shot("executor-jobs-phone-dark", "ivan.plumber@example.com", "/app/jobs", "dark", True),
    Shot(
        "executor-profile-phone-light",
        "ivan.plumber@example.com",
        "/app/profile",
        "light",
        True,
        full_page=True,
    ),
    Shot("security-queue-light", "security@example.com", "/app/security", "light"),
    Shot("hr-payouts-dark", "hr@example.com", "/app/hr", "dark"),
    Shot("manager-reports-light", "manager@example.com", "/app/reports", "light", full_page=True),
    Shot("manager-reports-dark", "manager@example.com", "/app/reports", "dark"),
    Shot("admin-users-light", "admin@example.com", "/app/admin", "light"),
)


async def _sign_in(page: Page, base_url: str, email: str) -> None:
    await page.goto(f"{base_url}/app/signin")
    await page.get_by_label("Эл. почта").fill(email)
    await page.get_by_label("Пароль").fill(demo.PASSWORD)
    await page.get_by_role("button", name="Войти").click()
    await page.wait_for_url(lambda url: "/app/signin" not in url)


async def _settled(page: Page) -> None:
    """The page has its data: no spinner or grid overlay is showing any more."""
    await page.wait_for_load_state("load")
    try:
        # Every one of them gone, not only the first: a page of reports loads several.
        await page.wait_for_function(f"!document.querySelector({BUSY!r})", timeout=20_000)
    except PlaywrightTimeout:
        # A spinner that stays is in the picture, as it is.
        print(f"  (still busy after 20 s: {page.url})")
    await page.wait_for_timeout(SETTLE_MS)


async def _take(browser: Browser, base_url: str, shot: Shot) -> Path:
    context = await browser.new_context(
        viewport=PHONE if shot.phone else DESKTOP,
        is_mobile=shot.phone,
        has_touch=shot.phone,
        color_scheme=shot.scheme,
        reduced_motion="reduce",
        # A Russian user's navigator.language and Accept-Language.
        locale="ru-RU",
        device_scale_factor=1,
    )
    try:
        page = await context.new_page()
        if shot.email:
            await _sign_in(page, base_url, shot.email)
        await page.goto(f"{base_url}{shot.path}")
        await _settled(page)
        if shot.open_first_row:
            await page.locator(".MuiDataGrid-row").first.click()
            await page.get_by_role("presentation").first.wait_for()
            await _settled(page)
        path = OUT / f"{shot.name}.png"
        await page.screenshot(path=str(path), full_page=shot.full_page)
        return path
    finally:
        await context.close()


async def take_all(base_url: str, names: set[str]) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            paths = []
            for shot in SHOTS:
                if names and shot.name not in names:
                    continue
                path = await _take(browser, base_url, shot)
                print(f"  {path.relative_to(REPO_ROOT)}  {path.stat().st_size // 1024} KB")
                paths.append(path)
            return paths
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack.screenshots", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"only these ({', '.join(s.name for s in SHOTS)})")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium package", file=sys.stderr)
        return 1
    settings = local_stack_settings(get_settings())
    asyncio.run(take_all(settings.api.base_url, set(args.names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
