"""What a user sees when things go wrong: a refusal from the API said in their language,
an executor's action taken offline queued and sent with its key when the phone is back."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Browser, expect

from domain.lifecycle import Role
from tests.helpers.api_client import PASSWORD, SignedIn, act, create
from tests.helpers.browser import PHONE, open_page, sign_in

LIVE_S = 15_000


async def test_an_assignment_refused_by_the_api_is_explained_in_russian(
    browser: Browser, web_url: str, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    name = f"Олег Плиткин {uuid.uuid4().hex[:6]}"
    await signed_in(Role.EXECUTOR, skills=["plumbing"], full_name=name)
    rid = (await create(client, customer)).json()["id"]

    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    watched = await open_page(context)
    try:
        await sign_in(watched.page, web_url, manager.person.email, PASSWORD)
        await watched.page.goto(f"{web_url}/app/queue/{rid}")
        await watched.page.get_by_role("button", name="Назначить", exact=True).first.click()
        dialog = watched.page.get_by_role("dialog", name="Назначить исполнителя")
        await dialog.get_by_text(name).click()

        # While the manager hesitates, the customer cancels the request.
        assert (
            await act(client, customer, rid, "cancel", {"reason": "уже не нужно"})
        ).status_code == 200
        await dialog.get_by_role("button", name="Назначить", exact=True).click()
        await expect(
            watched.page.get_by_text("Действие невозможно в текущем состоянии.").first
        ).to_be_visible(timeout=LIVE_S)
        view = (await client.get(f"/requests/{rid}", headers=manager.headers)).json()
        assert view["state"] == "cancelled"
        assert view["assignee_id"] is None  # the refusal changed nothing
    finally:
        await context.close()


async def test_an_action_taken_offline_is_sent_once_when_the_phone_is_back(
    browser: Browser, web_url: str, client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    description = f"Капает кран, офлайн {uuid.uuid4().hex[:8]}"
    body = {"category": "plumbing", "description": description, "address": "Москва, Арбат, 10"}
    rid = (await create(client, customer, body)).json()["id"]
    assert (
        await act(client, manager, rid, "assign", {"executor_id": executor.id})
    ).status_code == 200

    phone = await browser.new_context(**PHONE)  # type: ignore[arg-type]
    watched = await open_page(phone)
    try:
        await sign_in(watched.page, web_url, executor.person.email, PASSWORD)
        job = watched.page.get_by_role("article").filter(has_text=description)
        await expect(job).to_be_visible(timeout=LIVE_S)

        await phone.set_offline(True)
        await job.get_by_role("button", name="Принять").click()
        await expect(job.get_by_text("Ожидает отправки").first).to_be_visible()
        # Nothing has reached the API yet, and a reload keeps the queued action.
        assert (await client.get(f"/requests/{rid}", headers=manager.headers)).json()[
            "state"
        ] == "assigned"

        await phone.set_offline(False)
        await expect(job.get_by_role("button", name="Начать")).to_be_visible(timeout=LIVE_S * 3)
        history = (await client.get(f"/requests/{rid}/history", headers=manager.headers)).json()
        assert [h["action"] for h in history].count("accept") == 1
        assert watched.csp_violations == []
    finally:
        await phone.close()
