"""The web chat's half of delivery: what the core delivers, as messages waiting in the outbox
until the page has shown them; the page is woken as soon as one is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Final

from bot.core.content import Rendered
from bot.core.delivery import (
    CarryOver,
    Hide,
    Outgoing,
    Retire,
    StaffMedia,
    StaffPost,
    ToPerson,
)
from bot.core.store import Row, Store

WEB: Final = "web"


def shown(rendered: Rendered) -> dict[str, Any]:
    """A message as the page shows it: Telegram's small HTML, buttons with their choices."""
    return {"kind": "message", "text": rendered.text, "step": rendered.step,
            "buttons": [[{"label": b.label, "choice": b.choice} for b in row]
                        for row in rendered.buttons]}


class WebChannel:
    """People in the web chat. A message waits in the outbox (sealed, like every row) until
    the page says it has shown it."""

    name = WEB

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: dict[str, set[asyncio.Event]] = {}  # key -> open streams' events

    def rows(self, item: Outgoing) -> list[Row]:
        assert not isinstance(item, StaffPost)
        lane = item.person.key
        if isinstance(item, ToPerson):
            return [Row(lane, WEB, shown(item.rendered))]
        if isinstance(item, StaffMedia):
            return [Row(lane, WEB, shown(item.note))]
        if isinstance(item, Hide):
            return [Row(lane, WEB, {"kind": "hide"})]
        if isinstance(item, CarryOver):
            return self._carry_over(item.earlier, lane)
        assert isinstance(item, Retire)
        return []  # the page turns off the buttons of every message but the last itself

    def _carry_over(self, earlier: str, lane: str) -> list[Row]:
        """What the earlier page never showed, moved to the new one in order: the messages
        that belong to no step of the earlier conversation (what consultants wrote, notes).
        The earlier page's questions and a quick exit's "hide" stay behind."""
        waiting = [row for row in self.store.lane_rows(earlier, 0) if row.channel == WEB]
        if not waiting:
            return []
        self.store.remove_sends(row.id for row in waiting)
        return [Row(lane, WEB, row.payload) for row in waiting
                if row.payload.get("kind") == "message" and row.payload.get("step") is None]

    # --- live pages ---------------------------------------------------------------------

    def listen(self, key: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiting.setdefault(key, set()).add(event)
        return event

    def stop_listening(self, key: str, event: asyncio.Event) -> None:
        events = self._waiting.get(key)
        if events is not None:
            events.discard(event)
            if not events:
                del self._waiting[key]

    def wake(self, lanes: Iterable[str]) -> None:
        for lane in lanes:
            for event in self._waiting.get(lane, ()):
                event.set()

    @property
    def live(self) -> int:
        return sum(len(events) for events in self._waiting.values())

    def waiting_for(self, key: str, after: int) -> list[tuple[int, dict[str, Any]]]:
        return [(row.id, row.payload) for row in self.store.lane_rows(key, after)
                if row.channel == WEB]

    def delivered(self, key: str, upto: int) -> None:
        """The page has shown everything up to `upto`: it is gone from the server."""
        with self.store.transaction():
            self.store.db.execute(
                "DELETE FROM outbox WHERE lane = ? AND channel = ? AND id <= ?", [key, WEB, upto])
