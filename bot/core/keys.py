"""Keyed hashes and encryption that keep chat ids out of the database in readable form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Final

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12
# Sealed values start with this byte; older ones are Fernet tokens, which start with 0x80 once
# decoded and carry the second they were made in clear. New values carry no time at all.
_AES_GCM: Final = b"\x01"


def _derive(secret: bytes, purpose: str) -> bytes:
    """One configured secret, a separate key per purpose (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(secret)


class Keys:
    """The operations the privacy model needs: keyed hashes and sealed payloads."""

    def __init__(self, secret: bytes) -> None:
        self._hash_key = _derive(secret, "sspbot chat key v1")
        self._web_key = _derive(secret, "sspbot web chat key v1")
        self._code_key = _derive(secret, "sspbot case code v1")
        self._fingerprint_key = _derive(secret, "sspbot update fingerprint v1")
        seal_key = _derive(secret, "sspbot seal v1")
        self._aead = AESGCM(seal_key)
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))

    def chat_key(self, chat_id: int) -> str:
        """HMAC-SHA256 of a Telegram chat id: stable per chat, meaningless without the secret."""
        return hmac.new(self._hash_key, str(chat_id).encode(), hashlib.sha256).hexdigest()

    def web_key(self, token: str) -> str:
        """HMAC-SHA256 of a web chat's browser token, under a key of its own: the server keeps
        only this, and it can never equal a Telegram chat's key."""
        return hmac.new(self._web_key, token.encode(), hashlib.sha256).hexdigest()

    def code_hash(self, normalized_code: str) -> str:
        """The only form in which a case code is stored."""
        return hmac.new(self._code_key, normalized_code.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, raw: bytes) -> str:
        """A keyed hash of an update as received: the same update twice, or two different."""
        return hmac.new(self._fingerprint_key, raw, hashlib.sha256).hexdigest()[:32]

    def seal(self, plain: bytes) -> bytes:
        """AES-256-GCM with a random nonce: no time stamp, unlike Fernet."""
        nonce = os.urandom(_NONCE_BYTES)
        return _AES_GCM + nonce + self._aead.encrypt(nonce, plain, None)

    def open(self, sealed: bytes) -> bytes:
        if sealed[:1] == _AES_GCM:
            nonce = sealed[1 : 1 + _NONCE_BYTES]
            return self._aead.decrypt(nonce, sealed[1 + _NONCE_BYTES :], None)
        return self._fernet.decrypt(sealed)  # written by an earlier release
