"""A Kafka consumer that reads topics from their current end: what the benchmarks use to
see only the events of their own run."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition

from core.settings import Settings


async def consumer_at_end(
    settings: Settings, topics: Iterable[str], *, fetch_max_wait_ms: int
) -> AIOKafkaConsumer:
    """Started, assigned every partition of `topics` (no group, nothing committed) and
    positioned at their end offsets."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=None,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )
    await consumer.start()
    partitions = [
        TopicPartition(topic, p) for topic in topics for p in range(settings.kafka.topic_partitions)
    ]
    consumer.assign(partitions)
    for partition, offset in (await consumer.end_offsets(partitions)).items():
        consumer.seek(partition, offset)
    return consumer
