"""How a rendered message looks to the Bot API: HTML text and an inline keyboard."""

from __future__ import annotations

from typing import Any, Final

from telegram import Message
from telegram.constants import MessageEntityType, ParseMode

from bot.core.content import Rendered

CALLBACK_SEPARATOR: Final = ":"


def telegram_message(rendered: Rendered, prefix: str | None = None) -> dict[str, Any]:
    """Buttons carry `<step>:<choice>` (the person's flow) or `<prefix><choice>` (the desk)."""
    params: dict[str, Any] = {
        "text": rendered.text,
        "parse_mode": ParseMode.HTML,
        "link_preview_options": {"is_disabled": True},
    }
    head = prefix if prefix is not None else f"{rendered.step}{CALLBACK_SEPARATOR}"
    if rendered.buttons:
        params["reply_markup"] = {"inline_keyboard": [
            [{"text": b.label, "callback_data": head + b.choice} for b in row]
            for row in rendered.buttons
        ]}
    return params


def command_of(message: Message) -> tuple[str | None, str]:
    """`/name@bot argument` -> (name, argument); (None, "") when the text is no command."""
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity and entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
        name = text[1 : entity.length].split("@", 1)[0].lower()
        return name, text[entity.length :].strip()
    return None, ""
