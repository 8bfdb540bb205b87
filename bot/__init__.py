"""The imperative shell of SSP Ballerup's bot: Telegram, the store, settings, command line."""
