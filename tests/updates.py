"""Bot API updates of every type, built from the machine-readable spec (sandbox/spec/api.json),
with odd field values: hypothesis strategies shared by tests/test_generated_updates.py and the
chaos run (benchmarks/chaos/).

Every object has the fields the spec requires, with the spec's types, and a few of its optional
fields. The values are odd but of the kind Telegram can send: text of any script and length,
commands with and without arguments, button data a modified client can forge (`²:report`, a
case number with 40 digits), names with markup and control characters, ids at the edges of their
ranges, dates at zero and at 2038, entities that point past the text. What Telegram itself never
sends (a wrong type, a missing required field, NaN) is not generated: the bot may rely on the
Bot API's own promises.

`updates()` draws `{kind: payload}`, the body of the sandbox's `POST /sandbox/update` (the
sandbox adds the update id).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from hypothesis import strategies as st

from flows.case import OUTCOMES
from sandbox.spec import spec
from sandbox.world import BOT_ID, CONSULTANTS, STAFF_GROUP_ID

if TYPE_CHECKING:
    from sandbox.server import SandboxThread

ARRAY: Final = "Array of "
OPTIONAL_AT_MOST: Final = (4, 2, 1)  # optional fields drawn per object, by depth
DEEPEST: Final = 5  # below this only required fields, and arrays are empty
_ENUM = re.compile(r'"([a-z_]+)"')
_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)")

# Message fields that carry what a person said or sent (the bot answers these in a private
# chat), and those that only tell what happened (the bot may ignore them).
CONTENT: Final = ("animation", "audio", "document", "live_photo", "paid_media", "photo",
                  "sticker", "story", "video", "video_note", "voice", "checklist", "contact",
                  "dice", "game", "poll", "venue", "location")
SERVICE_EXTRA: Final = ("new_chat_members", "left_chat_member", "new_chat_title",
                        "new_chat_photo", "migrate_to_chat_id", "migrate_from_chat_id",
                        "pinned_message", "invoice", "successful_payment", "refunded_payment",
                        "connected_website", "passport_data", "giveaway", "giveaway_winners")
COMMANDS: Final = ("/start", "/start 13-15", "/start 10-12", "/start 16-19", "/start foraelder",
                   "/start fagperson", "/start ukendt", "/start@ssp_ballerup_bot", "/menu",
                   "/hjaelp", "/privatliv", "/slet", "/sag", "/sag ABC-DEF-GHJ",
                   "/sag 2222-3333", "/sager", "/luk", "/besvar hej", "/svar snapchat",
                   "/svar findesikke", "/note x", "/statistik", "/xyz", "/", "/START",
                   "/start@en_anden_bot", "/menu extra ord", "/slet nu")
ODD_TEXT: Final = ("", " ", "\n\n", "\u200b", "\u202eabc", "²", "١٢٣", "１２３", "½", "<b>fed</b>",
                   "&amp; &lt;", "<script>alert(1)</script>", "</i>", "😀👍🏽‍👩‍👩‍👧", "ÆØÅ æøå",
                   "a\x00b", "\x1b[31m", "Z̷̛a̸l̶g̴o", "// note", "ABC-DEF-GHJ", "hej", "Hej!",
                   "Jeg bliver mobbet på Snap", "https://t.me/x", "@ssp_ballerup_bot",
                   "#hashtag", "'; DROP TABLE cases; --", "%s %d {0} {{x}}", "\\", "\t",
                   "\ufeff", "\ud7ff", "\U0001f9d1\u200d\U0001f4bb", "0", "-1", "9" * 40)
# The choices the flows and the desk put on their buttons, to forge data that nearly fits.
CHOICES: Final = ("report", "consultant", "consultant_now", "send", "yes", "no", "back",
                  "cancel", "hide", "menu", "skip", "continue", "claim", "close", "take_over",
                  "advice", "bullying", "teen", "child", "start_chat", "end", "x", "")


STAFF_CHAT: Final = {"id": STAFF_GROUP_ID, "type": "supergroup",
                     "title": "SSP Ballerup · konsulenter", "is_forum": True}
STAFF_TEXTS: Final = ("/sager", "/statistik", "/luk", "/besvar", "/besvar Tak for din besked",
                      "/svar", "/svar snapchat", "/svar findesikke", "/note intern", "// intern",
                      "/start", "/sager@ssp_ballerup_bot", "Hej, hvordan går det?", "/slet")


def private_ids(first: int, count: int) -> list[int]:
    return list(range(first, first + count))


# --- values -------------------------------------------------------------------------------

def texts(max_repeat: int = 1400) -> st.SearchStrategy[str]:
    """Any text a person can type: scripts, markup, control characters, commands, long."""
    return st.one_of(
        st.sampled_from(ODD_TEXT),
        st.sampled_from(COMMANDS),
        st.text(max_size=40),
        st.builds(lambda piece, times: piece * times,
                  st.text(min_size=1, max_size=5), st.integers(100, max_repeat)),
        st.builds(lambda head, tail: head + " " + tail, st.sampled_from(COMMANDS),
                  st.text(max_size=20)),
    )


def short_texts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=20))


def callback_data() -> st.SearchStrategy[str]:
    """Button data as the bot's own buttons carry it, nearly, and forged (1-64 bytes)."""
    steps = st.one_of(st.integers(-3, 40).map(str), st.sampled_from(
        ["²", "١", "１", "0" * 12, "9" * 40, "", "-1", "1.5", " 1", "x"]))
    return st.one_of(
        st.builds(lambda step, choice: f"{step}:{choice}", steps, st.sampled_from(CHOICES)),
        st.builds(lambda case, choice: f"c:{case}:{choice}", st.one_of(
            st.integers(0, 5).map(str), st.sampled_from(["²", "9" * 40, "-1", "", "01"])),
            st.sampled_from(CHOICES)),
        st.text(min_size=1, max_size=16),
    ).map(lambda data: data.encode()[:64].decode(errors="ignore") or "x")


