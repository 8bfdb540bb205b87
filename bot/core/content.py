"""Renders replies from the Jinja templates in content/, per audience, as Telegram HTML."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    Template,
)

from flows.engine import AUDIENCES, Reply

COMMON: Final = "common"
TELEGRAM: Final = "telegram"
WEB: Final = "web"
CHANNELS: Final = (TELEGRAM, WEB)
# Where each audience looks for a template, first match wins; `common/` comes last.
LAYERS: Final[dict[str | None, tuple[str, ...]]] = {
    "child": ("child", "young"),
    "teen": ("teen", "young"),
    "youth": ("youth", "young"),
    "parent": ("parent", "adult"),
    "professional": ("professional", "adult"),
    None: (),
}
SHARED_LABELS: Final = "general/buttons.j2"
COMMAND_DESCRIPTIONS: Final = "general/commands.j2"
TEMPLATE_SUFFIX: Final = ".j2"
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


@dataclass(frozen=True)
class RenderedButton:
    label: str
    choice: str


@dataclass(frozen=True)
class Rendered:
    """A message ready for any channel: Telegram HTML text and labelled buttons."""

    template: str
    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...]
    step: int | None


def load_contacts(path: Path) -> dict[str, Any]:
    """Phone numbers, addresses and hours: one file, never typed into templates."""
    with path.open("rb") as file:
        return tomllib.load(file)


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip()


class Content:
    """One Jinja environment per audience; the audience's folder shadows `common/`."""

    def __init__(self, root: Path, globals_: Mapping[str, Any] | None = None) -> None:
        self.root = root
        contacts = load_contacts(root / "contacts.toml")
        self._envs = {
            audience: self._environment(audience, {"contacts": contacts, **(globals_ or {})})
            for audience in (*AUDIENCES, None)
        }
        self._labels: dict[str | None, Any] = {}

    def _environment(self, audience: str | None, globals_: Mapping[str, Any]) -> Environment:
        loaders: list[BaseLoader] = [
            FileSystemLoader(self.root / layer) for layer in LAYERS[audience]
        ]
        loaders += [
            FileSystemLoader(self.root / COMMON),
            PrefixLoader({COMMON: FileSystemLoader(self.root / COMMON)}),
        ]
        env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates are read once; a changed text needs a restart
        )
        env.globals.update(globals_)
        env.globals["audience"] = audience
        return env

    def _shared_labels(self, audience: str | None) -> Any:
        """The shared button labels take no variables: render them once per audience."""
        if audience not in self._labels:
            self._labels[audience] = self.template(
                SHARED_LABELS.removesuffix(TEMPLATE_SUFFIX), audience).make_module()
        return self._labels[audience]

    def environment(self, audience: str | None) -> Environment:
        return self._envs[audience]

    def source_file(self, name: str, audience: str | None) -> Path:
        """The file that provides a template for an audience (its own layer, or common)."""
        filename = self.template(name, audience).filename
        assert filename is not None
        return Path(filename)

    def template(self, name: str, audience: str | None) -> Template:
        return self._envs[audience].get_template(name + TEMPLATE_SUFFIX)

    def render(self, reply: Reply, audience: str | None, channel: str = TELEGRAM) -> Rendered:
        """The reply as the person reads it. `channel` is a variable like any other, so a text
        can say what is true where it is read (the web chat is anonymous, Telegram is not)."""
        variables = {"channel": channel, **reply.variables}
        module = self.template(reply.template, audience).make_module(variables)
        labels = self._shared_labels(audience)
        buttons = tuple(
            tuple(
                RenderedButton(
                    _tidy(
                        str(getattr(labels, button.shared_label))
                        if button.shared_label
                        else str(getattr(module, f"button_{button.choice}"))
                    ),
                    button.choice,
                )
                for button in row
            )
            for row in reply.buttons
        )
        return Rendered(reply.template, _tidy(str(module)), buttons, reply.step)

    def command_descriptions(self, template: str = COMMAND_DESCRIPTIONS) -> dict[str, str]:
        """Descriptions for Telegram's command menus, from content like every other word."""
        module = self.template(template.removesuffix(TEMPLATE_SUFFIX), None)
        exported = module.make_module()
        return {name: _tidy(str(getattr(exported, name))) for name in exported.__dict__
                if not name.startswith("_")}

    def names_in(self, folder: str) -> list[str]:
        """The templates in one folder of the common layer, e.g. the canned replies."""
        folder_path = self.root / COMMON / folder
        return sorted(path.stem for path in folder_path.glob("*" + TEMPLATE_SUFFIX))
