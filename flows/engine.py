"""The pure step engine: session + event -> new session + replies + effects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from transitions import EventData, Machine, MachineError

AUDIENCES: Final = ("child", "teen", "youth", "parent", "professional")
YOUNG: Final = frozenset({"child", "teen", "youth"})


# Notes the engine itself says, whatever the flow.
STALE_BUTTON: Final = "general/stale_button"
USE_BUTTONS: Final = "general/use_buttons"
MEDIA_NOT_STORED: Final = "general/media_not_stored"
UNSUPPORTED: Final = "general/unsupported"
PRIVATE_ONLY: Final = "general/private_only"  # said by the shell before leaving a group
FAILED: Final = "general/error"  # said by the shell when handling failed: never silence
ENGINE_NOTES: Final = (STALE_BUTTON, USE_BUTTONS, MEDIA_NOT_STORED, UNSUPPORTED, PRIVATE_ONLY,
                       FAILED)
DETOUR: Final = "consultant_now"  # the choice (and shared label) that leads to a consultant
PARKED: Final = "parked"  # where a person was, kept in the session while they talk to SSP


class EventKind(StrEnum):
    """What a person did, whatever the channel."""

    COMMAND = "command"  # value: command name without slash, argument: the rest
    CHOICE = "choice"  # value: choice name, step: the step its button belongs to
    TEXT = "text"  # value: what was typed
    MEDIA = "media"  # value: photo, video, document, voice, ...; the content is never kept
    UNSUPPORTED = "unsupported"  # sticker, location, contact, poll, ...: nothing to act on
    EDITED = "edited"  # an edit of an earlier message
    DESK = "desk"  # something a consultant did: value case_claimed/case_closed, argument name


@dataclass(frozen=True)
class Event:
    kind: EventKind
    value: str = ""
    argument: str = ""
    step: int | None = None


@dataclass(frozen=True)
class Session:
    """Where one conversation is. Stored as is; holds no identifier of the person."""

    flow: str
    state: str
    audience: str | None = None
    step: int = 0
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What the shell knows that a flow may need; passed in, never looked up by flows."""

    desk_open: bool = True
    desk_opens_at: datetime | None = None  # local time of the next opening, when closed
    queue_position: int | None = None  # the person's place among waiting cases
    open_case: str | None = None  # "waiting" or "claimed" while the person has a case
    fresh_code: str = ""  # a new random case code, drawn by the shell, used if a report is sent
    cases_left: bool = True  # the person may open another case this hour (limits floods)
    reports_left: bool = True  # the person may send another report this hour

    def variables(self) -> dict[str, Any]:
        return {"desk_open": self.desk_open, "desk_opens_at": self.desk_opens_at,
                "queue_position": self.queue_position}


@dataclass(frozen=True)
class Button:
    """A button: the choice it sends, and where its label is written."""

    choice: str
    shared_label: str | None = None  # a label in general/buttons.j2; else `button_<choice>`


@dataclass(frozen=True)
class Reply:
    """One message to show: a template, its variables and buttons bound to a step."""

    template: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[Button, ...], ...] = ()
    step: int | None = None
    replaces_pressed: bool = False


@dataclass(frozen=True)
class Effect:
    """Work for the shell to do (store a report, open a case); flows never do I/O."""

    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    session: Session
    replies: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Choice:
    """A button offered in a state: its name, the trigger it fires, who sees it, and when
    (`shown_if` reads the answers so far: "Ret hvem" only when someone was asked about)."""

    name: str
    trigger: str
    audiences: frozenset[str] | None = None
    label: str | None = None  # a shared label in general/buttons.j2, else the prompt's own
    shown_if: Callable[[Mapping[str, Any]], bool] | None = None

    def offered_to(self, audience: str | None, data: Mapping[str, Any] | None = None) -> bool:
        if self.audiences is not None and audience not in self.audiences:
            return False
        return self.shown_if is None or bool(self.shown_if(data or {}))


