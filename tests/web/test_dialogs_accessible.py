"""axe-core over what opens above a page, in the light and the dark theme (the browser's
colour scheme, as a user's system sets it): the manager's request drawer and its assign,
cancel and resolve dialogs and the keyboard help, the customer's new-request form with
errors, the cancel and dispute dialogs and the sign-in over an expired session, and the
security officer's decision with a missing reason. Errors are shown on purpose: their
red on a dark paper is where contrast fails first. No serious or critical finding."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from devstack.emulators.tax_service import RunningTaxService
from domain.lifecycle import Role
from tests.helpers.api_client import PASSWORD, SignedIn, User, act, create
from tests.helpers.browser import describe, open_page, serious_accessibility_violations, sign_in
from tests.helpers.polling import until
from tests.helpers.verification_data import documents, valid_inn

SCHEMES = ["light", "dark"]
# CssBaseline's body: MUI's default paper of each mode.
WIDE = {"width": 1440, "height": 900}
LOAD_MS = 15_000  # a page's first data on a shared 2-core machine
BODY_COLOUR = {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 18, 18)"}


class Audit:
    """axe's findings on each state of one page, asserted together at the end so one run
    names every failing dialog, not only the first."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: dict[str, list[dict[str, Any]]] = {}

    async def check(self, what: str) -> None:
        violations = await serious_accessibility_violations(self.page)
        if violations:
            self.found[what] = violations


async def desk(browser: Browser, scheme: str, **options: Any) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(color_scheme=scheme, **options)  # type: ignore[arg-type]
    return context, (await open_page(context)).page


async def assert_scheme(page: Page, scheme: str) -> None:
    colour = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colour == BODY_COLOUR[scheme], f"the {scheme} theme is not applied: {colour}"


