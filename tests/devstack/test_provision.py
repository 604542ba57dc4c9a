"""Provisioning is idempotent and leaves what the platform needs in the services."""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client

from core.settings import Settings
from devstack.provision import ensure_database, ensure_search_attributes, ensure_topics
from domain.search_attributes import SEARCH_ATTRIBUTES


async def test_provisioning_twice_creates_nothing_the_second_time(settings: Settings) -> None:
    assert await ensure_database(settings) is False
    assert await ensure_topics(settings) == []
    assert await ensure_search_attributes(settings) == []


async def test_search_attributes_are_registered_with_their_types(
    temporal: Client, settings: Settings
) -> None:
    listed = await temporal.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.temporal.namespace), retry=True
    )
    for name, kind in SEARCH_ATTRIBUTES.items():
        assert IndexedValueType.Name(listed.custom_attributes[name]) == (
            f"INDEXED_VALUE_TYPE_{kind.upper()}"
        )
