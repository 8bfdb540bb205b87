"""Every text file as its readers see it: the renderings an approval covers, and their print.

An approval is of what a person sees, not of a file's bytes: every audience, every sample of
the variables and both channels, with the buttons' labels. So a change in an included text, a
shared button label (general/buttons.j2) or a number in contacts.toml changes the fingerprint
of every message that shows it. A file that no preview shows on its own (a part included by
others, the web chat's page, the command menu) is fingerprinted by its bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.core.content import CHANNELS, COMMON, TEMPLATE_SUFFIX, Content
from bot.desk.desk import DESK_TEMPLATES
from bot.review.previews import STAFF, person_previews, staff_previews
from bot.settings import Settings
from flows import build_flows
from flows.engine import Flows
from flows.report import DESCRIPTION_LIMIT

# The reviewers' own words (names on the review page, the demo's notice): the bot never says
# them, so they need no approval.
REVIEW_FOLDER: Final = f"{COMMON}/review/"
PARTS: Final = "parts"  # the group of files no preview shows on their own
_PURPOSE = re.compile(r"Form.l:(.*?)(?:\n\s*\n|\n\s*(?:Variabler|Fakta|Knapper):|#\})",
                      re.DOTALL)


def reference_globals() -> dict[str, object]:
    """The configured numbers the texts mention (office hours, days kept), at their defaults.

    Approvals must not depend on one deployment's configuration: what the youth council
    approved on a laptop is what production checks, whatever hours the desk keeps. These are
    the keys of bot.service.content_globals (a test keeps the two alike)."""
    defaults = Settings.model_construct()
    return {"session_days": defaults.session_days,
            "report_text_days": defaults.report_text_days,
            "topic_days": defaults.topic_days, "desk_hours": defaults.office().blocks(),
            "description_limit": DESCRIPTION_LIMIT, "web_url": defaults.web_public_url}


def review_content(root: Path) -> Content:
    """The texts under `root` as reviewers see them and approvals are fingerprinted."""
    return Content(root, reference_globals())


def template_files(root: Path) -> list[str]:
    """Every text file under content/ that needs an approval, as a path under content/."""
    return sorted(name for name in (str(p.relative_to(root)) for p in root.rglob("*.j2"))
                  if not name.startswith(REVIEW_FOLDER))


@dataclass(frozen=True)
class Rendering:
    """One message as one reader sees it: text (Telegram HTML) and the buttons' labels."""

    audience: str  # an audience, or STAFF
    text: str
    buttons: tuple[tuple[str, ...], ...]
    variables: Mapping[str, object]  # the sample, channel included

    @property
    def seen(self) -> tuple[str, str, tuple[tuple[str, ...], ...]]:
        return self.audience, self.text, self.buttons


@dataclass
class Message:
    """One text file and everything it shows; `state` is None for notes and parts."""

    file: str  # under content/, e.g. common/report/reviewing.j2
    template: str  # e.g. report/reviewing
    group: str  # a flow, general, canned, desk or parts
    state: str | None
    purpose: str
    renderings: list[Rendering] = field(default_factory=list)
    source: str = ""  # the file as written, for parts only

    @property
    def audiences(self) -> list[str]:
        return list(dict.fromkeys(r.audience for r in self.renderings))

    @property
    def fingerprint(self) -> str:
        """sha256 of every distinct thing a reader sees, in a fixed order; of the bytes for a
        part. Adding a sample that shows nothing new leaves it as it is."""
        if not self.renderings:
            return hashlib.sha256(self.source.encode("utf-8")).hexdigest()
        seen = sorted({r.seen for r in self.renderings})
        return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode("utf-8")).hexdigest()


def purpose_of(source: str) -> str:
    """The reviewer comment's purpose line, first sentences, for a subtitle."""
    match = _PURPOSE.search(source)
    text = " ".join(match.group(1).split()) if match else ""
    return text[:1].upper() + text[1:]


def catalogue(flows: Flows, content: Content) -> dict[str, Message]:
    """Every text file, in the order a conversation meets them: each flow's states in table
    order, then notes, canned replies, the desk, then the parts. Keyed by file."""
    messages: dict[str, Message] = {}
    root = content.root.resolve()
    for preview in [*person_previews(flows, content), *staff_previews(content, DESK_TEMPLATES)]:
        audience = None if preview.audience == STAFF else preview.audience
        path = content.source_file(preview.reply.template, audience).resolve()
        file = str(path.relative_to(root))
        message = messages.get(file)
        if message is None:
            message = messages[file] = Message(file, preview.reply.template, preview.group,
                                               preview.state, purpose_of(path.read_text()))
        channels = ([None] if "channel" in preview.reply.variables else list(CHANNELS))
        for channel in channels:
            rendered = (content.render(preview.reply, audience) if channel is None
                        else content.render(preview.reply, audience, channel))
            variables = dict(preview.reply.variables)
            variables.setdefault("channel", channel)
            message.renderings.append(Rendering(
                preview.audience, rendered.text,
                tuple(tuple(b.label for b in row) for row in rendered.buttons), variables))
    for file in template_files(content.root):
        if file not in messages:
            source = (content.root / file).read_text(encoding="utf-8")
            template = str(Path(*Path(file).parts[1:])).removesuffix(TEMPLATE_SUFFIX)
            messages[file] = Message(file, template, PARTS, None, purpose_of(source),
                                     source=source)
    return messages


def fingerprints(root: Path, flows: Flows | None = None) -> dict[str, str]:
    """file -> fingerprint, for every text under `root` (the reviewers' reference settings)."""
    shown = catalogue(flows or build_flows(), review_content(root))
    return {file: message.fingerprint for file, message in shown.items()}
