"""The tax service's public check of a self-employed (НПД) taxpayer's status
(ФНС «Проверить статус налогоплательщика НПД»):

    POST https://statusnpd.nalog.ru/api/v1/tracker/taxpayer_status
    {"inn": "<12 digits>", "requestDate": "YYYY-MM-DD"}
    200 {"status": true|false, "message": "..."}
    422 {"code": "taxpayer.status.service.limited.error" | "validation.failed" | ..., ...}

The public service answers only a few requests per minute (per client IP), so every worker
shares one limit kept in Redis, and answers are cached in Redis for `cache_ttl_s`. A request
that would have to wait long for its turn fails fast with `TaxServiceBusy` instead of
sleeping, so a Temporal activity can retry it later without holding a worker slot.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx
from redis.asyncio import Redis

from core.logging import get_logger
from integrations.errors import (
    TaxServiceBusy,
    TaxServiceError,
    TaxServiceRejected,
    TaxServiceUnavailable,
)

__all__ = [
    "STATUS_PATH",
    "RequestLimit",
    "TaxServiceBusy",
    "TaxServiceError",
    "TaxServiceRejected",
    "TaxServiceUnavailable",
    "TaxStatus",
    "TaxStatusClient",
    "retry_after_s",
]

STATUS_PATH = "/api/v1/tracker/taxpayer_status"
LIMITED_CODE = "taxpayer.status.service.limited.error"
VALIDATION_CODE = "validation.failed"
UNAVAILABLE_CODE = "taxpayer.status.service.unavailable.error"
# The service names no wait when it limits us; its limit is counted per minute.
DEFAULT_RETRY_AFTER_S = 60.0
# The longest wait one answer may impose on everyone (the cool-down is shared by every
# worker: an unbounded Retry-After would stop every executor's check).
MAX_RETRY_AFTER_S = 3600.0
# delay-seconds of RFC 9110: ASCII digits, a fraction tolerated.
_DELAY_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")

log = get_logger("tax_service")


@dataclass(frozen=True)
class TaxStatus:
    inn: str
    self_employed: bool
    message: str  # the service's own words, e.g. "<inn> является плательщиком налога на ..."
    checked_on: date  # the date the status is for (requestDate)
    from_cache: bool


# ---- the shared request limit ------------------------------------------------------------

# A log of the slots handed out (a sorted set of times in ms; Redis's clock, so every
# worker agrees). A new slot goes after the last one and at least a window after the
# `limit`-th latest, so no window ever holds more than `limit` requests, however the
# workers interleave. A slot further away than the caller's maximum wait is not taken:
# callers that give up must not push the schedule out for everyone else. While the
# cool-down key lives (the service itself said we are over its limit) no slot is given.
# Milliseconds keep every number below 2^53 and within Lua's 14 printed digits.
# Returns {1 if taken else 0, wait in ms}.
_TAKE_SLOT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local max_wait_ms = tonumber(ARGV[3])
local cooling_ms = redis.call('PTTL', KEYS[2])
if cooling_ms > 0 then
  return {0, cooling_ms}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window_ms)
local slot = now_ms
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  slot = math.max(slot, tonumber(last[2]))
end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local bound = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
  slot = math.max(slot, tonumber(bound[2]) + window_ms)
end
local wait_ms = slot - now_ms
if wait_ms > max_wait_ms then
  return {0, wait_ms}
end
redis.call('ZADD', KEYS[1], string.format('%d', slot), ARGV[4])
redis.call('PEXPIRE', KEYS[1], wait_ms + window_ms + 1000)
return {1, wait_ms}
"""