@dataclass(frozen=True)
class Prompt:
    """What a state shows: a template, its buttons and whether free text moves it."""

    state: str
    template: str
    choices: tuple[Choice, ...] = ()
    text_trigger: str | None = None
    columns: int = 1
    relay: bool = False  # text goes to the consultant as is; the state does not change
    relay_note: str | None = None  # said after each relayed text (None: say nothing)
    footer: tuple[Choice, ...] = ()  # a last row of buttons, e.g. cancel and quick exit
    keep: bool = False  # stays on screen when the reader moves on (it carries numbers, links)

    @property
    def all_choices(self) -> tuple[Choice, ...]:
        return (*self.choices, *self.footer)


class Turn:
    """The model that the shared machine moves for one step; thrown away afterwards."""

    def __init__(self, session: Session, event: Event, facts: Facts) -> None:
        self.state: Any = session.state
        self.audience = session.audience
        self.data: dict[str, Any] = dict(session.data)
        self.event = event
        self.facts = facts
        self.effects: list[Effect] = []
        self.notes: list[Reply] = []
        self.next_flow: tuple[str, str | None] | None = None


Action = Callable[[EventData], None]


def turn_of(event: EventData) -> Turn:
    model = event.model
    assert isinstance(model, Turn)
    return model


def enter_flow(name: str, state: str | None = None) -> Action:
    """An action that hands the conversation to another flow (its first state by default)."""

    def action(event: EventData) -> None:
        turn_of(event).next_flow = (name, state)

    action.__name__ = f"enter_{name}"
    action.enters = (name, state)  # type: ignore[attr-defined]  # for the diagrams
    return action


def pages(sequence: Iterable[str], then: str, trigger: str = "next_asked",
          **extra: Any) -> list[dict[str, Any]]:
    """Transitions for pages read one after another with a "next" button, then `then`."""
    names = list(sequence)
    return [{"trigger": trigger, "source": here, "dest": there, **extra}
            for here, there in zip(names, [*names[1:], then], strict=True)]


def quick_exit(event: EventData) -> None:
    """"Skjul samtalen": forget the answers, ask the shell to delete the chat's messages, and
    leave one neutral line (the start flow's hidden state)."""
    turn = turn_of(event)
    turn.data.clear()
    turn.effects.append(Effect("hide_conversation"))
    turn.next_flow = ("start", "hidden")


quick_exit.enters = ("start", "hidden")  # type: ignore[attr-defined]  # for the diagrams


class Flow:
    """A conversation declared as data: states, prompts and a transition table."""

    def __init__(
        self,
        name: str,
        states: type[StrEnum],
        initial: str,
        prompts: Iterable[Prompt],
        transitions: list[dict[str, Any]],
        audiences: Iterable[str] = AUDIENCES,
        shown_to: Mapping[str, frozenset[str]] | None = None,
        consult_anywhere: bool = False,
    ) -> None:
        self.name = name
        # Every page offers a consultant (a row of its own), and the person comes back here.
        self.consult_anywhere = consult_anywhere
        self.audiences = frozenset(audiences)
        self._shown_to = shown_to or {}
        self.initial = str(initial)
        self.prompts = {str(prompt.state): prompt for prompt in prompts}
        state_names = [str(state) for state in states]
        self.machine = Machine(
            model=None,
            states=state_names,
            transitions=plain_table(transitions),
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
        )
        self._check(state_names)

    def _check(self, state_names: list[str]) -> None:
        """Fail at import when the table and the prompts disagree."""
        missing = set(state_names) - set(self.prompts)
        if missing:
            raise ValueError(f"{self.name}: states without a prompt: {sorted(missing)}")
        for state, prompt in self.prompts.items():
            for trigger in [c.trigger for c in prompt.all_choices] + [prompt.text_trigger]:
                if trigger is not None and trigger not in self.machine.get_triggers(state):
                    raise ValueError(f"{self.name}.{state}: no transition for {trigger}")

    def audiences_of(self, state: str) -> frozenset[str]:
        """Who can ever see this state: for reviewers, the booklet and the content checks."""
        return self._shown_to.get(state, self.audiences)

    def has_state(self, state: str) -> bool:
        return state in self.prompts

    def fire(self, turn: Turn, trigger: str) -> bool:
        """Fire a trigger on the shared machine; False when it does not apply here."""
        try:
            return bool(self.machine.events[trigger].trigger(turn))
        except (MachineError, KeyError):
            return False


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, StrEnum) for item in value):
        return [str(item) for item in value]
    return value


