"""The executors' Telegram bot: account linking, jobs, and buttons that are workflow
updates made with the executor's identity (docs/architecture.md)."""