class RequestLimit:
    """At most `requests_per_minute` requests in any minute, shared through Redis by every
    process using the same `key`. A whole minute's requests may go at once (the service
    counts per minute, it does not ask for spacing)."""

    def __init__(self, redis: Redis, key: str, requests_per_minute: float) -> None:
        if requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        # A fractional rate becomes whole requests per longer window: 0.5/min → 1 per 2 min.
        self.limit = max(1, math.floor(requests_per_minute))
        self.window_ms = math.ceil(self.limit * 60_000 / requests_per_minute)
        self.log_key = f"{key}:slots"
        self.cooldown_key = f"{key}:cooldown"
        self._take = redis.register_script(_TAKE_SLOT)
        self._redis = redis

    async def take(self, max_wait_s: float) -> tuple[bool, float]:
        """Take the next free slot if it is at most `max_wait_s` away. Returns whether it
        was taken and the seconds until it (when not taken: until the next free one)."""
        taken, wait_ms = await self._take(
            keys=[self.log_key, self.cooldown_key],
            args=[self.limit, self.window_ms, math.floor(max_wait_s * 1000), uuid.uuid4().hex],
        )
        return bool(int(taken)), int(wait_ms) / 1000

    async def cool_down(self, seconds: float) -> None:
        """The service said we are over its limit: nobody asks for `seconds` (callers
        bound it; a non-finite value is refused here rather than overflowing)."""
        if not math.isfinite(seconds):
            raise ValueError(f"a cool-down must be finite, got {seconds!r}")
        await self._redis.set(self.cooldown_key, b"1", px=max(1, math.ceil(seconds * 1000)))


# ---- the client --------------------------------------------------------------------------


