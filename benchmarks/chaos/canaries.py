"""Canaries: a young person with a distinctive Telegram id and first name reports (own words:
a canary), talks with a consultant (canaries both ways), is answered on the report (/besvar: a
canary), and then uses /slet; a web chat person (canary token, canary text) does the same. The
consultant closes both cases. Then retention runs as the bot runs it at start, with the bot's
clock 31 days ahead (benchmarks.chaos.launch). At each point the database file, its WAL and the
bot's log are searched for every canary: as bytes, and inside every sealed value opened with
the demo secret (live rows, and every row of every table page in the file and in each WAL
frame, that is, older versions of pages too)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx

from benchmarks.chaos.relays import newest
from benchmarks.chaos.reports import walk
from benchmarks.chaos.rig import Bot, Sandbox, labels, settled, until
from bot.core.keys import Keys
from sandbox.world import CONSULTANTS, STAFF_GROUP_ID
from tests import texts as T

PERSON: Final = 8_123_456_789  # a Telegram id that appears nowhere else
METTE: Final = CONSULTANTS[0][0]
DAYS_AHEAD: Final = 31  # past the 30 days of sessions, report text and topics
TOKEN_HEADER: Final = "X-Chat-Token"


@dataclass(frozen=True)
class Canary:
    name: str
    value: str
    kept_until_retention: bool = False  # by design: sealed in the report until retention


def canaries(web_token: str) -> list[Canary]:
    tag = secrets.token_hex(3)
    return [
        Canary("Telegram id", str(PERSON)),
        Canary("first name", f"Kanarifugl{tag}"),
        Canary("message text", f"KANARIE-besked-{tag}"),
        Canary("consultant's text", f"KANARIE-konsulent-{tag}"),
        Canary("report's own words", f"KANARIE-rapport-{tag}", kept_until_retention=True),
        Canary("answer on the report", f"KANARIE-svar-{tag}", kept_until_retention=True),
        Canary("web token", web_token),
        Canary("web text", f"KANARIE-web-{tag}"),
    ]


def needles(canary: Canary) -> list[bytes]:
    """The canary as text, and a Telegram id also as SQLite stores an integer (big-endian)."""
    found = [canary.value.encode()]
    if canary.value.isdigit():
        number = int(canary.value)
        found += [number.to_bytes(6, "big"), number.to_bytes(8, "big")]
    return found


# --- SQLite pages, read by hand: every row of every table page, in the file and the WAL ------

def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for step in range(9):
        byte = data[at + step]
        if step == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + step + 1
    raise ValueError("varint")


def _values(record: bytes) -> Iterator[bytes]:
    """The text and blob values of one record (as far as it is on this page)."""
    header, at = _varint(record, 0)
    kinds = []
    while at < header:
        kind, at = _varint(record, at)
        kinds.append(kind)
    offset = header
    sizes = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}
    for kind in kinds:
        size = sizes.get(kind, (kind - 12) // 2 if kind >= 12 else 0)
        if kind >= 12:
            yield record[offset:offset + size]
        offset += size


def _rows(page: bytes, page_number: int) -> Iterator[bytes]:
    start = 100 if page_number == 1 else 0
    if len(page) < start + 8 or page[start] != 0x0D:  # only table leaves hold rows
        return
    cells = int.from_bytes(page[start + 3:start + 5], "big")
    for index in range(cells):
        with contextlib.suppress(IndexError, ValueError):
            pointer = int.from_bytes(page[start + 8 + 2 * index:start + 10 + 2 * index], "big")
            size, at = _varint(page, pointer)
            _, at = _varint(page, at)
            yield from _values(page[at:at + min(size, len(page) - at)])


def pages(database: bytes, wal: bytes) -> Iterator[tuple[int, bytes]]:
    if len(database) >= 100:
        size = int.from_bytes(database[16:18], "big")
        size = 65536 if size == 1 else size
        for number in range(len(database) // size):
            yield number + 1, database[number * size:(number + 1) * size]
    if len(wal) >= 32:
        size = int.from_bytes(wal[8:12], "big")
        at = 32
        while at + 24 + size <= len(wal):
            yield int.from_bytes(wal[at:at + 4], "big"), wal[at + 24:at + 24 + size]
            at += 24 + size


def opened(keys: Keys, blobs: Iterator[bytes]) -> tuple[list[bytes], int]:
    """Every value that opens with the key: what the secret's holder could read."""
    plain: list[bytes] = []
    tried = 0
    for blob in blobs:
        if len(blob) < 29 or blob[:1] not in (b"\x01", b"g"):
            continue
        tried += 1
        with contextlib.suppress(Exception):
            plain.append(keys.open(blob))
    return plain, tried


