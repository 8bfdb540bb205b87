"""The Telegram channel: polling, the durable outbox's sender, the consultants' staff group."""
