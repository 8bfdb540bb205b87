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


# --- the layout of bot/: one place per channel, imports one way (ARCHITECTURE.md, Channels) ---

CHANNELS = ("bot.telegram", "bot.web")
# Who may not import whom: the core knows no desk and no channel; the desk knows no channel; a
# channel knows no other channel; the running bot knows nothing of the reviewers' tools.
NOT_ALLOWED = {
    "bot.core": ("bot.desk", *CHANNELS, "bot.review", "bot.service", "bot.cli"),
    "bot.desk": (*CHANNELS, "bot.review", "bot.service", "bot.cli"),
    "bot.telegram": ("bot.web", "bot.review", "bot.service", "bot.cli"),
    "bot.web": ("bot.telegram", "bot.review", "bot.service", "bot.cli"),
    "flows": ("bot",),
}


def module_imports(root: Path) -> dict[str, set[str]]:
    """Every module under `root` and the modules it imports (TYPE_CHECKING imports too:
    a circle for the type checker is a circle for the reader)."""
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = targets
    known = set(graph)
    return {name: {_owner(t, known) for t in targets if _owner(t, known)} - {name}
            for name, targets in graph.items()}


def _owner(target: str, known: set[str]) -> str:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target


def test_no_import_circle_inside_bot() -> None:
    graph = module_imports(ROOT / "bot")
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


@pytest.mark.parametrize("package", sorted(NOT_ALLOWED))
def test_imports_run_one_way(package: str) -> None:
    graph = {**module_imports(ROOT / "bot"), **module_imports(ROOT / "flows")}
    for module, targets in graph.items():
        if module == package or module.startswith(package + "."):
            for target in targets:
                bad = [p for p in NOT_ALLOWED[package] if target == p or target.startswith(p + ".")]
                assert not bad, f"{module} imports {target}"


def test_each_channel_has_a_place_of_its_own() -> None:
    for package in ("core", "desk", "telegram", "web", "review", "tools"):
        assert (ROOT / "bot" / package / "__init__.py").is_file(), package
    flat = sorted(p.name for p in (ROOT / "bot").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "cli.py", "logs.py", "service.py", "settings.py"]
