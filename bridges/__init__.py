"""Long-running processes between our system and the outside world: the outbox → Kafka
relay, consumers of our own events, and (later) the Telegram bot."""