async def completed_request(
    client: httpx.AsyncClient, customer: User, manager: User, executor: User
) -> str:
    rid: str = (await create(client, customer)).json()["id"]
    steps: list[tuple[User, str, dict[str, Any] | None]] = [
        (manager, "assign", {"executor_id": executor.id}),
        (executor, "accept", None),
        (executor, "start", None),
        (executor, "complete", {"report": "Заменил картридж смесителя"}),
    ]
    for who, action, body in steps:
        answer = await act(client, who, rid, action, body)
        assert answer.status_code == 200, (action, answer.text)
    return rid


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_the_managers_drawer_and_dialogs_are_accessible(
    browser: Browser, web_url: str, client: httpx.AsyncClient, signed_in: SignedIn, scheme: str
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    name = f"Пётр Трубников {uuid.uuid4().hex[:6]}"
    await signed_in(Role.EXECUTOR, skills=["plumbing"], full_name=name)
    await signed_in(Role.EXECUTOR, skills=["plumbing"], verified=False)  # listed as unfit
    rid = (await create(client, customer)).json()["id"]

    context, page = await desk(browser, scheme, viewport=WIDE)
    audit = Audit(page)
    try:
        await sign_in(page, web_url, manager.person.email, PASSWORD)
        await page.goto(f"{web_url}/app/queue/{rid}")
        drawer = page.get_by_test_id("request-drawer")
        await expect(drawer.get_by_text("Сантехника")).to_be_visible(timeout=LOAD_MS)
        await expect(drawer.get_by_role("heading", name="История")).to_be_visible()
        await assert_scheme(page, scheme)
        await audit.check("request drawer")

        await drawer.get_by_role("button", name="Назначить", exact=True).click()
        assign = page.get_by_role("dialog", name="Назначить исполнителя")
        await expect(assign.get_by_text(name)).to_be_visible()
        await audit.check("assign dialog")
        await page.keyboard.press("Escape")
        await expect(assign).to_be_hidden()

        await drawer.get_by_role("button", name="Отменить", exact=True).click()
        cancel = page.get_by_role("dialog", name="Отменить заявку")
        await cancel.get_by_role("button", name="Отменить заявку").click()
        await expect(cancel.get_by_text("Укажите причину")).to_be_visible()
        await audit.check("cancel dialog, no reason given")
        await page.keyboard.press("Escape")
        await expect(cancel).to_be_hidden()

        await drawer.get_by_role("button", name="Закрыть заявку").click()
        await expect(drawer).to_be_hidden()
        await page.get_by_role("button", name="Горячие клавиши").click()
        await expect(page.get_by_role("dialog", name="Горячие клавиши")).to_be_visible()
        await audit.check("keyboard help")
    finally:
        await context.close()
    assert not audit.found, describe(audit.found)


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_the_customers_form_cancel_and_sign_in_again_are_accessible(
    browser: Browser, web_url: str, client: httpx.AsyncClient, signed_in: SignedIn, scheme: str
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]

    context, page = await desk(browser, scheme)
    audit = Audit(page)
    try:
        await sign_in(page, web_url, customer.person.email, PASSWORD)
        await page.goto(f"{web_url}/app/requests/{rid}")
        await page.get_by_role("button", name="Отменить", exact=True).click(timeout=LOAD_MS)
        cancel = page.get_by_role("dialog", name="Отменить заявку")
        await expect(cancel.get_by_label("Причина (необязательно)")).to_be_visible()
        await assert_scheme(page, scheme)
        await audit.check("cancel dialog")
        await cancel.get_by_role("button", name="Не отменять").click()
        await expect(cancel).to_be_hidden()

        await page.get_by_role("link", name="Новая заявка").first.click()
        await page.get_by_label("Адрес").fill("М")
        await page.get_by_role("button", name="Подать заявку").click()
        await expect(page.get_by_text("Исправьте отмеченные поля.")).to_be_visible()
        await expect(page.get_by_text("Адрес — не короче 3 знаков.")).to_be_visible()
        await audit.check("new-request form with errors")

        # Signed out in another tab: the form sent now asks to sign in again.
        other_tab = await context.new_page()
        await other_tab.goto(f"{web_url}/app/requests")
        await other_tab.get_by_role("button", name="Выйти").click()
        await other_tab.wait_for_url("**/app/signin")
        await other_tab.close()
        await page.get_by_label("Вид работ").select_option(label="Сантехника")
        await page.get_by_label("Что нужно сделать").fill("Течёт смеситель на кухне")
        await page.get_by_label("Адрес").fill("Москва, Тверская ул., 7")
        await page.get_by_role("button", name="Подать заявку").click()
        await expect(page.get_by_role("dialog", name="Сеанс истёк")).to_be_visible()
        await audit.check("sign-in over an expired session")
    finally:
        await context.close()
    assert not audit.found, describe(audit.found)


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_the_dispute_and_its_resolution_are_accessible(
    browser: Browser, web_url: str, client: httpx.AsyncClient, signed_in: SignedIn, scheme: str
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    rid = await completed_request(client, customer, manager, executor)

    home, page = await desk(browser, scheme)
    office, manager_page = await desk(browser, scheme, viewport=WIDE)
    audit, manager_audit = Audit(page), Audit(manager_page)
    try:
        await sign_in(page, web_url, customer.person.email, PASSWORD)
        await page.goto(f"{web_url}/app/requests/{rid}")
        await page.get_by_role("button", name="Оспорить").click(timeout=LOAD_MS)
        dispute = page.get_by_role("dialog", name="Оспорить выполнение")
        await dispute.get_by_role("button", name="Оспорить").click()
        await expect(dispute.get_by_role("textbox")).to_have_attribute("aria-invalid", "true")
        await assert_scheme(page, scheme)
        await audit.check("dispute dialog, no reason given")
        await dispute.get_by_role("textbox").fill("Кран всё ещё капает")
        await dispute.get_by_role("button", name="Оспорить").click()
        await expect(dispute).to_be_hidden()

        await sign_in(manager_page, web_url, manager.person.email, PASSWORD)
        await manager_page.goto(f"{web_url}/app/queue/{rid}")
        drawer = manager_page.get_by_test_id("request-drawer")
        await drawer.get_by_role("button", name="Решить спор").click(timeout=LOAD_MS)
        resolve = manager_page.get_by_role("dialog", name="Решить спор")
        await resolve.get_by_role("button", name="Решить", exact=True).click()
        await expect(resolve.get_by_text("Укажите причину")).to_be_visible()
        await manager_audit.check("resolve dialog, no reason given")
        # The dispute resolved from the drawer: sent for rework, in the executor's hands.
        await resolve.get_by_role("textbox").fill("Исполнитель вернётся и доделает")
        await resolve.get_by_role("button", name="Решить", exact=True).click()
        await expect(resolve).to_be_hidden(timeout=LOAD_MS)
        answer = await client.get(f"/requests/{rid}", headers=manager.headers)
        assert answer.json()["state"] == "in_progress", answer.text
    finally:
        await home.close()
        await office.close()
    found = {**audit.found, **manager_audit.found}
    assert not found, describe(found)


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_the_security_decision_is_accessible(
    browser: Browser,
    web_url: str,
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    tax_service: RunningTaxService,
    scheme: str,
) -> None:
    executor = await signed_in(Role.EXECUTOR, verified=False)
    officer = await signed_in(Role.SECURITY)
    inn = valid_inn()
    tax_service.emulator.set_status(inn, True)
    submitted = await client.post(
        "/executors/me/verification", json=documents(inn), headers=executor.headers
    )
    assert submitted.status_code == 202, submitted.text

    async def awaiting() -> bool:
        path = f"/executors/{executor.id}/verification"
        seen = (await client.get(path, headers=officer.headers)).json()
        return bool(seen["state"] == "awaiting_decision")

    await until(awaiting, what="the checks done")

    context, page = await desk(browser, scheme, viewport=WIDE)
    audit = Audit(page)
    try:
        await sign_in(page, web_url, officer.person.email, PASSWORD)
        await page.goto(f"{web_url}/app/security/{executor.id}")
        await page.get_by_role("button", name="Отклонить").click(timeout=LOAD_MS)
        await expect(page.get_by_text("Укажите причину отказа.")).to_be_visible()
        await assert_scheme(page, scheme)
        await audit.check("decision with no reason for a refusal")
    finally:
        await context.close()
    assert not audit.found, describe(audit.found)
