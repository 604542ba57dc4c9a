"""Signing in from the browser: Russian by default, each role lands on its desk, the
refresh token never reaches script, each desk runs under its CSP without a violation
and has no serious or critical accessibility finding (axe-core)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from domain.lifecycle import Role
from tests.helpers.api_client import PASSWORD, SignedIn
from tests.helpers.browser import describe, open_page, serious_accessibility_violations, sign_in

HOMES = {
    Role.CUSTOMER: "/app/requests",
    Role.EXECUTOR: "/app/jobs",
    Role.MANAGER: "/app/queue",
    Role.SECURITY: "/app/security",
    Role.HR: "/app/hr",
    Role.ADMIN: "/app/admin",
}


async def test_the_sign_in_page_is_russian_accessible_and_csp_clean(
    browser: Browser, web_url: str
) -> None:
    context = await browser.new_context()
    watched = await open_page(context)
    await watched.page.goto(f"{web_url}/app/")
    await watched.page.wait_for_url("**/app/signin")
    assert await watched.page.get_attribute("html", "lang") == "ru"
    # Waits for it: the sign-in page's chunk may still be loading when the URL changes.
    await expect(watched.page.get_by_role("heading", name="Сервис заявок — Вход")).to_be_visible()
    violations = await serious_accessibility_violations(watched.page)
    assert not violations, describe(violations)
    assert watched.csp_violations == []
    assert watched.errors == []
    await context.close()


@pytest.mark.parametrize("role", list(HOMES))
async def test_each_role_lands_on_its_desk_and_a_reload_keeps_the_session(
    browser: Browser, web_url: str, signed_in: SignedIn, role: Role
) -> None:
    user = await signed_in(role)
    context = await browser.new_context()
    watched = await open_page(context)
    await sign_in(watched.page, web_url, user.person.email, PASSWORD)
    await watched.page.wait_for_url(f"**{HOMES[role]}")
    # The refresh token is httpOnly: the page's script sees only the CSRF cookie.
    script_cookies = await watched.page.evaluate("document.cookie")
    assert "sra_csrf=" in script_cookies
    assert "sra_refresh" not in script_cookies
    # Nor is any token kept in storage, where an injected script could read it back.
    stored = await watched.page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "eyJ" not in stored
    await watched.page.reload()
    await watched.page.wait_for_url(f"**{HOMES[role]}")
    await watched.page.get_by_role("button", name="Выйти").wait_for()
    await watched.page.get_by_role("heading", level=1).wait_for()
    violations = await serious_accessibility_violations(watched.page)
    assert not violations, describe(violations)
    assert watched.csp_violations == []
    await context.close()


async def test_a_wrong_password_is_said_in_russian(
    browser: Browser, web_url: str, signed_in: SignedIn
) -> None:
    user = await signed_in(Role.CUSTOMER)
    context = await browser.new_context()
    watched = await open_page(context)
    await watched.page.goto(f"{web_url}/app/signin")
    await watched.page.get_by_label("Эл. почта").fill(user.person.email)
    await watched.page.get_by_label("Пароль").fill("not-the-password")
    await watched.page.get_by_role("button", name="Войти").click()
    alert = watched.page.get_by_role("alert")
    await alert.wait_for()
    assert "Неверная почта или пароль" in await alert.inner_text()
    await context.close()
