"""A local emulator of the tax service's self-employed (НПД) status check, used by the tests
and the local stack instead of statusnpd.nalog.ru. It answers the one endpoint the way the
real service does (integrations.tax_service documents it), keeps a registry of who is
self-employed, can enforce its own per-minute limit and fail on demand, and counts the
requests it gets, under a JSON control API at /__emulator/:

    POST /__emulator/taxpayers {"inn", "self_employed", "message"?}   register a status
    GET  /__emulator/taxpayers                                          the registry
    GET  /__emulator/requests                                           {"count", "requests"}
    POST /__emulator/fail {"times", "status_code"?}                     fail the next N calls
    POST /__emulator/reset                                              back to the start

    python -m devstack.emulators.tax_service --host 127.0.0.1 --port 58083 --seed-demo
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from devstack.emulators.serving import serve_app
from domain.verification import check_inn, normalize_inn

__all__ = [
    "DEMO_NOT_SELF_EMPLOYED_INN",
    "DEMO_SELF_EMPLOYED_INNS",
    "STATUS_PATH",
    "Answer",
    "ReceivedRequest",
    "RunningTaxService",
    "TaxServiceEmulator",
    "create_app",
    "main",
    "serve_tax_service",
]

JSONDict = dict[str, Any]

STATUS_PATH = "/api/v1/tracker/taxpayer_status"
CONTROL_PREFIX = "/__emulator"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 58083

LIMITED_CODE = "taxpayer.status.service.limited.error"
VALIDATION_CODE = "validation.failed"
LIMITED_MESSAGE = (
    "Превышено количество запросов к сервису с одного ip-адреса в единицу времени, "
    "пожалуйста, попробуйте позднее"
)

# Valid control digits, registered by seed_demo(); the last one is valid and never registered.
DEMO_SELF_EMPLOYED_INNS: tuple[str, ...] = (
    "770100000142",
    "770100000216",
    "770100000390",
    "500100000400",
    "780100000558",
)
DEMO_NOT_SELF_EMPLOYED_INN = "770100000921"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The requests list is for looking at; the count stays exact however long the emulator runs.
_KEPT_REQUESTS = 1000


def self_employed_message(inn: str) -> str:
    return f"{inn} является плательщиком налога на профессиональный доход"


def not_self_employed_message(inn: str) -> str:
    return f"{inn} не является плательщиком налога на профессиональный доход"


@dataclass(frozen=True)
class ReceivedRequest:
    inn: str
    request_date: str


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: JSONDict | None  # None: a plain-text failure page, like a proxy in front of it


@dataclass(frozen=True)
class _Taxpayer:
    self_employed: bool
    message: str


class _MinuteLimit:
    """At most `requests_per_minute` answers in any minute (whole requests per a longer
    window for fractional rates, as the client counts them)."""

    def __init__(self, requests_per_minute: float, clock: Callable[[], float]) -> None:
        if requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        self.limit = max(1, math.floor(requests_per_minute))
        self.window_s = self.limit * 60 / requests_per_minute
        self._clock = clock
        self._answered: deque[float] = deque()

    def admit(self) -> bool:
        now = self._clock()
        while self._answered and now - self._answered[0] >= self.window_s:
            self._answered.popleft()
        if len(self._answered) >= self.limit:
            return False
        self._answered.append(now)
        return True

    def clear(self) -> None:
        self._answered.clear()


class TaxServiceEmulator:
    """The service's memory and behaviour, free of HTTP. The status does not depend on the
    request date: a registered taxpayer is self-employed on any date."""

    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = (
            None if requests_per_minute is None else _MinuteLimit(requests_per_minute, clock)
        )
        self._registry: dict[str, _Taxpayer] = {}
        self._received: deque[ReceivedRequest] = deque(maxlen=_KEPT_REQUESTS)
        self._count = 0
        self._failures: deque[int] = deque()
        self._demo = False

    # ---- control ---------------------------------------------------------------------

    def set_status(self, inn: str, self_employed: bool, message: str | None = None) -> None:
        """Register `inn`'s status; ValueError for an INN the real service would refuse."""
        inn = _valid_inn(inn)
        default = self_employed_message if self_employed else not_self_employed_message
        self._registry[inn] = _Taxpayer(self_employed, message or default(inn))

    def seed_demo(self) -> None:
        """Register DEMO_SELF_EMPLOYED_INNS (kept across reset())."""
        self._demo = True
        for inn in DEMO_SELF_EMPLOYED_INNS:
            self.set_status(inn, True)

    def fail_next(self, times: int, status_code: int = HTTPStatus.SERVICE_UNAVAILABLE) -> None:
        if times < 0 or not 400 <= status_code <= 599:
            raise ValueError("times must be ≥ 0 and status_code an HTTP error (4xx/5xx)")
        self._failures.extend([status_code] * times)

    def reset(self) -> None:
        """Forget requests, pending failures, the limit's window and registrations (the demo
        registry stays if it was seeded: it is the emulator's starting state)."""
        self._registry.clear()
        self._received.clear()
        self._count = 0
        self._failures.clear()
        if self._limit is not None:
            self._limit.clear()
        if self._demo:
            self.seed_demo()

    @property
    def requests(self) -> int:
        """Status requests received, whatever they were answered."""
        return self._count

    @property
    def received(self) -> list[ReceivedRequest]:
        """The latest status requests, oldest first."""
        return list(self._received)

    @property
    def pending_failures(self) -> int:
        return len(self._failures)

    def taxpayers(self) -> dict[str, JSONDict]:
        return {inn: asdict(taxpayer) for inn, taxpayer in self._registry.items()}

    # ---- the service -----------------------------------------------------------------

    def answer(self, body: object) -> Answer:
        """Answer one status request (its JSON body, whatever its shape)."""
        fields = body if isinstance(body, dict) else {}
        inn, request_date = str(fields.get("inn", "")), str(fields.get("requestDate", ""))
        self._count += 1
        self._received.append(ReceivedRequest(inn, request_date))
        if self._failures:
            return Answer(self._failures.popleft(), None)
        if self._limit is not None and not self._limit.admit():
            return _error(LIMITED_CODE, LIMITED_MESSAGE)
        problem = _request_problem(inn, request_date)
        if problem is not None:
            return _error(VALIDATION_CODE, problem)
        taxpayer = self._registry.get(inn)
        if taxpayer is None:
            return Answer(200, {"status": False, "message": not_self_employed_message(inn)})
        return Answer(200, {"status": taxpayer.self_employed, "message": taxpayer.message})


