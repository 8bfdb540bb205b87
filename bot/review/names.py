"""The Danish names reviewers read for the bot's parts, from content/common/review/names.j2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.content import Content

NAMES: Final = "review/names"
DEMO_NOTICE: Final = "review/demo_notice"


@dataclass(frozen=True)
class Names:
    """Sections (flows and other groups), states, audiences, statuses, variables, words."""

    sections: dict[str, str]
    section_notes: dict[str, str]
    audiences: dict[str, str]
    statuses: dict[str, str]
    states: dict[str, dict[str, str]]
    variables: dict[str, str]
    words: dict[str, str]
    desk_events: dict[str, str]

    def section(self, name: str) -> str:
        return self.sections.get(name, name)

    def state(self, flow: str, state: str) -> str:
        return self.states.get(flow, {}).get(state, state)

    def audience(self, audience: str) -> str:
        return self.audiences.get(audience, audience)

    def variable(self, name: str) -> str:
        return self.variables.get(name, name)


def load_names(content: Content) -> Names:
    module = content.template(NAMES, None).make_module()
    return Names(**{name: dict(getattr(module, name)) for name in (
        "sections", "section_notes", "audiences", "statuses", "states", "variables", "words",
        "desk_events")})
