"""The youth council's decisions: which text was approved, as its readers then saw it, by whom,
when, with what comment; and which texts they asked to have changed, and why.

The fingerprint (`sha256`) is of what the readers see (bot/review/messages.py), not of the
file's bytes. A record written before that, with the bytes' hash, still reads: such a message
simply shows as changed since approval and is approved again; parts keep their bytes' hash.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import tomli_w

from bot.review.messages import REVIEW_FOLDER, fingerprints, template_files

Day = date  # a field below is called `date`
RECORD: Final = "approvals.toml"
HEADER: Final = (
    "# The youth council's decisions, written by `sspbot review` and `sspbot content approve`;\n"
    "# do not edit by hand. sha256 is the fingerprint of what the readers saw (every audience,\n"
    "# every sample, both channels, the buttons): a changed text needs a new approval. A\n"
    "# change_request is open until the text is approved again (see content/README.md).\n\n"
)
APPROVED: Final = "approved"
CHANGED: Final = "changed"
NEVER: Final = "never"
ASKED: Final = "asked"


@dataclass(frozen=True)
class Approval:
    template: str  # path under content/, e.g. common/start/at_menu.j2
    sha256: str
    by: str
    date: date
    comment: str = ""


@dataclass(frozen=True)
class ChangeRequest:
    template: str
    sha256: str  # the text as the reviewer saw it when asking
    by: str
    date: date
    comment: str
    resolved: Day | None = None  # the day the text was approved again


@dataclass(frozen=True)
class Record:
    approvals: dict[str, Approval]
    requests: list[ChangeRequest]


@dataclass(frozen=True)
class Status:
    approved: list[str]
    changed: list[str]  # approved once, changed since
    never: list[str]
    asked: list[str] = field(default_factory=list)  # changes asked for, text still as it was
    requests: list[ChangeRequest] = field(default_factory=list)  # every open request

    @property
    def unapproved(self) -> list[str]:
        return self.changed + self.never + self.asked

    def of(self, file: str) -> str:
        """approved, changed, never or asked."""
        for name, files in ((ASKED, self.asked), (CHANGED, self.changed),
                            (APPROVED, self.approved)):
            if file in files:
                return name
        return NEVER


def templates(root: Path) -> list[str]:
    return template_files(root)


def load(root: Path) -> Record:
    path = root / RECORD
    if not path.exists():
        return Record({}, [])
    with path.open("rb") as file:
        data = tomllib.load(file)
    return Record({row["template"]: Approval(**row) for row in data.get("approval", [])},
                  [ChangeRequest(**row) for row in data.get("change_request", [])])


def _row(item: Approval | ChangeRequest) -> dict[str, Any]:
    return {k: v for k, v in asdict(item).items() if v not in ("", None)}


def save(root: Path, record: Record) -> None:
    """Write the whole record at once (a new file moved into place): never half a file."""
    data: dict[str, Any] = {"approval": [_row(a) for _, a in sorted(record.approvals.items())]}
    if record.requests:
        data["change_request"] = [_row(r) for r in record.requests]
    path = root / RECORD
    partial = path.with_name(f".{RECORD}.{os.getpid()}")
    partial.write_text(HEADER + tomli_w.dumps(data), encoding="utf-8")
    partial.replace(path)


def approve(root: Path, paths: Iterable[str], by: str, today: date, comment: str = "",
            current: Mapping[str, str] | None = None) -> list[str]:
    """Record approval of the texts as their readers see them now; closes the requests for
    changes to them. Returns the paths recorded (under content/)."""
    files = [_under(root, given) for given in paths]
    now = current if current is not None else fingerprints(root)
    record = load(root)
    for file in files:
        record.approvals[file] = Approval(file, now[file], by, today, comment)
    requests = [r if r.template not in files or r.resolved else
                ChangeRequest(**{**asdict(r), "resolved": today}) for r in record.requests]
    save(root, Record(record.approvals, requests))
    return files


def ask_changes(root: Path, path: str, by: str, today: date, comment: str,
                current: Mapping[str, str] | None = None) -> str:
    """Record that a reviewer wants a text changed, and why; the text then counts as not
    approved until it is approved again."""
    file = _under(root, path)
    now = current if current is not None else fingerprints(root)
    record = load(root)
    record.requests.append(ChangeRequest(file, now[file], by, today, comment))
    save(root, record)
    return file


def _under(root: Path, given: str) -> str:
    """A template path as given: under content/ (common/...), from here, or absolute."""
    relative = given
    if Path(given).is_absolute() or not (root / given).is_file():
        try:
            relative = str(Path(given).resolve().relative_to(root.resolve()))
        except ValueError:
            raise FileNotFoundError(f"no template {given} under {root}") from None
    file = root / relative
    if not file.is_file() or file.suffix != ".j2" or relative.startswith(REVIEW_FOLDER):
        raise FileNotFoundError(f"no template {given} under {root}")
    return relative


def status(root: Path, current: Mapping[str, str] | None = None) -> Status:
    """Each text's state. `current` is every file's fingerprint now; without it, it is worked
    out here, but only when something was ever decided (else every text is simply new)."""
    record = load(root)
    files = template_files(root)
    if not record.approvals and not record.requests:
        return Status([], [], files)
    now = current if current is not None else fingerprints(root)
    open_requests = [r for r in record.requests if r.resolved is None]
    asked_for = {r.template for r in open_requests if now.get(r.template) == r.sha256}
    approved, changed, never, asked = [], [], [], []
    for name in files:
        approval = record.approvals.get(name)
        if name in asked_for:
            asked.append(name)
        elif approval is None:
            never.append(name)
        elif approval.sha256 != now[name]:
            changed.append(name)
        else:
            approved.append(name)
    return Status(approved, changed, never, asked, open_requests)
