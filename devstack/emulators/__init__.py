"""Local stand-ins for third-party services that cannot run here (the Telegram Bot API),
used by the tests and by the local stack in place of the real SaaS."""
