"""Kafka is the real broker: idempotent acks=all produce, keyed ordering, group commits."""

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from core.settings import Settings
from domain.topics import ALL_TOPICS


async def test_contract_topics_exist_with_configured_partitions(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(list(ALL_TOPICS))
    finally:
        await admin.close()
    partitions = {d["topic"]: len(d["partitions"]) for d in described}
    assert partitions == dict.fromkeys(ALL_TOPICS, settings.kafka.topic_partitions)


async def test_produce_and_consume_keeps_per_key_order(settings: Settings, unique: str) -> None:
    bootstrap = settings.kafka.bootstrap_servers
    topic = f"smoke-{unique}"[:200]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sent = [(f"request-{i % 4}", f"event-{i}") for i in range(40)]
        for key, value in sent:
            await producer.send(topic, value.encode(), key=key.encode())
        await producer.flush()

        received = await _consume(bootstrap, topic, group=f"smoke-{unique}", count=len(sent))
        for key in {k for k, _ in sent}:
            assert [v for k, v in received if k == key] == [v for k, v in sent if k == key]

        # The group's committed offsets cover every message: a restart resumes after them.
        again = await _consume(bootstrap, topic, group=f"smoke-{unique}", count=0, wait_s=1.0)
        assert again == []
    finally:
        await producer.stop()
        await admin.delete_topics([topic])
        await admin.close()


async def _consume(
    bootstrap: str, topic: str, *, group: str, count: int, wait_s: float = 20.0
) -> list[tuple[str, str]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[tuple[str, str]] = []
    try:
        deadline = asyncio.get_running_loop().time() + wait_s
        while asyncio.get_running_loop().time() < deadline and (
            count == 0 or len(received) < count
        ):
            batches = await consumer.getmany(timeout_ms=250)
            for messages in batches.values():
                received += [(m.key.decode(), m.value.decode()) for m in messages]
            if batches:
                await consumer.commit()
        assignment: set[TopicPartition] = consumer.assignment()
        assert assignment, "the consumer was never assigned a partition"
    finally:
        await consumer.stop()
    return received
