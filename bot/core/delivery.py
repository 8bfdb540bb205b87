"""Channel-neutral words for who is reached and what is delivered, and the one place that
hands deliveries to their channel.

A *person* is known by a keyed hash and reached through a *route*: a channel and an address in
it (a Telegram chat id, a web chat's key). The core and the desk say what to deliver; each
channel (bot/telegram, bot/web) turns that into its own queued calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Final, Protocol

from bot.core.content import Rendered
from bot.core.keys import Keys
from bot.core.store import Row, Store

STAFF: Final = "staff"  # the consultants' side of the desk (a Telegram group)


@dataclass(frozen=True)
class Route:
    channel: str  # "telegram" or "web"
    address: str  # a Telegram chat id, or a web chat's key

    def seal(self, keys: Keys) -> bytes:
        return keys.seal(json.dumps([self.channel, self.address]).encode())

    @classmethod
    def open(cls, keys: Keys, sealed: bytes) -> Route:
        plain = keys.open(sealed).decode()
        if plain.startswith("["):
            channel, address = json.loads(plain)
            return cls(channel, address)
        return cls("telegram", plain)  # an earlier release sealed the bare chat id


@dataclass(frozen=True)
class Person:
    key: str  # the keyed hash the store knows them by; also their delivery lane
    route: Route


@dataclass(frozen=True)
class ToPerson:
    """A message for a person. `replaces`: the channel's handle of a message this one takes
    the place of (Telegram: the message whose button was pressed)."""

    person: Person
    rendered: Rendered
    replaces: str | None = None


@dataclass(frozen=True)
class Retire:
    """A message whose buttons no longer apply: take them away where the channel can."""

    person: Person
    handle: str


@dataclass(frozen=True)
class Hide:
    """Quick exit: clear what the channel shows of the conversation."""

    person: Person


@dataclass(frozen=True)
class StaffMedia:
    """A consultant sent a photo or a file into a case: channels that can copy it do; the
    others show `note` instead."""

    person: Person
    source_chat: int
    source_message: int
    note: Rendered


@dataclass(frozen=True)
class CarryOver:
    """A person goes on with their case from a new address (a new web page, after the old one
    was closed): what still waits for them at the earlier one, not yet shown, is shown here
    instead, where the channel can (a Telegram chat keeps what it was sent)."""

    person: Person
    earlier: str  # the earlier address's person key (its delivery lane)


@dataclass(frozen=True)
class StaffPost:
    """Something for the consultants' group. `op` says what: open_topic, post, rename_topic,
    close_topic, reopen_topic, delete_topic, set_buttons, edit, general. `record` names what to
    remember of the answer (thread, summary); `relay` marks what a person wrote, which may be
    merged with what follows it and yields to the desk's own messages."""

    op: str
    case_id: int | None = None
    rendered: Rendered | None = None
    name: str | None = None
    message_id: int | None = None
    thread: int | None = None
    record: str | None = None
    relay: bool = False


Outgoing = ToPerson | Retire | Hide | StaffMedia | CarryOver | StaffPost


class Channel(Protocol):
    """Turns what the core delivers into rows for its own sender."""

    name: str

    def rows(self, item: Outgoing) -> list[Row]: ...


class Dispatch:
    """Queues deliveries in the outbox through their channel, inside the caller's transaction,
    and wakes the channels that got work once it commits."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.channels: dict[str, Channel] = {}
        self._wakers: dict[str, Callable[[Iterable[str]], None]] = {}

    def register(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    def wake_on(self, row_channel: str, wake: Callable[[Iterable[str]], None]) -> None:
        """Call `wake` with the lanes that got rows of `row_channel`, once they are committed."""
        self._wakers[row_channel] = wake

    def wake_now(self, row_channel: str) -> None:
        """Rows were queued without `post` (a channel's own): wake its sender after commit."""
        wake = self._wakers.get(row_channel)
        if wake is not None:
            self.store.after_commit(partial(wake, []))

    def channel_of(self, item: Outgoing) -> str:
        return STAFF if isinstance(item, StaffPost) else item.person.route.channel

    def post(self, items: Iterable[Outgoing]) -> None:
        rows: list[Row] = []
        for item in items:
            channel = self.channels.get(self.channel_of(item))
            if channel is not None:  # e.g. no staff group configured
                rows += channel.rows(item)
        if not rows:
            return
        self.store.queue(rows, self.clock())
        touched: Mapping[str, list[str]] = _by_row_channel(rows)
        for name, lanes in touched.items():
            wake = self._wakers.get(name)
            if wake is not None:
                self.store.after_commit(partial(wake, lanes))


def _by_row_channel(rows: list[Row]) -> dict[str, list[str]]:
    touched: dict[str, list[str]] = {}
    for row in rows:
        touched.setdefault(row.channel, []).append(row.lane)
    return touched
