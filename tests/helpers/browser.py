"""A real Chromium (Debian's package) driven by Playwright, and what the web tests ask of
a page: signing in, accessibility (axe-core), and Content-Security-Policy reports."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once per session, before the browser
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


class Watched:
    """A page, and every CSP violation and uncaught error it had."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.csp_violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: Any) -> None:
        text = message.text
        if text.startswith("CSP-violation"):
            self.csp_violations.append(f"{self.page.url}: {text}")


# The browser's own report of each violation, with the directive and the first characters
# of what was blocked (the console message alone truncates both).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  console.error(`CSP-violation ${e.violatedDirective} sample=${e.sample} source=${where}`);
});
"""


async def open_page(context: BrowserContext) -> Watched:
    page = await context.new_page()
    await page.add_init_script(REPORT_VIOLATIONS)
    return Watched(page)


async def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    await page.goto(f"{base_url}/app/signin")
    await page.get_by_label("Эл. почта").fill(email)
    await page.get_by_label("Пароль").fill(password)
    await page.get_by_role("button", name="Войти").click()
    await page.wait_for_url(lambda url: "/app/signin" not in url)


# A dialog or drawer fading or sliding in is half transparent or half off the screen:
# its contrast is only judged once its CSS transitions (not the endless spinners) are over.
TRANSITIONS_DONE = """() => document.getAnimations().every(
  (a) => !(a instanceof CSSTransition) || a.playState !== "running")"""


async def serious_accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is once settled."""
    await page.wait_for_function(TRANSITIONS_DONE)
    if not (await page.evaluate("typeof window.axe !== 'undefined'")):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def describe(violations: object) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)
