"""The benchmarks' API client: signed-in demo people, and calls that retry the way a real
client would (same Idempotency-Key, backoff) when a fault makes one fail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from devstack.demo import PASSWORD

# Statuses a client retries: the platform was briefly unable to answer, not "no".
RETRYABLE_STATUSES = frozenset({401, 429, 500, 502, 503, 504})


def client(base_url: str, timeout_s: float) -> httpx.AsyncClient:
    # Open-loop load keeps many calls in flight: the pool must not queue them client-side.
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    return httpx.AsyncClient(base_url=base_url, timeout=timeout_s, limits=limits)


class Person:
    """One signed-in account; signs in again when its access token is refused (it expired,
    or Redis lost the session during a fault)."""

    def __init__(self, http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
        self.http = http
        self.email = email
        self._password = password
        self._token: str | None = None
        self._lock = asyncio.Lock()

    async def sign_in(self) -> None:
        async with self._lock:
            response = await self.http.post(
                "/auth/token", data={"username": self.email, "password": self._password}
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]

    @property
    def signed_in(self) -> bool:
        return self._token is not None

    def forget(self) -> None:
        """Drop the refused token: the next call signs in again."""
        self._token = None

    def headers(self) -> dict[str, str]:
        if self._token is None:
            raise RuntimeError(f"{self.email} is not signed in")
        return {"Authorization": f"Bearer {self._token}"}


@dataclass(frozen=True)
class Retry:
    """Keep trying for `for_s` seconds (0: one attempt), backing off from `first_s` to `max_s`."""

    for_s: float = 0.0
    first_s: float = 0.2
    max_s: float = 5.0


NO_RETRY = Retry()


@dataclass(frozen=True)
class Attempt:
    sent: float  # wall clock (time.time()), to line up with Kafka's and the mailbox's clocks
    elapsed_ms: float
    outcome: str  # the HTTP status, or the transport error's class name

    @property
    def ok(self) -> bool:
        return self.outcome.isdigit() and 200 <= int(self.outcome) < 300


@dataclass
class Call:
    """One logical call and every attempt it took."""

    attempts: list[Attempt] = field(default_factory=list)
    status: int | None = None
    body: Any = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def elapsed_ms(self) -> float:
        """From the first attempt to the answer of the last: what the caller waited."""
        if not self.attempts:
            return 0.0
        first, last = self.attempts[0], self.attempts[-1]
        return (last.sent - first.sent) * 1000 + last.elapsed_ms

    @property
    def done(self) -> float:
        last = self.attempts[-1]
        return last.sent + last.elapsed_ms / 1000

    @property
    def outcome(self) -> str:
        return self.attempts[-1].outcome if self.attempts else "not sent"


async def call(
    person: Person,
    method: str,
    path: str,
    *,
    json: Any = None,
    key: str | None = None,
    retry: Retry = NO_RETRY,
    on_attempt: Callable[[str, Attempt], None] | None = None,
    label: str = "",
) -> Call:
    """Send until an answer that is not worth retrying, or until the retry time is spent.
    Every attempt carries the same Idempotency-Key, so a repeat cannot act twice."""
    result = Call()
    deadline = time.monotonic() + retry.for_s
    pause = retry.first_s
    while True:
        headers = {"Idempotency-Key": key} if key else {}
        sent, started = time.time(), time.perf_counter()
        status: int | None = None
        try:
            if not person.signed_in:
                await person.sign_in()
            response = await person.http.request(
                method, path, json=json, headers=person.headers() | headers
            )
            status = response.status_code
            outcome = str(status)
        except httpx.HTTPStatusError as error:  # signing in was refused
            response = None
            outcome = f"sign-in {error.response.status_code}"
        except httpx.TransportError as error:
            response = None
            outcome = type(error).__name__
        attempt = Attempt(sent, (time.perf_counter() - started) * 1000, outcome)
        result.attempts.append(attempt)
        if on_attempt is not None:
            on_attempt(label, attempt)
        if status == 401:
            person.forget()
        if response is not None and status not in RETRYABLE_STATUSES:
            result.status = status
            result.body = _body(response)
            return result
        if time.monotonic() + pause > deadline:
            result.status = status
            result.body = _body(response) if response is not None else None
            return result
        await asyncio.sleep(pause)
        pause = min(retry.max_s, pause * 2)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
