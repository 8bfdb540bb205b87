"""The web chat: the same conversations for people without Telegram, anonymous, in a browser."""