@dataclass
class Look:
    where: str
    found: dict[str, list[str]]  # canary name -> places
    sealed_opened: int


def look(bot: Bot, keys: Keys, folder: Path, where: str, marks: list[Canary]) -> Look:
    copy = bot.snapshot(folder / f"copy-{len(list(folder.glob('copy-*')))}")
    database = copy.read_bytes() if copy.exists() else b""
    wal_path = copy.with_name(copy.name + "-wal")
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    log = bot.log_path.read_bytes()
    plain, _ = opened(keys, (value for number, page in pages(database, wal)
                             for value in _rows(page, number)))
    found: dict[str, list[str]] = {}
    for canary in marks:
        places = [place for place, data in (("database file", database), ("WAL", wal),
                                            ("log", log))
                  if any(needle in data for needle in needles(canary))]
        if any(canary.value.encode() in text for text in plain):
            places.append("a sealed value opened with the secret")
        if places:
            found[canary.name] = places
    return Look(where, found, len(plain))


# --- the people ------------------------------------------------------------------------

async def register(sandbox: Sandbox, name: str) -> None:
    """The canary person exists in the sandbox's Telegram with the canary first name."""
    world = sandbox.world

    async def add() -> None:
        world.add_user(PERSON, name)

    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(add(), sandbox.thread.loop))


async def press_in_staff(sandbox: Sandbox, fragment: str, label: str,
                         thread: int | None = None) -> dict[str, Any] | None:
    message = None
    for _ in range(120):
        message = next((m for m in reversed(await sandbox.staff_messages())
                        if fragment in m["text"] and label in labels(m)
                        and (thread is None or m["thread"] == thread)), None)
        if message:
            break
        await asyncio.sleep(0.5)
    if message is None:
        return None
    await sandbox.post("/sandbox/press", user_id=METTE, chat_id=STAFF_GROUP_ID,
                       message_id=message["message_id"], label=label)
    return message


async def telegram_person(sandbox: Sandbox, marks: dict[str, str]) -> list[str]:
    """Report, talk with a consultant, get an answer on the report, /slet, cases closed."""
    problems: list[str] = []
    flow = await walk(sandbox, PERSON, 0, (0.1, 0.2), 60, words=(
        f"Nogen deler billeder af mig. {marks['report']}"))
    if not flow.codes:
        problems.append("the report got no code")
    follow = await newest(sandbox, PERSON, T.FOLLOW_UP, 60)
    if follow:
        await sandbox.press(PERSON, follow["message_id"], "Nej tak")
    await sandbox.send(PERSON, "/menu")
    for fragment, label in ((T.MENU, T.BUTTON_CONSULTANT), (T.INTRO_OPEN, T.BUTTON_START_CHAT)):
        message = await newest(sandbox, PERSON, fragment, 60)
        if message is None:
            problems.append(f"no {fragment!r}")
            return problems
        await sandbox.press(PERSON, message["message_id"], label)
    await newest(sandbox, PERSON, T.FIRST_MESSAGE, 60)
    await sandbox.send(PERSON, f"Hej. {marks['message']}")
    await newest(sandbox, PERSON, "i køen", 60)
    summary = await press_in_staff(sandbox, marks["message"], T.CLAIM)
    if summary is None or await newest(sandbox, PERSON, T.CLAIMED, 60) is None:
        problems.append("the case was not taken")
        return problems
    thread = int(summary["thread"])
    await sandbox.send(PERSON, f"Det er svært. {marks['message']} igen")
    await sandbox.send(METTE, f"Hej, jeg hjælper dig. {marks['consultant']}",
                       chat_id=STAFF_GROUP_ID, thread=thread)
    if await newest(sandbox, PERSON, marks["consultant"], 60) is None:
        problems.append("the consultant's message did not arrive")
    # The report: taken, answered with /besvar, closed.
    report = await press_in_staff(sandbox, marks["report"], T.CLAIM)
    if report is not None:
        report_thread = int(report["thread"])
        await sandbox.send(METTE, f"/besvar Tak. {marks['answer']}", chat_id=STAFF_GROUP_ID,
                           thread=report_thread)
        await asyncio.sleep(1.0)
        await press_in_staff(sandbox, "", T.CLOSE, report_thread)
        await press_in_staff(sandbox, T.CHOOSE_OUTCOME, T.OUTCOME_ADVICE, report_thread)
    else:
        problems.append("the report's topic was not found")
    await sandbox.send(PERSON, "/slet")
    if await newest(sandbox, PERSON, T.FORGOTTEN, 60) is None:
        problems.append("/slet was not confirmed")
    if await press_in_staff(sandbox, T.PERSON_ENDED, T.OUTCOME_ADVICE, thread) is None:
        problems.append("the conversation's case was not closed")
    return problems


