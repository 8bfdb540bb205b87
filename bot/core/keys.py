"""Keyed hashes and encryption that keep chat ids out of the database in readable form."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_BYTES: Final = 32


def _derive(secret: bytes, purpose: str) -> bytes:
    """One configured secret, a separate key per purpose (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(secret)


class Keys:
    """The two operations the privacy model needs: a keyed hash and sealed payloads."""

    def __init__(self, secret: bytes) -> None:
        self._hash_key = _derive(secret, "sspbot chat key v1")
        self._code_key = _derive(secret, "sspbot case code v1")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, "sspbot seal v1")))

    def chat_key(self, chat_id: int) -> str:
        """HMAC-SHA256 of a chat id: stable per chat, meaningless without the secret."""
        digest = hmac.new(self._hash_key, str(chat_id).encode(), hashlib.sha256)
        return digest.hexdigest()

    def code_hash(self, normalized_code: str) -> str:
        """The only form in which a case code is stored."""
        return hmac.new(self._code_key, normalized_code.encode(), hashlib.sha256).hexdigest()

    def seal(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def open(self, sealed: bytes) -> bytes:
        return self._fernet.decrypt(sealed)
