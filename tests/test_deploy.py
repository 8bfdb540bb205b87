"""deploy/: the systemd units are hardened (systemd-analyze security rates them OK) and valid
(systemd-analyze verify); the lock file pins every dependency with hashes; the Dockerfile installs
from it and runs unprivileged; every setting is documented in the runbook."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
EXPOSURE_GOAL = 2.0  # systemd-analyze's "OK" ends here
SERVICES = ("sspbot.service", "sspbot-backup.service")
UNITS = (*SERVICES, "sspbot-backup.timer")
OVERALL = re.compile(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)")
# Where deploy/README.md installs things, and where they are in this checkout.
INSTALLED = {"opt/sspbot/deploy/backup.sh": DEPLOY / "backup.sh"}


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    if not Path(SYSTEMD_ANALYZE).exists():
        pytest.fail("systemd-analyze is missing: `make setup` installs Debian's systemd")
    return subprocess.run([SYSTEMD_ANALYZE, *args], capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.parametrize("unit", SERVICES)
def test_the_service_is_rated_ok_by_systemd_analyze_security(unit: str) -> None:
    # --offline reads the unit file alone: no running systemd is needed (none runs in CI).
    rated = analyze("security", "--offline=yes", "--no-pager", str(DEPLOY / unit))
    found = OVERALL.search(rated.stdout)
    assert found, rated.stdout + rated.stderr
    exposure = float(found[1])
    assert exposure <= EXPOSURE_GOAL, rated.stdout
    assert found[2] in ("OK", "SAFE")


def test_the_units_verify_in_the_installed_layout(tmp_path: Path) -> None:
    """`verify` checks each unit's settings and that what it starts exists and may be run;
    --root gives it a tree laid out as deploy/README.md installs the bot (this checkout's
    files at /opt/sspbot) beside the machine's own systemd units."""
    root = tmp_path / "root"
    shutil.copytree(Path("/usr/lib/systemd/system"), root / "usr/lib/systemd/system",
                    symlinks=True)
    for inside, source in {**INSTALLED, "opt/sspbot/.venv/bin/sspbot":
                           REPO / ".venv" / "bin" / "sspbot"}.items():
        (root / inside).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, root / inside)
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(DEPLOY / unit, units / unit)
    verified = analyze("verify", f"--root={root}", "--man=no", *UNITS)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout + verified.stderr == ""  # a warning is a failure too


def unit_settings(unit: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / unit).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_service_waits_for_ready_and_is_watched() -> None:
    service = unit_settings("sspbot.service")
    assert service["Type"] == ["notify"]
    assert int(service["WatchdogSec"][0]) >= 60
    assert service["ExecStart"] == ["/opt/sspbot/.venv/bin/sspbot run"]
    assert "SSPBOT_DATA_DIR=/var/lib/sspbot" in service["Environment"][0]
    assert service["StateDirectory"] == ["sspbot"]
    backup = unit_settings("sspbot-backup.service")
    assert backup["ExecStart"] == ["/opt/sspbot/deploy/backup.sh /var/lib/sspbot "
                                   "/var/lib/sspbot-backup"]
    timer = unit_settings("sspbot-backup.timer")
    assert timer["Persistent"] == ["true"] and timer["OnCalendar"]


def locked() -> dict[str, list[tuple[str, str]]]:
    """Each package in the lock: its pinned versions with their markers (a version may be
    pinned per Python version), every pin with its hashes."""
    text = (DEPLOY / "requirements.lock").read_text()
    pins: dict[str, list[tuple[str, str]]] = {}
    for entry in re.split(r"\n(?=\S)", text):
        if entry.startswith("#") or not entry.strip():
            continue
        head = entry.split("\\")[0].strip()
        assert "--hash=sha256:" in entry, f"no hash for {head}"
        name, _, rest = head.partition("==")
        version, _, marker = rest.partition(";")
        pins.setdefault(canonicalize_name(name), []).append((version.strip(), marker.strip()))
    return pins


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    pins = locked()
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in deploy/requirements.lock: run `make lock`"
        for version, _ in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{name}=={version} does not meet {requirement.specifier}: run `make lock`")


def test_the_container_installs_from_the_lock_and_runs_unprivileged() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install --require-hashes -r deploy/requirements.lock" in dockerfile
    assert "pip install --no-deps --no-build-isolation" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^\s+CMD \["sh", "-c", "sspbot health [^"]*\|\| exit 1"\]$', dockerfile,
                     re.MULTILINE)
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "read_only: true" in compose
    assert "SSPBOT_WEB_TRUST_PROXY" in compose
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "remote_ip delete" in caddy and "client_ip delete" in caddy


def test_every_setting_is_in_the_runbook_and_the_example_names_only_settings() -> None:
    names = {field.alias for field in Settings.model_fields.values() if field.alias}
    runbook = (DEPLOY / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in runbook)
    assert not missing, f"deploy/README.md's table lacks {missing}"
    example = (DEPLOY / ".env.example").read_text()
    written = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert written - names - {"HTTPS_PROXY", "NO_PROXY"} == set()


def tool(name: str, where: Path) -> str:
    found = shutil.which(name) or (str(where) if where.exists() else None)
    if found is None:
        pytest.fail(f"{name} is missing: `make setup` installs it")
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = tool("hadolint", REPO / ".venv" / "bin" / "hadolint")
    linted = subprocess.run([hadolint, "--no-color", str(DEPLOY / "Dockerfile")],
                            capture_output=True, text=True, check=False, timeout=60)
    assert linted.returncode == 0 and linted.stdout == "", linted.stdout + linted.stderr


def test_the_shell_scripts_pass_shellcheck() -> None:
    shellcheck = tool("shellcheck", Path("/usr/bin/shellcheck"))
    checked = subprocess.run([shellcheck, *map(str, sorted(DEPLOY.glob("*.sh")))],
                             capture_output=True, text=True, check=False, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_polling_and_setup_go_through_the_proxy_in_https_proxy(tmp_path: Path) -> None:
    """Polling needs only outgoing HTTPS to api.telegram.org, through the municipality's proxy
    where there is one: python-telegram-bot's HTTP client (httpx) and `sspbot setup` honour
    HTTPS_PROXY. Here the proxy refuses, after saying what it was asked."""
    asked: list[bytes] = []
    proxy = socket.create_server(("127.0.0.1", 0))
    proxy.settimeout(30)

    def refuse() -> None:
        for _ in range(2):
            connection, _ = proxy.accept()
            with connection:
                asked.append(connection.recv(200).split(b"\r\n")[0])
                connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SSPBOT_", "TELEGRAM_")) and "proxy" not in key.lower()}
    env.update(HTTPS_PROXY=f"http://127.0.0.1:{proxy.getsockname()[1]}",
               TELEGRAM_BOT_TOKEN="123456:not-a-real-token-at-all", SSPBOT_SECRET="x" * 48,
               SSPBOT_DATA_DIR=str(tmp_path / "data"), SSPBOT_WEB="false")
    for command in ("run", "setup"):
        ran = subprocess.run([sys.executable, "-m", "bot", command], capture_output=True,
                             text=True, env=env, check=False, timeout=60, cwd=REPO)
        assert ran.returncode == 2, ran.stdout + ran.stderr
    thread.join(10)
    proxy.close()
    assert asked == [b"CONNECT api.telegram.org:443 HTTP/1.1"] * 2