class TaxStatusClient:
    """Asks the tax service whether an INN belongs to a self-employed taxpayer on a date.

    Raises `TaxServiceBusy` (retry after its `retry_after_s`), `TaxServiceRejected` (give
    up: the INN is not one the service accepts) or `TaxServiceUnavailable` (retry later).
    Clients with the same `base_url` (or `key_prefix`) share the limit and the cache.
    """

    def __init__(
        self,
        base_url: str,
        redis: Redis,
        *,
        requests_per_minute: float,
        cache_ttl_s: int,
        timeout_s: float = 10,
        max_wait_s: float = 5.0,
        max_retry_after_s: float = MAX_RETRY_AFTER_S,
        key_prefix: str | None = None,
    ) -> None:
        if cache_ttl_s < 0:
            raise ValueError("cache_ttl_s cannot be negative (0 turns the cache off)")
        if max_wait_s < 0 or timeout_s <= 0:
            raise ValueError("max_wait_s cannot be negative, timeout_s must be positive")
        if not (math.isfinite(max_retry_after_s) and max_retry_after_s > 0):
            raise ValueError("max_retry_after_s must be a positive number of seconds")
        self.max_retry_after_s = max_retry_after_s
        self.base_url = base_url.rstrip("/")
        self.cache_ttl_s = cache_ttl_s
        self.timeout_s = timeout_s
        self.max_wait_s = max_wait_s
        # The limit belongs to the service (and our IP), not to one process.
        self.key_prefix = key_prefix or f"tax-service:{self.base_url}"
        self.limit = RequestLimit(redis, self.key_prefix, requests_per_minute)
        self._redis = redis
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout_s,
            headers={"Accept": "application/json"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def self_employed(self, inn: str, on: date) -> TaxStatus:
        """The status of `inn` on the date `on`, from the cache when it was asked lately."""
        inn = _twelve_digits(inn)
        cached = await self._cached(inn, on)
        if cached is not None:
            return cached
        await self._wait_turn()
        try:
            status = await self._ask(inn, on)
        except TaxServiceBusy as busy:
            # Our limit let this through, yet the service counts differently (or someone
            # else shares our IP): hold every worker off for as long as it asks.
            log.warning("tax service limited us", retry_after_s=busy.retry_after_s)
            await self.limit.cool_down(busy.retry_after_s)
            raise
        await self._remember(status)
        return status

    # ---- cache -----------------------------------------------------------------------

    def _cache_key(self, inn: str, on: date) -> str:
        return f"{self.key_prefix}:status:{inn}:{on.isoformat()}"

    async def _cached(self, inn: str, on: date) -> TaxStatus | None:
        if not self.cache_ttl_s:
            return None
        raw = await self._redis.get(self._cache_key(inn, on))
        if raw is None:
            return None
        stored = json.loads(raw)
        return TaxStatus(inn, bool(stored["self_employed"]), str(stored["message"]), on, True)

    async def _remember(self, status: TaxStatus) -> None:
        # "Not self-employed" is cached too: it is as much an answer, and as costly to get.
        if not self.cache_ttl_s:
            return
        value = json.dumps({"self_employed": status.self_employed, "message": status.message})
        await self._redis.set(
            self._cache_key(status.inn, status.checked_on), value, ex=self.cache_ttl_s
        )

    # ---- the call --------------------------------------------------------------------

    async def _wait_turn(self) -> None:
        taken, wait_s = await self.limit.take(self.max_wait_s)
        if not taken:
            raise TaxServiceBusy(wait_s)
        if wait_s > 0:
            await asyncio.sleep(wait_s)

    async def _ask(self, inn: str, on: date) -> TaxStatus:
        try:
            response = await self._http.post(
                STATUS_PATH, json={"inn": inn, "requestDate": on.isoformat()}
            )
        except httpx.TimeoutException as error:
            raise TaxServiceUnavailable(f"no answer within {self.timeout_s:g} s") from error
        except httpx.RequestError as error:
            raise TaxServiceUnavailable(f"cannot reach the tax service: {error!r}") from error
        return _status_from(response, inn, on, self.max_retry_after_s)


def _twelve_digits(inn: str) -> str:
    """The service accepts only an individual's 12-digit INN; anything else is refused here,
    without spending one of the few requests a minute. Control digits are the service's
    call (domain.verification.check_inn checks them before anyone asks)."""
    inn = inn.strip()
    if len(inn) != 12 or not inn.isascii() or not inn.isdigit():
        raise TaxServiceRejected(f"not a 12-digit INN: {inn!r}")
    return inn


def _status_from(
    response: httpx.Response, inn: str, on: date, max_retry_after_s: float
) -> TaxStatus:
    if response.status_code == httpx.codes.OK:
        return _parse_status(response, inn, on)
    raise _error_from(response, inn, max_retry_after_s)


def _error_from(response: httpx.Response, inn: str, max_retry_after_s: float) -> TaxServiceError:
    body = _json_object(response)
    code, message = str(body.get("code", "")), str(body.get("message", ""))
    if code == LIMITED_CODE or response.status_code == httpx.codes.TOO_MANY_REQUESTS:
        header = response.headers.get("Retry-After", "")
        return TaxServiceBusy(retry_after_s(header, max_retry_after_s), message or None)
    if code == VALIDATION_CODE:
        return TaxServiceRejected(message or f"the tax service refused INN {inn}")
    # 5xx, the service's own "unavailable" code, or an answer we do not know: nothing
    # about the taxpayer is learned, and another try later may well succeed.
    detail = f"HTTP {response.status_code}" + (f" {code}" if code else "")
    return TaxServiceUnavailable(f"{detail}: {message}" if message else detail)


def _parse_status(response: httpx.Response, inn: str, on: date) -> TaxStatus:
    body = _json_object(response)
    status, message = body.get("status"), body.get("message")
    if not isinstance(status, bool):
        raise TaxServiceUnavailable(f"unexpected answer: {response.text[:200]!r}")
    return TaxStatus(inn, status, message if isinstance(message, str) else "", on, False)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after_s(header: str, cap: float = MAX_RETRY_AFTER_S) -> float:
    """Seconds to wait from a Retry-After value (delay-seconds or an HTTP-date), between
    one second and `cap`. An absent, unreadable, negative or non-finite value means the
    service's minute; a date in the past means "now" (one second). Never raises: the
    header is the other side's, and whatever it says must not stop our checks."""
    value = header.strip()
    wait = _delay_seconds(value) if _DELAY_SECONDS.fullmatch(value) else _until_date(value)
    # delay-seconds cannot be negative (the pattern has no sign); a past date can, and means now
    if wait is None or not math.isfinite(wait):
        wait = DEFAULT_RETRY_AFTER_S
    return min(cap, max(1.0, wait))


def _delay_seconds(value: str) -> float | None:
    try:
        return float(value)  # digits only (matched above): at worst very large, or inf
    except (ValueError, OverflowError):
        return None


def _until_date(value: str) -> float | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
