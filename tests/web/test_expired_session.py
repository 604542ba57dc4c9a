"""A session that ends under a user's hands: the next call opens the sign-in dialog over
the page instead of failing quietly, what was typed survives the sign-in, and the action
then goes through once. Ended two ways: both tokens ran out (a long-idle session), and
the refresh cookie was removed by signing out in another tab."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from core.settings import Settings
from domain.lifecycle import Role
from tests.helpers.api_client import PASSWORD, SignedIn, User, create
from tests.helpers.browser import open_page, sign_in

# Long enough to sign in and open the form on a busy machine, short enough to wait out.
SHORT_TTL_S = 8
ADDRESS = "Москва, Тверская ул., 7, кв. 3"


def expired_dialog(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Сеанс истёк")


async def sign_in_again(page: Page) -> None:
    dialog = expired_dialog(page)
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Пароль").fill(PASSWORD)
    await dialog.get_by_role("button", name="Войти").click()
    await expect(dialog).to_be_hidden()


async def requests_described(client: httpx.AsyncClient, who: User, description: str) -> int:
    page = (await client.get("/requests", params={"limit": 100}, headers=who.headers)).json()
    return sum(1 for item in page["items"] if item["description"] == description)


async def test_an_expired_session_asks_to_sign_in_and_keeps_the_typed_request(
    browser: Browser,
    web_url: str,
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    context = await browser.new_context()
    watched = await open_page(context)
    page = watched.page
    try:
        # The API's settings object is this run's: tokens issued now run out in seconds.
        with monkeypatch.context() as short:
            short.setattr(settings.auth, "access_ttl_s", SHORT_TTL_S)
            short.setattr(settings.auth, "refresh_ttl_s", SHORT_TTL_S)
            await sign_in(page, web_url, customer.person.email, PASSWORD)
            signed_at = time.monotonic()
        # In-app navigation: a reload would renew the session through the cookie.
        await page.get_by_role("link", name="Новая заявка").first.click()
        await page.wait_for_url("**/app/requests/new")
        description = f"Течёт смеситель, сеанс истёк {uuid.uuid4().hex[:8]}"
        await page.get_by_label("Вид работ").select_option(label="Сантехника")
        await page.get_by_label("Что нужно сделать").fill(description)
        await page.get_by_label("Адрес").fill(ADDRESS)
        await page.get_by_label("Бюджет, ₽ (необязательно)").fill("2500")
        assert await expired_dialog(page).count() == 0  # nothing asked before it ran out

        await asyncio.sleep(max(0.0, signed_at + SHORT_TTL_S + 1.5 - time.monotonic()))
        # The live stream ends with its token and, reconnecting, finds the session over:
        # the dialog may open by itself; if it has not yet, submitting opens it.
        try:
            await expired_dialog(page).wait_for(state="visible", timeout=3_000)
        except PlaywrightTimeoutError:
            await page.get_by_role("button", name="Подать заявку").click()
        await sign_in_again(page)

        assert await page.get_by_label("Что нужно сделать").input_value() == description
        assert await page.get_by_label("Адрес").input_value() == ADDRESS
        assert await page.get_by_label("Бюджет, ₽ (необязательно)").input_value() == "2500"
        assert await page.get_by_label("Вид работ").input_value() == "plumbing"
        assert await requests_described(client, customer, description) == 0

        await page.get_by_role("button", name="Подать заявку").click()
        await page.wait_for_url(re.compile(r".*/app/requests/[0-9a-f-]{36}$"))
        await expect(page.get_by_text(description)).to_be_visible()
        assert await requests_described(client, customer, description) == 1
        assert watched.errors == []
        assert watched.csp_violations == []
    finally:
        await context.close()


async def test_signing_out_in_another_tab_asks_to_sign_in_over_an_open_dialog(
    browser: Browser, web_url: str, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    rid = (await create(client, customer)).json()["id"]
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    desk, other_tab = await open_page(context), await open_page(context)
    page = desk.page
    try:
        await sign_in(page, web_url, manager.person.email, PASSWORD)
        await page.goto(f"{web_url}/app/queue/{rid}")
        await page.get_by_role("button", name="Отменить", exact=True).click()
        cancel = page.get_by_role("dialog", name="Отменить заявку")
        reason = "Клиент передумал, звонил в 10:40"
        await cancel.get_by_label("Причина").fill(reason)

        # The same browser, another tab: signing out there revokes the session and
        # deletes the refresh cookie this tab would renew its token with.
        await other_tab.page.goto(f"{web_url}/app/queue")
        await other_tab.page.get_by_role("button", name="Выйти").click()
        await other_tab.page.wait_for_url("**/app/signin")
        assert not [c for c in await context.cookies() if c["name"] == "sra_refresh"]

        await cancel.get_by_role("button", name="Отменить заявку").click()
        await sign_in_again(page)
        await expect(cancel.get_by_label("Причина")).to_have_value(reason)
        view = (await client.get(f"/requests/{rid}", headers=manager.headers)).json()
        assert view["state"] == "new"

        await cancel.get_by_role("button", name="Отменить заявку").click()
        await expect(cancel).to_be_hidden()
        history = (await client.get(f"/requests/{rid}/history", headers=manager.headers)).json()
        assert [h["action"] for h in history].count("cancel") == 1
        assert (await client.get(f"/requests/{rid}", headers=manager.headers)).json()[
            "state"
        ] == "cancelled"
        assert desk.errors == []
    finally:
        await context.close()
