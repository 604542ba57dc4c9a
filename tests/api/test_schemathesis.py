"""The API keeps the promises of its own OpenAPI document, checked by Schemathesis.

The app of this run is served over real HTTP (in this process, against the real stack)
and the Schemathesis CLI runs against it in a bounded mode: the schema's examples, a few
generated cases per operation (valid and invalid), and stateful scenarios that follow the
links between operations (POST /requests, then its reads and actions). Calls are made in
turn by a customer, an executor, a manager and an admin. Any 5xx, any response that breaks
its declared schema, status code or content type fails the test, with Schemathesis's
report (and a curl line to reproduce each failure) as the failure message.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from core.settings import REPO_ROOT
from domain.lifecycle import Role
from tests.helpers.api_client import BODY, PASSWORD, SignedIn, User, act, create
from tests.helpers.api_server import serving

ROLES = (Role.CUSTOMER, Role.EXECUTOR, Role.MANAGER, Role.ADMIN)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# Bounded in schemathesis.toml. The seed makes a failure found in CI reproducible locally.
SEED = 20260101
RUN_TIMEOUT_S = 480
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Requests the run starts from, one per state along the lifecycle, so reads and actions
# meet real rows in every stage (the stateful phase creates more of its own).
LIFECYCLE = (
    (Role.MANAGER, "assign"),
    (Role.EXECUTOR, "accept"),
    (Role.EXECUTOR, "start"),
    (Role.EXECUTOR, "complete"),
    (Role.CUSTOMER, "confirm"),
)


async def seed_requests(client: httpx.AsyncClient, users: dict[Role, User]) -> None:
    for stage in range(len(LIFECYCLE) + 1):
        created = await create(client, users[Role.CUSTOMER], BODY)
        assert created.status_code == 201, created.text
        for role, action in LIFECYCLE[:stage]:
            body = {"executor_id": users[Role.EXECUTOR].id} if action == "assign" else None
            if action == "complete":
                body = {"report": "Готово"}
            done = await act(client, users[role], created.json()["id"], action, body)
            assert done.status_code == 200, done.text


def served(app: FastAPI) -> AbstractAsyncContextManager[str]:
    """The run's app (its lifespan already entered by the fixture) behind a real socket."""
    # The client address comes from X-Forwarded-For, so this run's throttling counters
    # are its own (see schemathesis_hooks).
    return serving(app, proxy_headers=True, forwarded_allow_ips="127.0.0.1")


def schemathesis_command(schema: Path, base_url: str, client_ip: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        str(schema),
        "--url",
        base_url,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        # The live event stream never ends by design; tests/api/test_event_stream.py
        # holds it to its contract.
        "--exclude-path",
        "/events/stream",
        "--checks",
        ",".join(CHECKS),
        "--seed",
        str(SEED),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--header",
        f"X-Forwarded-For: {client_ip}",
        "--generation-with-security-parameters",
        "false",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]


@pytest.mark.timeout(RUN_TIMEOUT_S + 120)
async def test_api_keeps_its_openapi_contract(
    app: FastAPI, client: httpx.AsyncClient, signed_in: SignedIn, tmp_path: Path
) -> None:
    users = {role: await signed_in(role) for role in ROLES}
    await seed_requests(client, users)

    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(app.openapi()))
    client_ip = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"
    async with served(app) as base_url:
        identities = {
            "base_url": base_url,
            "client_ip": client_ip,
            "accounts": [
                {"name": role.value, "email": user.person.email, "password": PASSWORD}
                for role, user in users.items()
            ],
        }
        started = time.monotonic()
        run = await asyncio.create_subprocess_exec(
            *schemathesis_command(schema, base_url, client_ip),
            cwd=REPO_ROOT,
            env=dict(
                os.environ,
                PYTHONPATH=str(REPO_ROOT),
                SCHEMATHESIS_HOOKS="tests.api.schemathesis_hooks",
                SRA_CONTRACT_IDENTITIES=json.dumps(identities),
            ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(run.communicate(), RUN_TIMEOUT_S)
        except TimeoutError:
            run.kill()
            await run.wait()
            raise
        elapsed = time.monotonic() - started
    report = output.decode(errors="replace")
    (tmp_path / "schemathesis.txt").write_text(report)
    print(f"schemathesis run took {elapsed:.1f}s")
    assert run.returncode == 0, report
