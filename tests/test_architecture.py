"""The layering rules of ARCHITECTURE.md, checked by reading the imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "flows": {"telegram", "sqlite3", "sqlite_utils", "bot", "sandbox", "aiohttp", "httpx",
              "time", "random", "os", "secrets", "jinja2"},
    "bot": {"sandbox"},
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        bad = imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_flows_never_read_the_clock() -> None:
    """Time is passed in: flows may handle datetimes, never ask for the current one."""
    for path in (ROOT / "flows").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in {"now", "today", "utcnow", "monotonic"}, (
                    f"{path.relative_to(ROOT)}:{node.lineno} reads the clock")


@pytest.mark.parametrize("package", ["bot", "flows"])
def test_no_danish_words_in_python(package: str) -> None:
    """Every word a user reads lives in content/; Danish letters in code are a sign of it."""
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.search(r"[æøåÆØÅ]", node.value), (
                    f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