def plain_table(transitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """State enums as the plain names `transitions` keeps (it would use enum member names)."""
    return [{key: _plain(value) for key, value in t.items()} for t in transitions]


class Flows:
    """All flows, the command table and the one step function over them."""

    def __init__(self, flows: Iterable[Flow], start: str, commands: Mapping[str, Command],
                 notes: Iterable[str], desk_events: Mapping[str, Command],
                 detour: Command | None = None) -> None:
        self.by_name = {flow.name: flow for flow in flows}
        self.start = start
        self.commands = commands
        self.desk_events = desk_events
        self.notes = frozenset(notes) | frozenset(ENGINE_NOTES)
        self.detour = detour  # to a consultant from any page, and back afterwards

    @staticmethod
    def _detour_offered(flow: Flow, prompt: Prompt) -> bool:
        return flow.consult_anywhere and not any(
            c.name in ("consultant", DETOUR) for c in prompt.all_choices)

    def note_audiences(self, note: str) -> frozenset[str]:
        """A note in a flow's folder (e.g. `action_card/summary`) is shown to that flow's
        audiences; other notes can reach anyone."""
        flow = self.by_name.get(note.split("/", 1)[0])
        return flow.audiences if flow else frozenset(AUDIENCES)

    def templates(self) -> frozenset[str]:
        """Every template a conversation can show: each state's prompt and every note."""
        prompts = {p.template for flow in self.by_name.values() for p in flow.prompts.values()}
        return frozenset(prompts) | self.notes

    def new_session(self) -> Session:
        return Session(flow=self.start, state=self.by_name[self.start].initial)

    def enter(self, session: Session, flow: str, state: str | None = None) -> Session:
        target = self.by_name[flow]
        return replace(session, flow=flow, state=state or target.initial, step=session.step + 1)

    def prompt_reply(self, session: Session, facts: Facts | None = None,
                     replaces_pressed: bool = False) -> Reply:
        flow = self.by_name[session.flow]
        prompt = flow.prompts[session.state]
        offered = [c for c in prompt.choices if c.offered_to(session.audience, session.data)]
        rows = tuple(
            tuple(Button(c.name, c.label) for c in offered[i : i + prompt.columns])
            for i in range(0, len(offered), prompt.columns)
        )
        if self._detour_offered(flow, prompt):
            rows = (*rows, (Button(DETOUR, DETOUR),))
        footer = tuple(Button(c.name, c.label) for c in prompt.footer
                       if c.offered_to(session.audience, session.data))
        if footer:
            rows = (*rows, footer)
        return Reply(
            template=prompt.template,
            variables={**(facts or Facts()).variables(), **session.data},
            buttons=rows,
            step=session.step,
            replaces_pressed=replaces_pressed,
        )

    def resume(self, session: Session, facts: Facts, *notes: Reply) -> Outcome:
        """Say the notes, then show the current prompt again (same step, same buttons)."""
        return Outcome(session, (*notes, self.prompt_reply(session, facts)))

    def step(self, session: Session | None, event: Event, facts: Facts | None = None) -> Outcome:
        """The whole conversation logic: pure, deterministic, no I/O. Every reply, notes
        included, can read the facts (is the desk open, when does it open)."""
        facts = facts or Facts()
        outcome = self._step(session, event, facts)
        shared = facts.variables()
        return replace(outcome, replies=tuple(
            replace(reply, variables={**shared, **reply.variables}) for reply in outcome.replies))

    def _step(self, session: Session | None, event: Event, facts: Facts) -> Outcome:
        if session is None or not self._valid(session):
            session = self.new_session()
            if event.kind not in (EventKind.COMMAND, EventKind.DESK):
                return Outcome(session, (self.prompt_reply(session, facts),))
        if event.kind is EventKind.COMMAND:
            handler = self.commands.get(event.value, self.commands[UNKNOWN_COMMAND])
            return handler(self, session, event, facts)
        if event.kind is EventKind.DESK:
            return self.desk_events[event.value](self, session, event, facts)
        if event.kind is EventKind.EDITED:
            return Outcome(session)
        flow = self.by_name[session.flow]
        prompt = flow.prompts[session.state]
        if event.kind is EventKind.MEDIA:
            effects = (Effect("media_withheld", {"kind": event.value}),) if prompt.relay else ()
            outcome = self.resume(session, facts, Reply(MEDIA_NOT_STORED, {"kind": event.value}))
            return replace(outcome, effects=effects)
        if event.kind is EventKind.UNSUPPORTED:
            return self.resume(session, facts, Reply(UNSUPPORTED))
        if event.kind is EventKind.CHOICE:
            if (event.value == DETOUR and event.step == session.step and self.detour is not None
                    and self._detour_offered(flow, prompt)):
                return self.detour(self, session, event, facts)
            choice = next((c for c in prompt.all_choices if c.name == event.value), None)
            if event.step != session.step or choice is None or not choice.offered_to(
                session.audience, session.data
            ):
                return self.resume(session, facts, Reply(STALE_BUTTON))
            return self._advance(flow, session, event, facts, choice.trigger, pressed=True)
        if prompt.relay:
            notes = (Reply(prompt.relay_note, facts.variables()),) if prompt.relay_note else ()
            return Outcome(session, notes, (Effect("relay_text", {"text": event.value}),))
        if prompt.text_trigger is None:
            return self.resume(session, facts, Reply(USE_BUTTONS))
        return self._advance(flow, session, event, facts, prompt.text_trigger, pressed=False)

    def _valid(self, session: Session) -> bool:
        flow = self.by_name.get(session.flow)
        return flow is not None and flow.has_state(session.state)

    def _advance(
        self, flow: Flow, session: Session, event: Event, facts: Facts, trigger: str,
        pressed: bool,
    ) -> Outcome:
        turn = Turn(session, event, facts)
        if not flow.fire(turn, trigger):
            return self.resume(session, facts, Reply(STALE_BUTTON))
        moved = replace(
            session,
            state=str(turn.state),
            audience=turn.audience,
            data=turn.data,
            step=session.step + 1,
        )
        if turn.next_flow is not None:
            moved = self.enter(moved, *turn.next_flow)
        replaces = pressed and not turn.notes and not flow.prompts[session.state].keep
        replies = (*turn.notes, self.prompt_reply(moved, facts, replaces))
        return Outcome(moved, replies, tuple(turn.effects))


Command = Callable[[Flows, Session, Event, Facts], Outcome]
UNKNOWN_COMMAND: Final = ""


def park(session: Session) -> dict[str, Any]:
    """Session data that remembers where the person was (flow, page, answers), to come back
    to after a detour. A detour from a detour keeps the first place."""
    if PARKED in session.data:
        return dict(session.data)
    where = {"flow": session.flow, "state": session.state,
             "data": {k: v for k, v in session.data.items() if k != PARKED}}
    return {PARKED: where}


def unpark(turn: Turn) -> bool:
    """Back to where the person was before the detour, answers and all. False: nowhere."""
    where = turn.data.get(PARKED)
    if not isinstance(where, dict):
        return False
    turn.data.clear()
    turn.data.update(where.get("data", {}))
    turn.next_flow = (str(where["flow"]), str(where["state"]))
    return True
