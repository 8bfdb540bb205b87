"""A Bot API call waiting in the outbox, as the Telegram channel stores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

TELEGRAM: Final = "telegram"  # the outbox rows the Telegram sender delivers
# What Telegram's answer is recorded as: a case's new topic, its summary message, or the id of
# a message shown in a person's chat (for the quick exit).
THREAD: Final = "thread"
SUMMARY: Final = "summary"
VISIBLE: Final = "visible"


@dataclass(frozen=True)
class Send:
    """One Bot API call. With `case_id`, it goes to the case's topic (filled in at send time).
    `best_effort`: a refusal is no failure (taking buttons off an old message). `relay`: what a
    person wrote into a case, {"head": ..., "body": ...}, which may be sent together with the
    relays queued right after it, under one head."""

    method: str
    params: dict[str, Any]
    case_id: int | None = None
    record: str | None = None
    best_effort: bool = False
    relay: dict[str, str] | None = field(default=None)

    def payload(self) -> dict[str, Any]:
        """As stored: only what is set (no deep copy: the rows are sealed as JSON at once)."""
        stored: dict[str, Any] = {"method": self.method, "params": self.params}
        for key in ("case_id", "record", "best_effort", "relay"):
            value = getattr(self, key)
            if value not in (None, False):
                stored[key] = value
        return stored

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Send:
        """From a stored row; rows of an earlier release have the same names, fewer of them."""
        known = {"method", "params", "case_id", "record", "best_effort", "relay"}
        return cls(**{key: value for key, value in payload.items() if key in known})
