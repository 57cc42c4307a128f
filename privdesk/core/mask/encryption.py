"""Reversible, authenticated encryption of single values under a key derived from the project secret.

Two modes, both authenticated (a changed ciphertext fails to decrypt instead of giving garbage):

- "siv": AES-SIV (RFC 5297), deterministic: the same value of the same entity type always gives the
  same ciphertext, so encrypted columns can still be joined and counted;
- "gcm": AES-GCM with a random 96-bit nonce: the same value gives a different ciphertext each time.

The entity type is authenticated with the value, so a ciphertext moved to a column of another type
does not decrypt. Ciphertexts are written as URL-safe base64 without padding, so they stay one
token in text and CSV.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

from privdesk.core.mask.keying import subkey

Mode = Literal["siv", "gcm"]
_NONCE_BYTES = 12


class ValueCipher:
    def __init__(self, secret: bytes, mode: Mode = "siv"):
        if mode not in ("siv", "gcm"):
            raise ValueError(f"unknown encryption mode {mode!r}")
        self.mode = mode
        if mode == "siv":
            self._siv = AESSIV(subkey(secret, "encrypt aes-siv", 64))
        else:
            self._gcm = AESGCM(subkey(secret, "encrypt aes-gcm", 32))

    @staticmethod
    def _associated(entity_type: str) -> bytes:
        return f"privdesk value {entity_type}".encode("utf-8")

    def encrypt(self, value: str, entity_type: str) -> str:
        plaintext = value.encode("utf-8", "surrogatepass")
        if self.mode == "siv":
            sealed = self._siv.encrypt(plaintext, [self._associated(entity_type)])
        else:
            nonce = os.urandom(_NONCE_BYTES)
            sealed = nonce + self._gcm.encrypt(nonce, plaintext, self._associated(entity_type))
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def decrypt(self, token: str, entity_type: str) -> str:
        """The original value; ValueError when the token is not a ciphertext of this key and entity type."""
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("not a PrivDesk ciphertext (bad base64)") from None
        try:
            if self.mode == "siv":
                plaintext = self._siv.decrypt(sealed, [self._associated(entity_type)])
            else:
                plaintext = self._gcm.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], self._associated(entity_type))
        except (InvalidTag, ValueError):
            raise ValueError("the ciphertext does not decrypt with this key and entity type") from None
        return plaintext.decode("utf-8", "surrogatepass")


def decrypt_value(token: str, secret: bytes, entity_type: str, mode: Mode = "siv") -> str:
    """Undo the encrypt operator for one value (needs the project secret)."""
    return ValueCipher(secret, mode).decrypt(token, entity_type)
