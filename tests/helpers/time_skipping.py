"""Temporal's time-skipping test server for the fast tier: installed on first use (Java,
from Maven Central, cached), started once per test module, with the platform's search
attributes registered (the request workflow sets them, and an unknown one fails its
workflow task)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from core.settings import get_settings
from devstack.install import ensure_temporal_test_server
from domain.search_attributes import SEARCH_ATTRIBUTES


@asynccontextmanager
async def time_skipping_environment() -> AsyncIterator[WorkflowEnvironment]:
    launcher = ensure_temporal_test_server(get_settings())
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(launcher))
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={
                    name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")
                    for name, kind in SEARCH_ATTRIBUTES.items()
                },
            )
        )
        yield env
    finally:
        await env.shutdown()
