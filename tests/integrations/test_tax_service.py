"""The tax service client against the emulator (served in-process) and a real Redis: answers,
the cache, the limit shared through Redis, and how each kind of failure is reported.

Redis is the local stack's when it answers; otherwise this module runs its own redis-server.
"""

from __future__ import annotations

import asyncio
import math
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest
import redis
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.settings import get_settings
from devstack.emulators.serving import serve_app
from devstack.emulators.tax_service import (
    DEMO_NOT_SELF_EMPLOYED_INN,
    DEMO_SELF_EMPLOYED_INNS,
    RunningTaxService,
    serve_tax_service,
)
from integrations.tax_service import (
    STATUS_PATH,
    TaxServiceBusy,
    TaxServiceRejected,
    TaxServiceUnavailable,
    TaxStatus,
    TaxStatusClient,
)
from tests.helpers.processes import free_port

ON = date(2026, 3, 10)
SELF_EMPLOYED = DEMO_SELF_EMPLOYED_INNS[0]
OTHERS = DEMO_SELF_EMPLOYED_INNS[1:]
BAD_CHECKSUM = SELF_EMPLOYED[:-1] + str((int(SELF_EMPLOYED[-1]) + 1) % 10)


# ---- Redis -------------------------------------------------------------------------------


def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    stack_url = get_settings().redis.url
    if _answers(stack_url):
        yield stack_url
        return
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not _answers(url):
            assert server.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis_client: Redis) -> AsyncIterator[str]:
    """This test's Redis namespace (limit and cache), removed afterwards."""
    name = f"test-tax-service:{uuid.uuid4().hex}"
    yield name
    keys = [key async for key in redis_client.scan_iter(match=f"{name}:*")]
    if keys:
        await redis_client.delete(*keys)


# ---- the service -------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def fns_server() -> AsyncIterator[RunningTaxService]:
    async with serve_tax_service() as running:
        running.emulator.seed_demo()
        yield running


@pytest.fixture
def fns(fns_server: RunningTaxService) -> RunningTaxService:
    """The emulator as it started (demo registry, nothing received), shared by the tests."""
    fns_server.emulator.reset()
    return fns_server


MakeClient = Callable[..., TaxStatusClient]


