"""The tax service emulator: answers like statusnpd.nalog.ru, its control API under
/__emulator/, its own limit and its command line."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from core.settings import REPO_ROOT
from devstack.emulators.tax_service import (
    DEMO_NOT_SELF_EMPLOYED_INN,
    DEMO_SELF_EMPLOYED_INNS,
    STATUS_PATH,
    Answer,
    RunningTaxService,
    TaxServiceEmulator,
    _arguments,
    serve_tax_service,
)
from domain.verification import check_inn
from tests.helpers.processes import free_port

INN = DEMO_SELF_EMPLOYED_INNS[0]
OTHER = DEMO_NOT_SELF_EMPLOYED_INN
BAD_CHECKSUM = INN[:-1] + str((int(INN[-1]) + 1) % 10)
DAY = "2026-03-10"


def ask(emulator: TaxServiceEmulator, inn: str, day: str = DAY) -> Answer:
    return emulator.answer({"inn": inn, "requestDate": day})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---- behaviour (no HTTP) -----------------------------------------------------------------


def test_demo_inns_have_valid_control_digits() -> None:
    assert len(set(DEMO_SELF_EMPLOYED_INNS)) == len(DEMO_SELF_EMPLOYED_INNS) >= 3
    for inn in (*DEMO_SELF_EMPLOYED_INNS, DEMO_NOT_SELF_EMPLOYED_INN):
        assert check_inn(inn).passed, inn
    assert DEMO_NOT_SELF_EMPLOYED_INN not in DEMO_SELF_EMPLOYED_INNS


def test_answers_in_the_real_services_words() -> None:
    emulator = TaxServiceEmulator()
    emulator.seed_demo()
    yes = f"{INN} является плательщиком налога на профессиональный доход"
    no = f"{OTHER} не является плательщиком налога на профессиональный доход"
    assert ask(emulator, INN) == Answer(200, {"status": True, "message": yes})
    assert ask(emulator, OTHER) == Answer(200, {"status": False, "message": no})


def test_registry_records_either_status_and_own_messages() -> None:
    emulator = TaxServiceEmulator()
    emulator.set_status(OTHER, True, "снят с учёта? нет")
    emulator.set_status(INN, False)
    assert ask(emulator, OTHER).body == {"status": True, "message": "снят с учёта? нет"}
    assert ask(emulator, INN).body == {
        "status": False,
        "message": f"{INN} не является плательщиком налога на профессиональный доход",
    }


@pytest.mark.parametrize("inn", [BAD_CHECKSUM, "7830002293", "", "12345", "5001007322599"])
def test_registering_an_invalid_inn_is_refused(inn: str) -> None:
    with pytest.raises(ValueError, match="INN"):
        TaxServiceEmulator().set_status(inn, True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"inn": BAD_CHECKSUM, "requestDate": DAY}, f"Указан некорректный ИНН: {BAD_CHECKSUM}"),
        ({"inn": "7830002293", "requestDate": DAY}, "Указан некорректный ИНН: 7830002293"),
        ({"inn": f" {INN}", "requestDate": DAY}, "Указан некорректный ИНН"),
        ({"inn": INN, "requestDate": "10.03.2026"}, "Указана некорректная дата: 10.03.2026"),
        ({"inn": INN}, "Указана некорректная дата"),
        (None, "Указан некорректный ИНН"),
    ],
)
def test_invalid_requests_fail_validation(body: object, message: str) -> None:
    emulator = TaxServiceEmulator()
    answer = emulator.answer(body)
    assert answer.status_code == 422
    assert answer.body is not None
    assert answer.body["code"] == "validation.failed"
    assert message in answer.body["message"]
    assert emulator.requests == 1


def test_own_limit_answers_limited_until_the_minute_passes() -> None:
    clock = Clock()
    emulator = TaxServiceEmulator(requests_per_minute=2, clock=clock)
    assert [ask(emulator, OTHER).status_code for _ in range(2)] == [200, 200]
    clock.now += 59.9
    limited = ask(emulator, OTHER)
    assert limited.status_code == 422
    assert limited.body is not None
    assert limited.body["code"] == "taxpayer.status.service.limited.error"
    assert "Превышено количество запросов" in limited.body["message"]
    clock.now += 0.1  # the first answer is a minute old
    assert ask(emulator, OTHER).status_code == 200
    assert emulator.requests == 4  # refused requests are received requests too


def test_fractional_limit_is_whole_requests_per_longer_window() -> None:
    clock = Clock()
    emulator = TaxServiceEmulator(requests_per_minute=0.5, clock=clock)
    assert ask(emulator, OTHER).status_code == 200
    clock.now += 119
    assert ask(emulator, OTHER).status_code == 422
    clock.now += 1
    assert ask(emulator, OTHER).status_code == 200


def test_failures_come_first_then_normal_answers() -> None:
    emulator = TaxServiceEmulator()
    emulator.fail_next(2, 503)
    emulator.fail_next(1, 502)
    assert [ask(emulator, OTHER).status_code for _ in range(4)] == [503, 503, 502, 200]
    with pytest.raises(ValueError, match="status_code"):
        emulator.fail_next(1, 200)


def test_reset_returns_to_the_starting_state() -> None:
    clock = Clock()
    emulator = TaxServiceEmulator(requests_per_minute=1, clock=clock)
    emulator.seed_demo()
    emulator.set_status(OTHER, True)
    ask(emulator, OTHER)
    emulator.fail_next(3)
    emulator.reset()
    assert (emulator.requests, emulator.received, emulator.pending_failures) == (0, [], 0)
    assert set(emulator.taxpayers()) == set(DEMO_SELF_EMPLOYED_INNS)  # the demo stays
    assert ask(emulator, OTHER).body == {
        "status": False,
        "message": f"{OTHER} не является плательщиком налога на профессиональный доход",
    }  # and the limit's minute started afresh


# ---- HTTP --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def running() -> AsyncIterator[RunningTaxService]:
    async with serve_tax_service() as served:
        yield served


@pytest.fixture
async def http(running: RunningTaxService) -> AsyncIterator[httpx.AsyncClient]:
    running.emulator.reset()
    async with httpx.AsyncClient(base_url=running.base_url) as client:
        yield client


async def test_control_api_registers_and_the_service_answers(http: httpx.AsyncClient) -> None:
    registered = await http.post(
        "/__emulator/taxpayers", json={"inn": f" {INN} ", "self_employed": True}
    )
    assert registered.status_code == 200
    assert registered.json() == {
        "inn": INN,
        "self_employed": True,
        "message": f"{INN} является плательщиком налога на профессиональный доход",
    }
    answer = await http.post(STATUS_PATH, json={"inn": INN, "requestDate": DAY})
    assert answer.status_code == 200
    assert answer.json()["status"] is True
    assert (await http.get("/__emulator/taxpayers")).json() == {
        INN: {"self_employed": True, "message": registered.json()["message"]}
    }


async def test_control_api_refuses_an_invalid_inn(http: httpx.AsyncClient) -> None:
    refused = await http.post(
        "/__emulator/taxpayers", json={"inn": BAD_CHECKSUM, "self_employed": True}
    )
    assert refused.status_code == 422
    assert "control digit" in refused.json()["detail"]


async def test_requests_are_counted_and_listed(http: httpx.AsyncClient) -> None:
    await http.post(STATUS_PATH, json={"inn": OTHER, "requestDate": DAY})
    await http.post(STATUS_PATH, json={"inn": "1", "requestDate": "2026-03-11"})
    await http.post(STATUS_PATH, content=b"not json", headers={"Content-Type": "application/json"})
    listed = (await http.get("/__emulator/requests")).json()
    assert listed == {
        "count": 3,
        "requests": [
            {"inn": OTHER, "requestDate": DAY},
            {"inn": "1", "requestDate": "2026-03-11"},
            {"inn": "", "requestDate": ""},
        ],
    }


async def test_invalid_json_is_a_validation_failure(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        STATUS_PATH, content=b"{", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation.failed"


async def test_fail_makes_the_next_calls_answer_503(http: httpx.AsyncClient) -> None:
    armed = await http.post("/__emulator/fail", json={"times": 2})
    assert armed.json() == {"pending_failures": 2}
    statuses = [
        (await http.post(STATUS_PATH, json={"inn": OTHER, "requestDate": DAY})).status_code
        for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    bad = await http.post("/__emulator/fail", json={"times": 1, "status_code": 200})
    assert bad.status_code == 422


async def test_reset_over_http(http: httpx.AsyncClient, running: RunningTaxService) -> None:
    await http.post("/__emulator/taxpayers", json={"inn": INN, "self_employed": True})
    await http.post("/__emulator/fail", json={"times": 5})
    await http.post(STATUS_PATH, json={"inn": INN, "requestDate": DAY})
    assert (await http.post("/__emulator/reset")).json() == {"ok": True}
    assert (await http.get("/__emulator/requests")).json() == {"count": 0, "requests": []}
    assert running.emulator.pending_failures == 0
    assert (await http.get("/__emulator/taxpayers")).json() == {}


# ---- command line ------------------------------------------------------------------------


def test_arguments_default_to_the_local_stack_port() -> None:
    args = _arguments().parse_args([])
    assert (args.host, args.port, args.requests_per_minute, args.seed_demo) == (
        "127.0.0.1",
        58083,
        None,
        False,
    )
    args = _arguments().parse_args(["--port", "0", "--requests-per-minute", "2", "--seed-demo"])
    assert (args.port, args.requests_per_minute, args.seed_demo) == (0, 2.0, True)


def test_entry_point_serves_the_demo_registry_with_its_limit() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.emulators.tax_service", "--port", str(port),
         "--seed-demo", "--requests-per-minute", "1", "--log-level", "warning"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{base}/__emulator/requests", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "the emulator exited"
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        body = {"inn": DEMO_SELF_EMPLOYED_INNS[-1], "requestDate": DAY}
        first = httpx.post(f"{base}{STATUS_PATH}", json=body)
        second = httpx.post(f"{base}{STATUS_PATH}", json=body)
        assert first.json()["status"] is True
        assert second.json()["code"] == "taxpayer.status.service.limited.error"
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"Tax service emulator on http://127.0.0.1:{port}{STATUS_PATH}" in out