async def web_person(bot: Bot, token: str, text: str) -> list[str]:
    """The web chat: start, write, read what came, then /slet."""
    port_file = bot.data / "web.port"
    await until(port_file.exists, 30, "the web chat")
    base = f"http://127.0.0.1:{port_file.read_text().strip()}"
    headers = {TOKEN_HEADER: token}
    problems: list[str] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        for seq, value in enumerate(("/start 13-15", f"Hjælp. {text}", "/slet"), start=1):
            answer = await http.post("/api/action", json={"seq": seq, "kind": "text",
                                                          "value": value})
            if answer.status_code >= 400:
                problems.append(f"web action {seq}: HTTP {answer.status_code}")
            await asyncio.sleep(0.5)
        last = 0
        with contextlib.suppress(TimeoutError, httpx.HTTPError):
            async with asyncio.timeout(4), http.stream("GET", "/api/events") as events:
                async for line in events.aiter_lines():
                    if line.startswith("id: "):
                        last = int(line[4:])
        if last:
            await http.post("/api/ack", json={"upto": last})
        else:
            problems.append("the web chat showed nothing")
    return problems


# --- the run ----------------------------------------------------------------------------

async def run(sandbox: Sandbox, folder: Path) -> list[str]:
    await sandbox.reset()
    bot = Bot(sandbox.url, folder)
    try:
        return await _run(sandbox, bot, folder)
    finally:
        bot.stop()


async def _run(sandbox: Sandbox, bot: Bot, folder: Path) -> list[str]:
    token = secrets.token_urlsafe(32)
    marks = canaries(token)
    by_name = {canary.name: canary.value for canary in marks}
    await register(sandbox, by_name["first name"])
    await bot.start()
    keys = Keys(bot.secret)
    problems = await telegram_person(sandbox, {
        "report": by_name["report's own words"], "message": by_name["message text"],
        "consultant": by_name["consultant's text"], "answer": by_name["answer on the report"]})
    problems += await web_person(bot, token, by_name["web text"])
    await until(lambda: settled(bot, sandbox, staff_too=True), 150, "quiet", every=1.0)
    looks = [look(bot, keys, folder, "after /slet, bot running", marks)]
    bot.stop()
    looks.append(look(bot, keys, folder, "after /slet, bot stopped", marks))
    topics_before = len(await sandbox.topics())
    bot.patch = {"CHAOS_DAYS_AHEAD": str(DAYS_AHEAD)}
    await bot.start()
    await until(lambda: settled(bot, sandbox, staff_too=True), 150, "retention's deletions",
                every=1.0)
    looks.append(look(bot, keys, folder, f"after retention ({DAYS_AHEAD} days on), running",
                      marks))
    bot.stop()
    looks.append(look(bot, keys, folder, "after retention, bot stopped", marks))
    topics_after = await sandbox.topics()
    staff_text = json.dumps(await sandbox.staff_messages(), ensure_ascii=False)
    in_group = [c.name for c in marks if c.value in staff_text]

    shown = ", ".join(f"{c.name} {c.value!r}" for c in marks if c.name != "web token")
    lines = [f"canaries: {shown}, web token (43 characters)"]
    if problems:
        lines.append("the script met problems (figures may be incomplete): "
                     + "; ".join(problems))
    expected = {c.name for c in marks if c.kept_until_retention}
    for found in looks:
        unexpected = {name: places for name, places in found.found.items()
                      if not ("retention" not in found.where and name in expected)}
        kept = {name: places for name, places in found.found.items() if name not in unexpected}
        lines.append(f"{found.where}: {len(unexpected)} CANARIES FOUND"
                     + ("".join(f"; {name} in {', '.join(places)}"
                                for name, places in unexpected.items()))
                     + (f" (kept by design until retention: {', '.join(kept)}"
                        f" in {', '.join(sorted({p for ps in kept.values() for p in ps}))})"
                        if kept else "")
                     + f"; {found.sealed_opened} sealed values opened with the secret")
    lines.append(f"staff group (Telegram's storage): {topics_before} topics before retention, "
                 f"{len(topics_after)} after; canaries still readable there: "
                 f"{', '.join(in_group) or 'none'}")
    lines.append(f"retention: the real bot started with its clock {DAYS_AHEAD} days ahead "
                 "(benchmarks.chaos.launch), so that bot.service._retention ran at start: "
                 "Store.prune and Desk.expire_topics, then their deletions were sent")
    return lines
