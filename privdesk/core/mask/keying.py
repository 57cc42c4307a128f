"""Keys derived from the project secret, and the normal form of a value that keyed operators see.

Every keyed operator gets its own subkey (HKDF with a purpose label), so a hash never reveals
anything about a surrogate seed or an encryption key made from the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_BYTES = 32

# Types whose values are codes: "612-928-6690" and "(612) 928 6690" are the same number.
_CODE_TYPES = frozenset({
    "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER",
    "MEDICAL_LICENSE", "ZIP_CODE",
})
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_SPACES = re.compile(r"\s+", re.UNICODE)


def check_secret(secret: bytes) -> bytes:
    if not isinstance(secret, (bytes, bytearray)) or len(secret) < 16:
        raise ValueError("the project secret must be at least 16 bytes")
    return bytes(secret)


def subkey(secret: bytes, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose, derived from the project secret with HKDF-SHA-256."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
                info=f"privdesk mask v1 {purpose}".encode("ascii")).derive(check_secret(secret))


def normalise_value(entity_type: str, text: str) -> str:
    """The form in which two spellings of one value count as the same value.

    Unicode compatibility form, case folded, runs of spaces collapsed; for code-like types only the
    letters and digits count.
    """
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    if entity_type in _CODE_TYPES:
        return _NOT_ALNUM.sub("", text)
    return _SPACES.sub(" ", text)


class KeyedDigest:
    """HMAC-SHA-256 under a purpose-specific subkey of the project secret."""

    def __init__(self, secret: bytes, purpose: str):
        self._key = subkey(secret, purpose)

    def digest(self, *parts: str) -> bytes:
        # The unit separator cannot be typed into a cell by accident, so ("a", "bc") != ("ab", "c").
        message = "\x1f".join(parts).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def integer(self, *parts: str) -> int:
        return int.from_bytes(self.digest(*parts)[:8], "big")


def secret_binding_id(secret: bytes) -> str:
    """A public name for a secret (a vault made without a project is bound to it); reveals nothing of it."""
    return "secret-" + KeyedDigest(secret, "binding id").digest("id")[:10].hex()