@pytest.fixture
async def make_client(redis_client: Redis, prefix: str) -> AsyncIterator[MakeClient]:
    made: list[TaxStatusClient] = []

    def make(base_url: str, *, redis: Redis | None = None, **options: float) -> TaxStatusClient:
        settings: dict[str, float] = {"requests_per_minute": 100, "cache_ttl_s": 3600}
        settings.update(options)
        client = TaxStatusClient(
            base_url,
            redis or redis_client,
            requests_per_minute=settings.pop("requests_per_minute"),
            cache_ttl_s=int(settings.pop("cache_ttl_s")),
            key_prefix=prefix,
            **settings,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


# ---- answers and the cache ---------------------------------------------------------------


async def test_a_registered_taxpayer_is_self_employed(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    status = await make_client(fns.base_url).self_employed(SELF_EMPLOYED, ON)
    assert status == TaxStatus(
        inn=SELF_EMPLOYED,
        self_employed=True,
        message=f"{SELF_EMPLOYED} является плательщиком налога на профессиональный доход",
        checked_on=ON,
        from_cache=False,
    )
    [request] = fns.emulator.received
    assert (request.inn, request.request_date) == (SELF_EMPLOYED, "2026-03-10")


async def test_an_unknown_inn_is_not_self_employed(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    status = await make_client(fns.base_url).self_employed(f" {DEMO_NOT_SELF_EMPLOYED_INN} ", ON)
    assert status.inn == DEMO_NOT_SELF_EMPLOYED_INN  # trimmed before it is sent
    assert status.self_employed is False
    assert status.message == (
        f"{DEMO_NOT_SELF_EMPLOYED_INN} не является плательщиком налога на профессиональный доход"
    )


async def test_answers_are_cached_per_inn_and_date(
    fns: RunningTaxService, make_client: MakeClient, redis_client: Redis, prefix: str
) -> None:
    client = make_client(fns.base_url, cache_ttl_s=600)
    first = await client.self_employed(SELF_EMPLOYED, ON)
    again = await client.self_employed(SELF_EMPLOYED, ON)
    assert fns.emulator.requests == 1
    assert again == TaxStatus(SELF_EMPLOYED, True, first.message, ON, from_cache=True)
    # "no" is an answer as costly as "yes": cached as well
    for _ in range(2):
        assert not (await client.self_employed(DEMO_NOT_SELF_EMPLOYED_INN, ON)).self_employed
    assert fns.emulator.requests == 2
    # another date is another question
    assert not (await client.self_employed(SELF_EMPLOYED, date(2026, 3, 11))).from_cache
    assert fns.emulator.requests == 3
    ttl = await redis_client.ttl(f"{prefix}:status:{SELF_EMPLOYED}:2026-03-10")
    assert 590 <= ttl <= 600


async def test_the_cache_is_shared_by_clients(
    fns: RunningTaxService, make_client: MakeClient, redis_url: str
) -> None:
    await make_client(fns.base_url).self_employed(SELF_EMPLOYED, ON)
    other_process = Redis.from_url(redis_url)
    try:
        status = await make_client(fns.base_url, redis=other_process).self_employed(
            SELF_EMPLOYED, ON
        )
    finally:
        await other_process.aclose()
    assert status.from_cache
    assert fns.emulator.requests == 1


async def test_cache_ttl_zero_asks_every_time(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    client = make_client(fns.base_url, cache_ttl_s=0)
    for _ in range(2):
        assert not (await client.self_employed(SELF_EMPLOYED, ON)).from_cache
    assert fns.emulator.requests == 2


# ---- the shared limit --------------------------------------------------------------------


async def test_a_third_inn_within_the_minute_is_refused_without_a_call(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    client = make_client(fns.base_url, requests_per_minute=2)
    await client.self_employed(OTHERS[0], ON)
    await client.self_employed(OTHERS[1], ON)
    with pytest.raises(TaxServiceBusy) as busy:
        await client.self_employed(OTHERS[2], ON)
    # the first slot frees a minute after it was taken
    assert 55 < busy.value.retry_after_s <= 60
    assert fns.emulator.requests == 2
    # answers already known are still given while the limit is reached
    assert (await client.self_employed(OTHERS[0], ON)).from_cache


async def test_refused_callers_do_not_push_the_next_slot_out(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    client = make_client(fns.base_url, requests_per_minute=1)
    await client.self_employed(OTHERS[0], ON)
    waits = []
    for inn in OTHERS[1:4]:
        with pytest.raises(TaxServiceBusy) as busy:
            await client.self_employed(inn, ON)
        waits.append(busy.value.retry_after_s)
    # a refusal takes no slot: each caller is told the same (ever closer) free slot
    assert waits == sorted(waits, reverse=True)
    assert waits[0] - waits[-1] < 1
    assert fns.emulator.requests == 1


async def test_two_clients_share_the_limit_through_redis(
    fns: RunningTaxService, make_client: MakeClient, redis_url: str
) -> None:
    other_process = Redis.from_url(redis_url)
    try:
        first = make_client(fns.base_url, requests_per_minute=2)
        second = make_client(fns.base_url, redis=other_process, requests_per_minute=2)
        await first.self_employed(OTHERS[0], ON)
        await second.self_employed(OTHERS[1], ON)
        for client in (first, second):
            with pytest.raises(TaxServiceBusy):
                await client.self_employed(OTHERS[2], ON)
    finally:
        await other_process.aclose()
    assert fns.emulator.requests == 2


async def test_a_slot_within_max_wait_is_waited_for(
    fns: RunningTaxService, make_client: MakeClient, redis_client: Redis
) -> None:
    client = make_client(fns.base_url, requests_per_minute=1, max_wait_s=5)
    # A request 59.6 s ago (by Redis's clock) holds the minute's only slot for 0.4 s more.
    seconds, micros = await redis_client.time()
    now_ms = seconds * 1000 + micros // 1000
    await redis_client.zadd(client.limit.log_key, {"earlier": now_ms - 59_600})
    started = time.monotonic()
    status = await client.self_employed(SELF_EMPLOYED, ON)
    assert status.self_employed
    assert 0.3 <= time.monotonic() - started < 3
    assert fns.emulator.requests == 1


async def test_the_services_own_limit_holds_every_client_off(
    make_client: MakeClient,
) -> None:
    async with serve_tax_service(requests_per_minute=1) as strict:
        strict.emulator.seed_demo()
        client = make_client(strict.base_url, requests_per_minute=100)
        await client.self_employed(OTHERS[0], ON)
        with pytest.raises(TaxServiceBusy) as limited:
            await client.self_employed(OTHERS[1], ON)
        assert limited.value.retry_after_s == 60  # the service names no wait: its minute
        assert "Превышено количество запросов" in limited.value.detail
        assert strict.emulator.requests == 2
        # the service's word is remembered in Redis: nobody calls it meanwhile
        with pytest.raises(TaxServiceBusy) as cooling:
            await client.self_employed(OTHERS[2], ON)
        assert 55 < cooling.value.retry_after_s <= 60
        assert strict.emulator.requests == 2


# ---- failures ----------------------------------------------------------------------------


async def test_503_is_unavailable_and_not_cached(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    client = make_client(fns.base_url)
    fns.emulator.fail_next(1, 503)
    with pytest.raises(TaxServiceUnavailable, match="HTTP 503"):
        await client.self_employed(SELF_EMPLOYED, ON)
    status = await client.self_employed(SELF_EMPLOYED, ON)
    assert (status.self_employed, status.from_cache) == (True, False)
    assert fns.emulator.requests == 2


async def test_an_inn_the_service_refuses_is_rejected(
    fns: RunningTaxService, make_client: MakeClient
) -> None:
    with pytest.raises(TaxServiceRejected, match=f"Указан некорректный ИНН: {BAD_CHECKSUM}"):
        await make_client(fns.base_url).self_employed(BAD_CHECKSUM, ON)
    assert fns.emulator.requests == 1


@pytest.mark.parametrize("inn", ["7830002293", "12345", "50010073225a", ""])
async def test_a_malformed_inn_is_rejected_without_spending_a_request(
    fns: RunningTaxService, make_client: MakeClient, inn: str
) -> None:
    client = make_client(fns.base_url, requests_per_minute=1)
    with pytest.raises(TaxServiceRejected, match="not a 12-digit INN"):
        await client.self_employed(inn, ON)
    assert fns.emulator.requests == 0
    await client.self_employed(SELF_EMPLOYED, ON)  # the minute's one slot is still free


async def test_connection_refused_is_unavailable(make_client: MakeClient) -> None:
    client = make_client(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TaxServiceUnavailable, match="cannot reach"):
        await client.self_employed(SELF_EMPLOYED, ON)


@dataclass
class Scripted:
    """A stand-in service answering whatever the test sets."""

    base_url: str = ""
    respond: Callable[[], Response] = field(default=lambda: Response(status_code=500))
    delay_s: float = 0.0


@pytest.fixture(scope="module")
async def scripted_server() -> AsyncIterator[Scripted]:
    script = Scripted()

    async def status(_: Request) -> Response:
        await asyncio.sleep(script.delay_s)
        return script.respond()

    app = Starlette(routes=[Route(STATUS_PATH, status, methods=["POST"])])
    async with serve_app(app) as base_url:
        script.base_url = base_url
        yield script


@pytest.fixture
def scripted(scripted_server: Scripted) -> Scripted:
    scripted_server.respond, scripted_server.delay_s = Scripted.respond, 0.0
    return scripted_server


async def test_a_slow_service_is_unavailable(scripted: Scripted, make_client: MakeClient) -> None:
    scripted.delay_s = 1.0
    scripted.respond = lambda: JSONResponse({"status": True, "message": "late"})
    client = make_client(scripted.base_url, timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(TaxServiceUnavailable, match=r"no answer within 0\.2 s"):
        await client.self_employed(SELF_EMPLOYED, ON)
    assert time.monotonic() - started < 0.9


@pytest.mark.parametrize(
    ("headers", "retry_after_s"),
    [({"Retry-After": "7"}, 7.0), ({}, 60.0), ({"Retry-After": "soon"}, 60.0)],
    ids=["seconds", "absent", "unreadable"],
)
async def test_retry_after_is_taken_from_the_header(
    scripted: Scripted, make_client: MakeClient, headers: dict[str, str], retry_after_s: float
) -> None:
    body = {"code": "taxpayer.status.service.limited.error", "message": "Превышено"}
    scripted.respond = lambda: JSONResponse(body, status_code=422, headers=headers)
    with pytest.raises(TaxServiceBusy) as busy:
        await make_client(scripted.base_url).self_employed(SELF_EMPLOYED, ON)
    assert busy.value.retry_after_s == retry_after_s


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


LIMITED = {"code": "taxpayer.status.service.limited.error", "message": "Превышено"}
HOUR_S = 3600.0


@pytest.mark.parametrize(
    ("value", "retry_after_s"),
    [
        ("inf", 60.0),
        ("-inf", 60.0),
        ("nan", 60.0),
        ("-5", 60.0),
        ("1e12", 60.0),  # not delay-seconds (digits only): unreadable
        ("99999999999999999999999999", HOUR_S),
        ("Fri, 31 Dec 9999 23:59:59 GMT", HOUR_S),
        ("Mon, 01 Jan 2001 00:00:00 GMT", 1.0),
        ("Mon, 99 Foo 2001 99:99:99 GMT", 60.0),
        ("\u00b2", 60.0),
        ("7, 8", 60.0),
    ],
    ids=[
        "infinite",
        "minus-infinite",
        "nan",
        "negative",
        "exponent",
        "huge-integer",
        "far-http-date",
        "past-http-date",
        "broken-http-date",
        "superscript-digit",
        "list",
    ],
)
async def test_a_retry_after_out_of_bounds_never_raises_and_is_capped(
    scripted: Scripted,
    make_client: MakeClient,
    redis_client: Redis,
    prefix: str,
    value: str,
    retry_after_s: float,
) -> None:
    """Whatever the service (or a proxy in front of it) says, one answer can hold the
    checks of every executor off for at most the cap, and the client never crashes."""
    scripted.respond = lambda: JSONResponse(
        LIMITED, status_code=422, headers={"Retry-After": value}
    )
    with pytest.raises(TaxServiceBusy) as busy:
        await make_client(scripted.base_url).self_employed(SELF_EMPLOYED, ON)
    assert busy.value.retry_after_s == retry_after_s
    cooling_ms = await redis_client.pttl(f"{prefix}:cooldown")
    assert 0 < cooling_ms <= retry_after_s * 1000


async def test_the_cap_is_configurable(
    scripted: Scripted, make_client: MakeClient, redis_client: Redis, prefix: str
) -> None:
    scripted.respond = lambda: Response(status_code=429, headers={"Retry-After": "7200"})
    with pytest.raises(TaxServiceBusy) as busy:
        await make_client(scripted.base_url, max_retry_after_s=120).self_employed(SELF_EMPLOYED, ON)
    assert busy.value.retry_after_s == 120
    assert 0 < await redis_client.pttl(f"{prefix}:cooldown") <= 120_000
    # the service's minute, when it names none, is capped too (once the shared
    # cool-down of the first answer is lifted, or the second call would not be sent)
    await redis_client.delete(f"{prefix}:cooldown")
    scripted.respond = lambda: Response(status_code=429)
    with pytest.raises(TaxServiceBusy) as default:
        await make_client(scripted.base_url, max_retry_after_s=30).self_employed(OTHERS[0], ON)
    assert default.value.retry_after_s == 30


async def test_a_retry_after_http_date_is_read(scripted: Scripted, make_client: MakeClient) -> None:
    when = _http_date(datetime.now(UTC) + timedelta(minutes=10))
    scripted.respond = lambda: Response(status_code=429, headers={"Retry-After": when})
    with pytest.raises(TaxServiceBusy) as busy:
        await make_client(scripted.base_url).self_employed(SELF_EMPLOYED, ON)
    # the date has whole seconds, and the request itself takes a moment
    assert 540 < busy.value.retry_after_s <= 600


async def test_429_is_busy(scripted: Scripted, make_client: MakeClient) -> None:
    scripted.respond = lambda: Response("slow down", status_code=429, headers={"Retry-After": "3"})
    with pytest.raises(TaxServiceBusy) as busy:
        await make_client(scripted.base_url).self_employed(SELF_EMPLOYED, ON)
    assert busy.value.retry_after_s == 3


@pytest.mark.parametrize(
    ("response", "detail"),
    [
        (
            lambda: JSONResponse(
                {
                    "code": "taxpayer.status.service.unavailable.error",
                    "message": "Сервис недоступен",
                },
                status_code=422,
            ),
            "HTTP 422 taxpayer.status.service.unavailable.error: Сервис недоступен",
        ),
        (lambda: JSONResponse({"unexpected": 1}), "unexpected answer"),
        (lambda: Response("<html>maintenance</html>"), "unexpected answer"),
        (lambda: Response("gone", status_code=404), "HTTP 404"),
    ],
    ids=["service-unavailable-code", "json-without-status", "html-page", "unexpected-404"],
)
async def test_answers_without_a_status_are_unavailable(
    scripted: Scripted,
    make_client: MakeClient,
    response: Callable[[], Response],
    detail: str,
) -> None:
    scripted.respond = response
    client = make_client(scripted.base_url)
    with pytest.raises(TaxServiceUnavailable) as unavailable:
        await client.self_employed(SELF_EMPLOYED, ON)
    assert detail in unavailable.value.detail


def test_settings_are_checked() -> None:
    unused_redis = Redis()  # never connects: the checks come first
    with pytest.raises(ValueError, match="requests_per_minute"):
        TaxStatusClient("http://x", unused_redis, requests_per_minute=0, cache_ttl_s=1)
    with pytest.raises(ValueError, match="cache_ttl_s"):
        TaxStatusClient("http://x", unused_redis, requests_per_minute=1, cache_ttl_s=-1)
    with pytest.raises(ValueError, match="max_wait_s"):
        TaxStatusClient(
            "http://x", unused_redis, requests_per_minute=1, cache_ttl_s=1, max_wait_s=-1
        )
    for cap in (0, -1, math.inf, math.nan):
        with pytest.raises(ValueError, match="max_retry_after_s"):
            TaxStatusClient(
                "http://x",
                unused_redis,
                requests_per_minute=1,
                cache_ttl_s=1,
                max_retry_after_s=cap,
            )