def integers(name: str, description: str = "") -> st.SearchStrategy[int]:
    if name == "date" or name.endswith("_date") or "Unix time" in description:
        return st.one_of(st.integers(0, 2**31 - 1), st.sampled_from([0, 1, 2**31 - 1, 2**32]))
    if "seconds" in description or "duration" in name:
        return st.one_of(st.integers(0, 3600), st.sampled_from([0, 2**31 - 1]))
    if name.endswith("message_id") or name == "message_thread_id":
        return st.one_of(st.integers(1, 50), st.integers(1, 2**31 - 1))
    if name == "id" or name.endswith("_id"):
        return st.one_of(st.integers(-(2**52), 2**52), st.sampled_from([0, 1, -1, 2**52]))
    return st.one_of(st.integers(-1000, 1000), st.integers(-(2**53), 2**53))


def users(private: Sequence[int] | None) -> st.SearchStrategy[dict[str, Any]]:
    ids = st.one_of(
        st.sampled_from(private) if private else st.integers(1, 2**52),
        st.sampled_from([uid for uid, _ in CONSULTANTS]),
        st.integers(1, 2**52), st.just(BOT_ID))
    return st.fixed_dictionaries(
        {"id": ids, "is_bot": st.sampled_from([False, False, False, True]),
         "first_name": short_texts()},
        optional={"last_name": short_texts(), "username": short_texts(),
                  "language_code": st.sampled_from(["da", "en", "", "zz-ZZ", "da-DK"]),
                  "is_premium": st.booleans()})


