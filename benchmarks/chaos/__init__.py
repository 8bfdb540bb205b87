"""The chaos run of issue 12 (`make chaos`): the real bot against the sandbox, under kills,
Telegram faults, generated odd input and load; what is lost, duplicated, left unfinished or
kept is counted and printed, never asserted. See __main__.py for the flags."""
