"""Case codes: short, readable, random secrets that open a report without naming its author."""

from __future__ import annotations

import re
import secrets
from typing import Final

# No 0/O, 1/I/L: nothing that reads as something else on a phone screen.
ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH: Final = 9  # 9 * log2(31) = 44.6 bits of randomness
GROUP: Final = 3


def new_code() -> str:
    """A fresh code, shown in groups: `K7M-Q2X-9TB`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize(typed: str) -> str | None:
    """What a person typed, as the code it means; None when it cannot be one."""
    compact = re.sub(r"[\s\-_.]", "", typed).upper()
    if len(compact) != LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact
