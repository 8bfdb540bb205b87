"""A local stand-in for the Telegram Bot API, for the demo, the tests and the benchmark."""
