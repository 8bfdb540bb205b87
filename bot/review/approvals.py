"""The youth council's approvals: which text was approved, as it then read, by whom, when."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Final

import tomli_w

RECORD: Final = "approvals.toml"
HEADER: Final = (
    "# Approved texts, written by `sspbot content approve`; do not edit by hand.\n"
    "# sha256 is the text's fingerprint when it was approved: a changed text needs a new\n"
    "# approval (see content/README.md).\n\n"
)


@dataclass(frozen=True)
class Approval:
    template: str  # path under content/, e.g. common/start/at_menu.j2
    sha256: str
    by: str
    date: date
    comment: str = ""


@dataclass(frozen=True)
class Status:
    approved: list[str]
    changed: list[str]  # approved once, changed since
    never: list[str]

    @property
    def unapproved(self) -> list[str]:
        return self.changed + self.never


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def templates(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.j2"))


def load(root: Path) -> dict[str, Approval]:
    path = root / RECORD
    if not path.exists():
        return {}
    with path.open("rb") as file:
        rows = tomllib.load(file).get("approval", [])
    return {row["template"]: Approval(**row) for row in rows}


def save(root: Path, approvals: dict[str, Approval]) -> None:
    rows = [{k: v for k, v in asdict(a).items() if v != ""}
            for _, a in sorted(approvals.items())]
    (root / RECORD).write_text(HEADER + tomli_w.dumps({"approval": rows}), encoding="utf-8")


def approve(root: Path, paths: Iterable[str], by: str, today: date,
            comment: str = "") -> list[str]:
    """Record approval of the templates as they read now; returns the paths recorded."""
    approvals = load(root)
    recorded = []
    for given in paths:
        relative = _under(root, given)
        file = root / relative
        if not file.is_file() or file.suffix != ".j2":
            raise FileNotFoundError(f"no template {given} under {root}")
        approvals[relative] = Approval(relative, fingerprint(file), by, today, comment)
        recorded.append(relative)
    save(root, approvals)
    return recorded


def _under(root: Path, given: str) -> str:
    """A template path as given: under content/ (common/...), from here, or absolute."""
    if not Path(given).is_absolute() and (root / given).is_file():
        return given
    try:
        return str(Path(given).resolve().relative_to(root.resolve()))
    except ValueError:
        raise FileNotFoundError(f"no template {given} under {root}") from None


def status(root: Path) -> Status:
    approvals = load(root)
    approved, changed, never = [], [], []
    for name in templates(root):
        record = approvals.get(name)
        if record is None:
            never.append(name)
        elif record.sha256 != fingerprint(root / name):
            changed.append(name)
        else:
            approved.append(name)
    return Status(approved, changed, never)
