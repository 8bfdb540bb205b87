"""A typed slash command, read the same way whatever the channel."""

from __future__ import annotations

import re
from typing import Final

_COMMAND: Final = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def command_of_text(text: str) -> tuple[str | None, str]:
    """`/name@bot argument` -> (name, argument); (None, "") when the text is no command."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None, ""
    return match[1].lower(), (match[2] or "").strip()