def staff_members(private: Sequence[int] | None) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly the consultants on the staff list; sometimes someone else, or a bot."""
    consultants = st.sampled_from([{"id": uid, "is_bot": False, "first_name": name}
                                   for uid, name in CONSULTANTS]).map(dict)
    return st.one_of(consultants, consultants, consultants, users(private))


def threads() -> st.SearchStrategy[int]:
    """Topics: the first few (where cases are), the general one, or far out."""
    return st.one_of(st.integers(1, 12), st.integers(1, 12), st.integers(1, 2**31 - 1))


def chats(private: Sequence[int] | None) -> st.SearchStrategy[dict[str, Any]]:
    private_ids_ = st.sampled_from(private) if private else st.integers(1, 2**52)
    private_chat = st.fixed_dictionaries(
        {"id": private_ids_, "type": st.just("private")},
        optional={"first_name": short_texts(), "last_name": short_texts(),
                  "username": short_texts()})
    group = st.fixed_dictionaries(
        {"id": st.integers(-(2**40), -1), "type": st.just("group"), "title": short_texts()})
    supergroup = st.fixed_dictionaries(
        {"id": st.one_of(st.just(STAFF_GROUP_ID),
                         st.integers(-1009999999999999, -1000000000000)),
         "type": st.just("supergroup"), "title": short_texts()},
        optional={"is_forum": st.booleans(), "username": short_texts()})
    channel = st.fixed_dictionaries(
        {"id": st.integers(-1009999999999999, -1000000000000), "type": st.just("channel"),
         "title": short_texts()})
    # Mostly private chats (what the bot answers), then the staff group and the rest.
    return st.sampled_from(["private"] * 6 + ["supergroup"] * 2 + ["group", "channel"]).flatmap(
        lambda kind: {"private": private_chat, "group": group, "supergroup": supergroup,
                      "channel": channel}[kind])


def entities(text: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Telegram's own entity for a command, or odd ones (past the end, zero length)."""
    length = len(text.encode("utf-16-le")) // 2
    command = text.split(" ", 1)[0] if text.startswith("/") else ""
    own = ([{"type": "bot_command", "offset": 0,
             "length": len(command.encode("utf-16-le")) // 2}] if command else [])
    odd = st.lists(st.fixed_dictionaries({
        "type": st.sampled_from(["bot_command", "bold", "mention", "text_link", "url",
                                 "spoiler", "blockquote", "custom_emoji"]),
        "offset": st.one_of(st.integers(0, max(length, 1)), st.integers(-5, 10_000)),
        "length": st.one_of(st.integers(0, max(length, 1)), st.integers(-5, 10_000))}),
        max_size=3)
    return st.one_of(st.just(own), st.just(own), odd)


# --- objects from the spec -------------------------------------------------------------------

def _types() -> dict[str, Any]:
    return spec()["types"]  # type: ignore[no-any-return]


@cache
def _heights() -> dict[str, float]:
    """How deep a type's required fields go at least (a union: its shallowest member), arrays
    counted as empty: deep down, only the shallowest members are drawn, so that nothing
    recurses for ever."""
    types = _types()
    height: dict[str, float] = {name: float("inf") for name in types}
    changed = True
    while changed:
        changed = False
        for name, definition in types.items():
            if "subtypes" in definition:
                new = min(height.get(sub, 0) for sub in definition["subtypes"])
            else:
                new = 1 + max([height[kind] for field in definition.get("fields", [])
                               if field["required"] for kind in field["types"][:1]
                               if kind in types], default=0)
            if new < height[name]:
                height[name] = new
                changed = True
    return height


@cache
def _service_fields() -> tuple[str, ...]:
    return tuple(f["name"] for f in _types()["Message"]["fields"]
                 if "Service message" in f["description"] or f["name"] in SERVICE_EXTRA)


def _inner(kind: str) -> str:
    while kind.startswith(ARRAY):
        kind = kind.removeprefix(ARRAY)
    return kind


class Builder:
    """Strategies for the spec's types, cached by type and depth."""

    def __init__(self, private: Sequence[int] | None = None) -> None:
        self.private = list(private) if private else None
        self._cache: dict[tuple[str, int], st.SearchStrategy[Any]] = {}

    def update(self) -> st.SearchStrategy[dict[str, Any]]:
        fields = [f for f in _types()["Update"]["fields"] if f["name"] != "update_id"]
        # Every kind of update; messages and button presses (what people do) most often.
        weighted = [f for f in fields for _ in range(
            6 if f["name"] in ("message", "callback_query") else 1)]
        generic = st.sampled_from(weighted).flatmap(
            lambda field: self.of(field["types"][0], 0).map(
                lambda payload, name=field["name"]: {name: payload}))
        # And what consultants do in the staff group, which has a handler of its own.
        return st.one_of(generic, generic, generic, generic, self.staff_message(),
                         self.staff_press())

    def staff_message(self) -> st.SearchStrategy[dict[str, Any]]:
        """A consultant (or someone else) writes in the staff group, in a topic or not."""
        text = st.one_of(st.sampled_from(STAFF_TEXTS), texts())
        return st.fixed_dictionaries({
            "message_id": integers("message_id"), "date": integers("date"),
            "chat": st.just(STAFF_CHAT).map(dict), "from": staff_members(self.private),
        }, optional={
            "text": text, "message_thread_id": threads(), "is_topic_message": st.booleans(),
            "photo": self.of("Array of PhotoSize", 1),
            "reply_to_message": self.of("Message", 2),
        }).map(lambda body: {"message": body})

    def staff_press(self) -> st.SearchStrategy[dict[str, Any]]:
        """A button in the staff group pressed: the desk's own data, nearly, or forged."""
        pressed = st.fixed_dictionaries({
            "message_id": integers("message_id"), "date": integers("date"),
            "chat": st.just(STAFF_CHAT).map(dict),
            "from": st.just({"id": BOT_ID, "is_bot": True, "first_name": "SSP Ballerup"}).map(dict),
            "text": short_texts()}, optional={"message_thread_id": threads()})
        data = st.one_of(
            st.builds(lambda case, choice: f"c:{case}:{choice}", st.one_of(
                st.integers(0, 6), st.integers(0, 2**70), st.sampled_from(["²", "-1", "01"])),
                st.sampled_from((*CHOICES, *OUTCOMES))),
            callback_data())
        return st.fixed_dictionaries({
            "id": short_texts(), "from": staff_members(self.private),
            "chat_instance": short_texts(), "data": data,
        }, optional={"message": pressed}).map(lambda body: {"callback_query": body})

    def of(self, kind: str, depth: int) -> st.SearchStrategy[Any]:
        key = (kind, depth)
        if key not in self._cache:
            self._cache[key] = self._build(kind, depth)
        return self._cache[key]

    def _build(self, kind: str, depth: int) -> st.SearchStrategy[Any]:
        if kind.startswith(ARRAY):
            if depth >= DEEPEST:
                return st.just([])
            return st.lists(self.of(kind.removeprefix(ARRAY), depth + 1), max_size=2)
        if kind in ("Integer", "String", "Float", "Boolean", "True"):
            return self.value(kind, "", "")
        if kind == "Chat":
            return chats(self.private)
        if kind == "User":
            return users(self.private)
        if kind == "Message":
            return self.message(depth)
        if kind == "CallbackQuery":  # mostly pressed on a message the bot sent
            return st.tuples(self.object(kind, depth), st.one_of(
                self.of("MaybeInaccessibleMessage", depth + 1).map(lambda m: {"message": m}),
                self.of("MaybeInaccessibleMessage", depth + 1).map(lambda m: {"message": m}),
                self.of("MaybeInaccessibleMessage", depth + 1).map(lambda m: {"message": m}),
                st.just({}))).map(lambda pair: {**pair[0], **pair[1]})
        definition = _types()[kind]
        if "subtypes" in definition:
            members = definition["subtypes"]
            if depth >= DEEPEST:
                lowest = min(_heights().get(m, 0) for m in members)
                members = [m for m in members if _heights().get(m, 0) == lowest]
            return st.one_of(*(self.of(member, depth) for member in members))
        return self.object(kind, depth)

    def object(self, kind: str, depth: int, skip: Iterable[str] = ()) -> st.SearchStrategy[Any]:
        fields = [f for f in _types()[kind].get("fields", []) if f["name"] not in set(skip)]
        required = {f["name"]: self.field(kind, f, depth) for f in fields if f["required"]}
        optional = [f for f in fields if not f["required"]]
        most = OPTIONAL_AT_MOST[depth] if depth < len(OPTIONAL_AT_MOST) else 0
        if not optional or not most:
            return st.fixed_dictionaries(required)
        return st.lists(st.sampled_from(optional), max_size=most,
                        unique_by=lambda f: f["name"]).flatmap(
            lambda chosen: st.fixed_dictionaries({
                **required, **{f["name"]: self.field(kind, f, depth) for f in chosen}}))

    def field(self, owner: str, field: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        name, kind = field["name"], field["types"][0]
        if owner == "InaccessibleMessage" and name == "date":
            return st.just(0)
        if owner == "CallbackQuery" and name == "data":
            return callback_data()
        if kind in ("Integer", "String", "Float", "Boolean", "True"):
            return self.value(kind, name, field["description"])
        return self.of(kind, depth + 1)

    @staticmethod
    def value(kind: str, name: str, description: str) -> st.SearchStrategy[Any]:
        if kind == "Integer":
            return integers(name, description)
        if kind == "Float":
            return st.floats(allow_nan=False, allow_infinity=False, width=32)
        if kind == "Boolean":
            return st.booleans()
        if kind == "True":
            return st.just(True)
        enum = _ENUM.findall(description)
        if (enum and name in ("type", "status", "source", "emoji")) or (
                enum and "can be" in description):
            return st.one_of(st.sampled_from(enum), st.sampled_from(enum), short_texts())
        if name in ("text", "caption", "query", "quote"):
            return texts()
        limit = _LIMIT.search(description)
        if limit:
            high = int(limit[2])
            return short_texts().map(lambda value: value.encode()[:high].decode(
                errors="ignore"))
        return short_texts()

    def message(self, depth: int) -> st.SearchStrategy[dict[str, Any]]:
        """A message: its required fields, mostly text (often a command), else content or a
        service notice, and a few other optional fields."""
        service = _service_fields()
        base = self.object("Message", depth, skip=("text", "entities", *CONTENT, *service))
        by_name = {f["name"]: f for f in _types()["Message"]["fields"]}
        text = texts().flatmap(lambda value: entities(value).map(
            lambda found, value=value: {"text": value, **({"entities": found} if found else {})}))
        if depth >= 2:  # a reply, a pinned message: a short text is enough
            content: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
                {"text": short_texts()})
        else:
            content = st.one_of(
                text, text, text,
                st.sampled_from(CONTENT).flatmap(lambda name: self.field(
                    "Message", by_name[name], depth).map(lambda value, name=name: {name: value})),
                st.sampled_from(service).flatmap(lambda name: self.field(
                    "Message", by_name[name], depth).map(lambda value, name=name: {name: value})),
                st.just({}))
        return st.tuples(base, content).map(lambda pair: {**pair[0], **pair[1]})


def updates(private: Sequence[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """`{kind: payload}` for any kind of update; private chats' ids from `private` if given."""
    return Builder(private).update()


# --- what the bot should do with one ----------------------------------------------------------

def kind_of(update: dict[str, Any]) -> str:
    return next(iter(update))


def private_chat_of(update: dict[str, Any]) -> dict[str, Any] | None:
    """The private chat a message or a button press came from, if any."""
    kind, payload = next(iter(update.items()))
    message = payload.get("message") if kind == "callback_query" else (
        payload if kind == "message" else None)
    chat = message.get("chat") if isinstance(message, dict) else None
    return chat if isinstance(chat, dict) and chat.get("type") == "private" else None


def expects_answer(update: dict[str, Any]) -> bool:
    """A private message with something said or sent, or a button pressed in a private chat:
    the bot must answer in Danish. Anything else it may answer or ignore."""
    if private_chat_of(update) is None:
        return False
    kind, payload = next(iter(update.items()))
    if kind == "callback_query":
        return True
    if any(name in payload for name in _service_fields()):
        return False
    return "text" in payload or any(name in payload for name in CONTENT)


def set_private_chat(update: dict[str, Any], chat_id: int) -> None:
    """Move a private message or button press to another chat (the person's id with it)."""
    chat = private_chat_of(update)
    assert chat is not None
    chat["id"] = chat_id
    kind, payload = next(iter(update.items()))
    sender = payload.get("from")
    message = payload.get("message") if kind == "callback_query" else payload
    if isinstance(sender, dict):
        sender["id"] = chat_id
    if isinstance(message, dict) and isinstance(message.get("from"), dict) and (
            kind == "message"):
        message["from"]["id"] = chat_id


# --- the people the updates come from ---------------------------------------------------------

def register_people(sandbox: SandboxThread, ids: Iterable[int]) -> None:
    """Make the people exist in the sandbox's Telegram (a user and a private chat each), so
    that the bot's answers to them arrive instead of meeting "chat not found". Done on the
    sandbox's own loop, as one of its requests would be."""
    world = sandbox.sandbox.world

    async def add() -> None:
        for user_id in ids:
            if user_id not in world.chats:
                world.add_user(user_id, f"Generated{user_id % 1000}")

    asyncio.run_coroutine_threadsafe(add(), sandbox.loop).result(timeout=30)
