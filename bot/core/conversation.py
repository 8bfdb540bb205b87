"""One step of a person's conversation, whatever the channel: load the session, step the flow,
carry out its effects, render its replies and queue them, all in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.core.content import Content
from bot.core.delivery import Dispatch, Outgoing, Person, Retire, ToPerson
from bot.core.store import Store
from flows.engine import FAILED, Effect, Event, EventKind, Facts, Flows, Outcome, Reply

log = logging.getLogger(__name__)

STARTED: str = "conversation_started"  # a counter: an audience was chosen in a new session


class Desk(Protocol):
    """What a conversation asks of the consultants' desk (bot/desk implements it)."""

    def facts(self, person_key: str) -> Facts: ...

    def apply(self, effect: Effect, person: Person, audience: str | None) -> list[Outgoing]: ...


class Conversations:
    """Steps one person's conversation. Callers hold the transaction."""

    def __init__(self, flows: Flows, content: Content, store: Store, dispatch: Dispatch,
                 clock: Callable[[], datetime], new_code: Callable[[], str]) -> None:
        self.flows = flows
        self.content = content
        self.store = store
        self.dispatch = dispatch
        self.clock = clock
        self.new_code = new_code
        self.desk: Desk | None = None  # set once the desk exists; it steps conversations too
        self._later: list[Callable[[], object]] = []  # see `later`
        self._stepping = False  # inside a step: a step the desk takes there is nested

    def converse(self, person: Person, event: Event, pressed: str | None = None) -> Outcome:
        """`pressed`: the channel's handle of the message whose button was pressed, if it can
        be replaced by the answer."""
        outermost = not self._stepping
        self._stepping = True
        try:
            outcome = self._converse(person, event, pressed)
            while outermost and self._later:  # once this step is saved, in the same commit
                self._later.pop(0)()
            return outcome
        except BaseException:
            self._later.clear()  # the transaction is rolled back: so is what was to follow
            raise
        finally:
            if outermost:
                self._stepping = False

    def _converse(self, person: Person, event: Event, pressed: str | None) -> Outcome:
        assert self.desk is not None
        before = self.store.load_session(person.key)
        facts = replace(self.desk.facts(person.key), fresh_code=self.new_code())
        outcome = self.flows.step(before, event, facts)
        audience = outcome.session.audience
        items: list[Outgoing] = []
        for effect in outcome.effects:
            items += self.desk.apply(effect, person, audience)
        channel = person.route.channel
        replaced = False
        for reply in outcome.replies:
            rendered = self.content.render(reply, audience, channel)
            replaces = pressed if reply.replaces_pressed and not replaced else None
            replaced = replaced or replaces is not None
            items.append(ToPerson(person, rendered, replaces))
        moved_on = before is None or outcome.session.step != before.step
        if pressed is not None and moved_on and not replaced:
            items.insert(0, Retire(person, pressed))  # its buttons belong to a step gone by
        forget = any(effect.kind == "forget" for effect in outcome.effects)
        now = self.clock()
        self.store.save_session(person.key, None if forget else outcome.session, now)
        restarted = event.kind is EventKind.COMMAND and event.value == "start"
        if audience is not None and (before is None or before.audience is None or restarted):
            self.store.count(STARTED, now, audience, channel)
        self.dispatch.post(items)
        log.debug("%s -> %s.%s, %d deliveries", event.kind, outcome.session.flow,
                 outcome.session.state, len(items))
        return outcome

    def later(self, step: Callable[[], object]) -> None:
        """For the desk: run `step` once the outermost conversation being stepped has been
        saved (to step the same person again, which must not happen inside their own step)."""
        self._later.append(step)

    def apologise(self, person: Person) -> None:
        """Handling failed (a bug): say so, and how to go on, rather than nothing at all."""
        try:
            session = self.store.load_session(person.key)
        except Exception:  # the session itself may be what failed
            session = None
        audience = session.audience if session else None
        self.dispatch.post([ToPerson(person, self.content.render(
            Reply(FAILED), audience, person.route.channel))])
