"""The imperative shell of SSP Ballerup's bot: Telegram, the store, settings, command line."""

import os

# Opt in to python-telegram-bot's coming behaviour: durations (retry_after) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")