def _valid_inn(inn: str) -> str:
    inn = normalize_inn(inn)
    result = check_inn(inn)
    if not result.passed:
        raise ValueError(result.detail)
    return inn


def _request_problem(inn: str, request_date: str) -> str | None:
    # The real service checks the INN strictly (no trimming) and wants an ISO date.
    if not check_inn(inn).passed or inn != inn.strip():
        return f"Указан некорректный ИНН: {inn}"
    if not _ISO_DATE.fullmatch(request_date):
        return f"Указана некорректная дата: {request_date}"
    return None


def _error(code: str, message: str) -> Answer:
    return Answer(HTTPStatus.UNPROCESSABLE_ENTITY, {"code": code, "message": message})


# ---- HTTP --------------------------------------------------------------------------------


class TaxpayerBody(BaseModel):
    inn: str
    self_employed: bool
    message: str | None = None


class FailBody(BaseModel):
    times: int = Field(ge=0)
    status_code: int = Field(default=HTTPStatus.SERVICE_UNAVAILABLE, ge=400, le=599)


def _service_router(emulator: TaxServiceEmulator) -> APIRouter:
    routes = APIRouter(tags=["tax service"])

    @routes.post(STATUS_PATH)
    async def taxpayer_status(request: Request) -> Response:
        try:
            body: object = await request.json()
        except ValueError:
            body = None  # answered as the real service does: a validation failure
        return _response(emulator.answer(body))

    return routes


def _response(answer: Answer) -> Response:
    if answer.body is not None:
        return JSONResponse(answer.body, status_code=answer.status_code)
    # A failure injected by the tests looks like the web server's error page, not JSON.
    phrase = HTTPStatus(answer.status_code).phrase
    page = f"<html><head><title>{answer.status_code} {phrase}</title></head></html>"
    return HTMLResponse(page, status_code=answer.status_code)


def _control_router(emulator: TaxServiceEmulator) -> APIRouter:
    routes = APIRouter(prefix=CONTROL_PREFIX, tags=["emulator control"])

    @routes.post("/taxpayers")
    async def set_taxpayer(body: TaxpayerBody) -> JSONDict:
        try:
            emulator.set_status(body.inn, body.self_employed, body.message)
        except ValueError as error:
            raise HTTPException(422, str(error)) from error
        inn = normalize_inn(body.inn)
        return {"inn": inn, **emulator.taxpayers()[inn]}

    @routes.get("/taxpayers")
    async def taxpayers() -> JSONDict:
        return emulator.taxpayers()

    @routes.get("/requests")
    async def requests() -> JSONDict:
        received = [{"inn": r.inn, "requestDate": r.request_date} for r in emulator.received]
        return {"count": emulator.requests, "requests": received}

    @routes.post("/fail")
    async def fail(body: FailBody) -> JSONDict:
        emulator.fail_next(body.times, body.status_code)
        return {"pending_failures": emulator.pending_failures}

    @routes.post("/reset")
    async def reset() -> JSONDict:
        emulator.reset()
        return {"ok": True}

    return routes


def create_app(emulator: TaxServiceEmulator) -> FastAPI:
    app = FastAPI(title="Tax service (НПД status) emulator")
    app.include_router(_service_router(emulator))
    app.include_router(_control_router(emulator))
    return app


@dataclass(frozen=True)
class RunningTaxService:
    base_url: str  # "http://127.0.0.1:PORT": TaxStatusClient's base_url
    emulator: TaxServiceEmulator


@contextlib.asynccontextmanager
async def serve_tax_service(
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    requests_per_minute: float | None = None,
) -> AsyncIterator[RunningTaxService]:
    """Run an emulator in this event loop (port 0: any free port) until the block ends."""
    emulator = TaxServiceEmulator(requests_per_minute=requests_per_minute)
    async with serve_app(create_app(emulator), host=host, port=port) as base_url:
        yield RunningTaxService(base_url, emulator)


def main(argv: list[str] | None = None) -> None:
    args = _arguments().parse_args(argv)
    emulator = TaxServiceEmulator(requests_per_minute=args.requests_per_minute)
    if args.seed_demo:
        emulator.seed_demo()
    print(f"Tax service emulator on http://{args.host}:{args.port}{STATUS_PATH}", flush=True)
    uvicorn.run(
        create_app(emulator),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=2,
    )


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--requests-per-minute",
        type=float,
        default=None,
        help="refuse requests beyond this rate with the real service's 'limited' error",
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="register the demo self-employed INNs (DEMO_SELF_EMPLOYED_INNS)",
    )
    parser.add_argument("--log-level", default="info")
    return parser


if __name__ == "__main__":
    main()
