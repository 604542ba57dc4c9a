"""Every answer carries the browser protections; pages allow no inline script."""

import re

import httpx

from api.security_headers import csp_hash


def _assert_protected(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_json_answers_and_problems_are_protected(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/health/live"),
        await client.get("/no/such/thing"),
        await client.post("/auth/refresh", content=b"x" * (2 * 1024 * 1024)),
    ):
        _assert_protected(response)


async def test_the_confirm_page_cannot_be_framed_or_run_inline_code(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/confirm/not-a-valid-link")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    _assert_protected(page)
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src" not in policy  # default-src 'none': no script at all
    assert "<script" not in page.text
    assert " style=" not in page.text
    # The page's one style block is allowed by its hash, and only it.
    (style,) = re.findall(r"<style>(.*?)</style>", page.text, re.DOTALL)
    assert f"style-src {csp_hash(style)}" in policy
