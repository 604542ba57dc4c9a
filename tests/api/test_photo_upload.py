"""Photos from the web app: who may add them, what counts as an image, and the limits."""

from __future__ import annotations

import base64

import httpx

from api.limits import PHOTO_BODY_BYTES
from domain.lifecycle import Role
from services.request_photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_REQUEST
from tests.helpers.api_client import SignedIn, act, create

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


def photo(content: bytes, content_type: str = "image/png") -> dict[str, str]:
    return {"content_type": content_type, "content_base64": base64.b64encode(content).decode()}


async def test_the_customer_and_the_assigned_executor_add_photos(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    executor = await signed_in(Role.EXECUTOR, skills=["plumbing"])
    manager = await signed_in(Role.MANAGER)
    rid = (await create(client, customer)).json()["id"]
    path = f"/requests/{rid}/attachments"

    added = await client.post(path, json=photo(PNG), headers=customer.headers)
    assert added.status_code == 201, added.text
    assert added.json()["content_type"] == "image/png"
    assert added.json()["size"] == len(PNG)
    again = await client.post(path, json=photo(PNG), headers=customer.headers)
    assert again.json()["id"] == added.json()["id"]  # the same photo is kept once

    # Before assignment the executor cannot even see the request.
    assert (
        await client.post(path, json=photo(JPEG, "image/jpeg"), headers=executor.headers)
    ).status_code == 404
    assigned = await act(client, manager, rid, "assign", {"executor_id": executor.id})
    assert assigned.status_code == 200, assigned.text
    by_executor = await client.post(path, json=photo(JPEG, "image/jpeg"), headers=executor.headers)
    assert by_executor.status_code == 201, by_executor.text

    refused = await client.post(path, json=photo(JPEG, "image/jpeg"), headers=manager.headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"

    listed = (await client.get(path, headers=manager.headers)).json()
    assert {a["uploaded_by"] for a in listed} == {customer.id, executor.id}
    download = await client.get(f"{path}/{by_executor.json()['id']}", headers=customer.headers)
    assert download.content == JPEG
    assert download.headers["content-type"] == "image/jpeg"


async def test_what_is_not_the_declared_image_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    path = f"/requests/{rid}/attachments"
    for body in (
        photo(b"<script>alert(1)</script>", "image/png"),
        photo(JPEG, "image/png"),
        {"content_type": "image/png", "content_base64": "not base64!"},
        photo(PNG, "image/gif"),
    ):
        response = await client.post(path, json=body, headers=customer.headers)
        assert response.status_code == 422, (body["content_type"], response.text)
    assert (await client.get(path, headers=customer.headers)).json() == []


async def test_another_customer_cannot_add_to_a_request(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    owner, stranger = await signed_in(Role.CUSTOMER), await signed_in(Role.CUSTOMER)
    rid = (await create(client, owner)).json()["id"]
    response = await client.post(
        f"/requests/{rid}/attachments", json=photo(PNG), headers=stranger.headers
    )
    assert response.status_code == 404


async def test_a_cancelled_request_takes_no_more_photos(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    assert (await act(client, customer, rid, "cancel", {"reason": "передумал"})).status_code == 200
    response = await client.post(
        f"/requests/{rid}/attachments", json=photo(PNG), headers=customer.headers
    )
    assert response.status_code == 409


async def test_a_photo_body_may_be_larger_than_other_bodies_but_only_for_uploaders(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer, manager = await signed_in(Role.CUSTOMER), await signed_in(Role.MANAGER)
    rid = (await create(client, customer)).json()["id"]
    big = photo(PNG + b"\x00" * (2 * 1024 * 1024))  # past the 1 MiB default body limit
    as_customer = await client.post(
        f"/requests/{rid}/attachments", json=big, headers=customer.headers
    )
    assert as_customer.status_code == 201, as_customer.text[:200]
    as_manager = await client.post(
        f"/requests/{rid}/attachments", json=big, headers=manager.headers
    )
    assert as_manager.status_code == 413


async def test_a_photo_body_is_limited_to_what_the_largest_photo_needs(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    path = f"/requests/{rid}/attachments"
    largest = photo(PNG + b"\x01" * (MAX_PHOTO_BYTES - len(PNG)))
    kept = await client.post(path, json=largest, headers=customer.headers)
    assert kept.status_code == 201, kept.text[:200]
    past = await client.post(
        path, json=photo(PNG + b"\x02" * (PHOTO_BODY_BYTES * 3 // 4)), headers=customer.headers
    )
    assert past.status_code == 413
    assert past.json()["max_bytes"] == PHOTO_BODY_BYTES < 15 * 1024 * 1024


async def test_a_request_takes_a_limited_number_of_photos(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    customer = await signed_in(Role.CUSTOMER)
    rid = (await create(client, customer)).json()["id"]
    path = f"/requests/{rid}/attachments"
    first = None
    for n in range(MAX_PHOTOS_PER_REQUEST):
        added = await client.post(path, json=photo(PNG + bytes([n])), headers=customer.headers)
        assert added.status_code == 201, added.text
        first = first or added.json()
    refused = await client.post(path, json=photo(PNG + b"one more"), headers=customer.headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert len((await client.get(path, headers=customer.headers)).json()) == MAX_PHOTOS_PER_REQUEST
    # The same photo again is no new one: answered with the one kept.
    again = await client.post(path, json=photo(PNG + bytes([0])), headers=customer.headers)
    assert again.status_code == 201
    assert first is not None
    assert again.json()["id"] == first["id"]
