"""How a rendered message looks to the Bot API: HTML text, an inline keyboard, and pieces
that fit Telegram's limits."""

from __future__ import annotations

import html
import re
from typing import Any, Final

from telegram import Message
from telegram.constants import MessageEntityType, ParseMode

from bot.core.content import Rendered

CALLBACK_SEPARATOR: Final = ":"
TEXT_LIMIT: Final = 4096  # UTF-16 code units of the text Telegram shows (after the markup)
CAPTION_LIMIT: Final = 1024
_ATOM = re.compile(r"<[^>]*>|&[#\w]+;|\s+|[^\s<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def telegram_message(rendered: Rendered, prefix: str | None = None) -> dict[str, Any]:
    """Buttons carry `<step>:<choice>` (the person's flow) or `<prefix><choice>` (the desk)."""
    params: dict[str, Any] = {
        "text": rendered.text,
        "parse_mode": ParseMode.HTML,
        "link_preview_options": {"is_disabled": True},
    }
    head = prefix if prefix is not None else f"{rendered.step}{CALLBACK_SEPARATOR}"
    if rendered.buttons:
        params["reply_markup"] = keyboard(rendered, head)
    return params


def keyboard(rendered: Rendered, head: str) -> dict[str, Any]:
    return {"inline_keyboard": [
        [{"text": b.label, "callback_data": head + b.choice} for b in row]
        for row in rendered.buttons
    ]}


def command_of(message: Message) -> tuple[str | None, str]:
    """`/name@bot argument` -> (name, argument); (None, "") when the text is no command."""
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity and entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
        name = text[1 : entity.length].split("@", 1)[0].lower()
        return name, text[entity.length :].strip()
    return None, ""


def shown_length(text: str) -> int:
    """What Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram HTML cut into messages of at most `limit` shown characters, between words
    where it can (inside a word only when the word alone is longer), never inside a tag or an
    entity; tags open at a cut are closed before it and opened again after it."""
    if shown_length(visible_text(text)) <= limit:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    opened: list[tuple[str, str]] = []  # (name, the opening tag as written)

    def cut() -> None:
        nonlocal current, length
        body = "".join(current).rstrip()
        if body:
            closing = "".join(f"</{name}>" for name, _ in reversed(opened))
            pieces.append(body + closing)
        current = [tag for _, tag in opened]
        length = 0

    for atom in _ATOM.findall(text):
        if atom.startswith("<") and len(atom) > 1:
            _track(opened, atom)
            current.append(atom)
            continue
        size = shown_length(html.unescape(atom)) if atom.startswith("&") else shown_length(atom)
        if atom.isspace():
            if length and length + size <= limit:
                current.append(atom)
                length += size
            continue
        if length + size > limit and length:
            cut()
        while size > limit:  # one word longer than a message
            head, atom = _cut_word(atom, limit - length)
            current.append(head)
            cut()
            size = shown_length(atom)
        current.append(atom)
        length += size
    cut()
    return pieces


def visible_text(text: str) -> str:
    """What Telegram shows of HTML text: no tags, entities as the characters they stand for."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def _track(opened: list[tuple[str, str]], tag: str) -> None:
    match = _TAG_NAME.match(tag)
    if match is None or tag.endswith("/>"):
        return
    name = match.group(1).lower()
    if tag.startswith("</"):
        for index in range(len(opened) - 1, -1, -1):
            if opened[index][0] == name:
                del opened[index]
                break
    else:
        opened.append((name, tag))


def _cut_word(word: str, room: int) -> tuple[str, str]:
    """The longest head of `word` within `room` shown characters, and the rest."""
    room = max(room, 1)
    end = 0
    used = 0
    for index, char in enumerate(word):
        size = shown_length(char)
        if used + size > room:
            break
        used += size
        end = index + 1
    end = max(end, 1)
    return word[:end], word[end:]
