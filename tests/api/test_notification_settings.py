"""The API around notifications: language and channels, Telegram link codes, the
confirm link from the completion email, and the photos kept with a request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.security import issue_action_link
from core.settings import Settings
from domain.lifecycle import Action, Role
from services.requests import RequestCommands, RequestDraft
from store import attachments
from tests.helpers.api_client import SignedIn

DRAFT = RequestDraft("plumbing", "Течёт смеситель", "Москва, Тверская 1")


async def test_preferences_change_language_and_channels_and_refuse_bad_ones(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    me = (await client.get("/auth/me", headers=customer.headers)).json()
    assert (me["locale"], me["notification_channels"]) == ("ru", ["email"])

    changed = await client.patch("/auth/me", json={"locale": "en"}, headers=customer.headers)
    assert changed.status_code == 200
    assert changed.json()["locale"] == "en"

    bodies: list[dict[str, object]] = [
        {"locale": "de"},
        {"notification_channels": ["pigeon"]},
        {"notification_channels": []},
        {"role": "admin"},  # not a preference: refused, not ignored
    ]
    for body in bodies:
        refused = await client.patch("/auth/me", json=body, headers=customer.headers)
        assert refused.status_code == 422, body
        assert refused.headers["content-type"].startswith("application/problem+json")
    telegram = await client.patch(
        "/auth/me", json={"notification_channels": ["telegram"]}, headers=customer.headers
    )
    assert telegram.status_code == 422
    assert "linked chat" in telegram.json()["detail"]
    after = (await client.get("/auth/me", headers=customer.headers)).json()
    assert (after["locale"], after["notification_channels"], after["role"]) == (
        "en",
        ["email"],
        "customer",
    )


async def test_executor_with_a_linked_chat_may_choose_both_channels(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    executor = await signed_in(Role.EXECUTOR, telegram_chat_id=int(uuid.uuid4().int % 10**9))
    me = (await client.get("/auth/me", headers=executor.headers)).json()
    assert me["notification_channels"] == ["telegram"]
    both = await client.patch(
        "/auth/me",
        json={"notification_channels": ["email", "telegram"]},
        headers=executor.headers,
    )
    assert both.status_code == 200
    assert both.json()["notification_channels"] == ["email", "telegram"]


async def test_link_codes_are_one_time_and_a_new_one_replaces_the_old(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    executor = await signed_in(Role.EXECUTOR)
    first = await client.post("/executors/me/telegram-link", headers=executor.headers)
    second = await client.post("/executors/me/telegram-link", headers=executor.headers)
    assert first.status_code == second.status_code == 201
    body = second.json()
    assert len(body["code"]) == 8
    assert body["code"] in body["instructions"]
    assert first.json()["code"] != body["code"]


async def test_confirm_links_work_once_for_their_owner_and_bad_links_change_nothing(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    settings: Settings,
    commands: Callable[..., RequestCommands],
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    manager = await signed_in(Role.MANAGER)
    executor = await signed_in(Role.EXECUTOR)
    cmd = commands()
    view, _ = await cmd.create(customer.id, str(uuid.uuid4()), DRAFT)
    for who, action, extra in (
        (manager, Action.ASSIGN, {"executor_id": executor.id}),
        (executor, Action.ACCEPT, {}),
        (executor, Action.START, {}),
        (executor, Action.COMPLETE, {"report": "готово"}),
    ):
        await cmd.act(view.id, action, who.person.actor, **extra)

    def link(action: str = "confirm", ttl_s: int = 600, subject: str = customer.id) -> str:
        return issue_action_link(
            settings.auth, subject=subject, request_id=view.id, action=action, ttl_s=ttl_s
        )

    for bad in ("not-a-token", link(ttl_s=-10), link(action="cancel"), link()[:-3] + "abc"):
        refused = await client.post(f"/confirm/{bad}")
        assert refused.status_code == 400, bad
        # A plain sentence, not the verifier's reason (e.g. PyJWT's "Not enough segments").
        assert "повреждена или устарела" in refused.text or "не для подтверждения" in refused.text
        assert "segments" not in refused.text
        assert "signature" not in refused.text.lower()
    # The link is no access token, and an access token is no link.
    as_bearer = await client.get("/auth/me", headers={"Authorization": f"Bearer {link()}"})
    assert as_bearer.status_code == 401
    bearer = customer.headers["Authorization"].removeprefix("Bearer ")
    assert (await client.post(f"/confirm/{bearer}")).status_code == 400
    # A link made for someone else cannot confirm the customer's work.
    stranger = await client.post(f"/confirm/{link(subject=executor.id)}")
    assert stranger.status_code == 409
    state = (await client.get(f"/requests/{view.id}", headers=customer.headers)).json()["state"]
    assert state == "completed"

    assert (await client.post(f"/confirm/{link()}")).status_code == 200
    state = (await client.get(f"/requests/{view.id}", headers=customer.headers)).json()["state"]
    assert state in ("confirmed", "closed")


async def test_photos_are_downloadable_by_those_who_see_the_request(
    client: httpx.AsyncClient,
    signed_in: SignedIn,
    commands: Callable[..., RequestCommands],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer, stranger = await signed_in(Role.CUSTOMER), await signed_in(Role.CUSTOMER)
    executor = await signed_in(Role.EXECUTOR)
    view, _ = await commands().create(customer.id, str(uuid.uuid4()), DRAFT)
    photo = b"\xff\xd8\xff" + uuid.uuid4().bytes * 64
    async with sessions.begin() as session:
        first = await attachments.add_photo(
            session, request_id=view.id, uploaded_by=executor.id, content=photo, caption="до"
        )
        again = await attachments.add_photo(
            session, request_id=view.id, uploaded_by=executor.id, content=photo
        )
    assert first == again  # the same photo twice is kept once

    listed = await client.get(f"/requests/{view.id}/attachments", headers=customer.headers)
    assert [(a["id"], a["size"], a["caption"]) for a in listed.json()] == [
        (first, len(photo), "до")
    ]
    got = await client.get(f"/requests/{view.id}/attachments/{first}", headers=customer.headers)
    assert (got.status_code, got.content) == (200, photo)
    assert got.headers["content-type"] == "image/jpeg"
    hidden = await client.get(f"/requests/{view.id}/attachments/{first}", headers=stranger.headers)
    assert hidden.status_code == 404
    missing = await client.get(
        f"/requests/{view.id}/attachments/{uuid.uuid4()}", headers=customer.headers
    )
    assert missing.status_code == 404
