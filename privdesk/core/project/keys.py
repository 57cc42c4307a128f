"""The project secret: 32 random bytes made when the project is created, never stored in the clear.

The secret keys everything in the project that must stay confidential or unlinkable (the masking
vault, keyed hashes, consistent surrogates). It is stored in the project file wrapped with AES-GCM
under a key-encryption key (KEK), with the project id as associated data, so a wrapped secret copied
into another project does not open there. The KEK comes from one of two places:

- a passphrase: scrypt(passphrase, random salt), expanded with HKDF into the KEK and a key check
  value; the salt, the scrypt parameters and the check value are stored next to the wrapped secret.
  Nothing else is needed to open the project, and the file alone does not reveal the secret. The
  check value tells a wrong passphrase (check differs) from a damaged wrapped secret (check
  matches, GCM fails). Projects made before the check value existed use scrypt's output as the
  KEK directly and still open; they just cannot tell those two cases apart.
- no passphrase: a random KEK in a key file next to the project, `<project file>.key` (for
  `study.privdesk`, `study.privdesk.key`), created with 0600 permissions. Why a separate file rather
  than the raw secret in the project: sharing the project file (say, to let a colleague look at the
  review) does not share the secret, and a wrong or missing key file is noticed (GCM fails, or the
  key file names another project id) instead of silently giving a different secret.

Wrong key files are told apart from corrupt data only by AES-GCM's authentication tag, which is
exactly what it is for.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from privdesk.core.atomic import atomic_path
from privdesk.core.errors import ProjectError

SECRET_BYTES = 32
KEY_FILE_SUFFIX = ".key"
KEY_FILE_FORMAT = "privdesk-project-key"
# scrypt cost, OWASP's minimum (Password Storage Cheat Sheet: N=2^17, r=8, p=1): 128 MiB and about 0.4 s
# per unlock on a laptop core. Stored with every wrapped secret and vault, so older files made with a
# lower cost still open, and it can be raised again later.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
_CHECK_BYTES = 16
_MAX_SCRYPT_N = 2**22  # refuse absurd parameters from a tampered file instead of exhausting memory

Scheme = Literal["passphrase", "keyfile"]


@dataclass(frozen=True)
class WrappedSecret:
    scheme: Scheme
    kdf: dict | None  # scrypt parameters and salt for the passphrase scheme
    nonce: bytes
    wrapped: bytes


def new_secret() -> bytes:
    return os.urandom(SECRET_BYTES)


def key_file_path(project_path: Path) -> Path:
    return project_path.with_name(project_path.name + KEY_FILE_SUFFIX)


def _associated_data(project_id: str) -> bytes:
    return f"privdesk project secret v1 {project_id}".encode("ascii")


def _passphrase_bytes(passphrase: str) -> bytes:
    # The same passphrase typed on another system may arrive in another Unicode normal form.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def check_passphrase(passphrase: str | None, path: Path) -> None:
    if passphrase is not None and not passphrase:
        raise ProjectError("the passphrase is empty.", path=path,
                           hint="Type a passphrase, or create the project without one to use a key file.")


def _scrypt_key(passphrase: str, kdf: dict) -> bytes:
    """scrypt of the NFC-normalised passphrase with the salt and cost in `kdf`."""
    return Scrypt(salt=kdf["salt"], length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(_passphrase_bytes(passphrase))


def _kek_and_check(passphrase: str, kdf: dict, *, checked: bool) -> tuple[bytes, bytes | None]:
    """The KEK and the key check value; unchecked (wrappings made before the check value existed): scrypt's
    output is the KEK and there is no check value."""
    master = _scrypt_key(passphrase, kdf)
    if not checked:
        return master, None
    expanded = HKDF(algorithm=hashes.SHA256(), length=32 + _CHECK_BYTES, salt=None,
                    info=b"privdesk project kek v2").derive(master)
    return expanded[:32], expanded[32:]


def wrap_with_passphrase(secret: bytes, passphrase: str, project_id: str) -> WrappedSecret:
    kdf: dict = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": os.urandom(16)}
    kek, kdf["check"] = _kek_and_check(passphrase, kdf, checked=True)
    nonce = os.urandom(12)
    wrapped = AESGCM(kek).encrypt(nonce, secret, _associated_data(project_id))
    return WrappedSecret("passphrase", kdf, nonce, wrapped)


def wrap_with_key(secret: bytes, kek: bytes, project_id: str) -> WrappedSecret:
    nonce = os.urandom(12)
    return WrappedSecret("keyfile", None, nonce, AESGCM(kek).encrypt(nonce, secret, _associated_data(project_id)))


def kdf_to_json(kdf: dict | None) -> str | None:
    if kdf is None:
        return None
    encoded = {**kdf, "salt": base64.b64encode(kdf["salt"]).decode("ascii")}
    if "check" in kdf:
        encoded["check"] = base64.b64encode(kdf["check"]).decode("ascii")
    return json.dumps(encoded)


def kdf_from_json(text: str | None, path: Path) -> dict | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
        kdf = {"name": data["name"], "n": int(data["n"]), "r": int(data["r"]), "p": int(data["p"]),
               "salt": base64.b64decode(data["salt"], validate=True)}
        if "check" in data:
            kdf["check"] = base64.b64decode(data["check"], validate=True)
            if len(kdf["check"]) != _CHECK_BYTES:
                raise ValueError("the key check value has the wrong length")
    except (ValueError, KeyError, TypeError) as error:
        raise ProjectError(f"the stored key parameters are damaged ({error}).", path=path) from error
    if kdf["name"] != "scrypt" or not (2 <= kdf["n"] <= _MAX_SCRYPT_N) or kdf["n"] & (kdf["n"] - 1) \
            or not (1 <= kdf["r"] <= 32) or not (1 <= kdf["p"] <= 16):
        raise ProjectError("the stored key parameters are not supported by this program.", path=path)
    return kdf


def unwrap_with_passphrase(wrapped: WrappedSecret, passphrase: str, project_id: str, path: Path) -> bytes:
    assert wrapped.kdf is not None
    kek, check = _kek_and_check(passphrase, wrapped.kdf, checked="check" in wrapped.kdf)
    wrong = ProjectError("the passphrase is wrong.", path=path,
                         hint="Type the passphrase this project was created with.")
    if check is not None and not hmac.compare_digest(check, wrapped.kdf["check"]):
        raise wrong
    if len(wrapped.nonce) != 12 or len(wrapped.wrapped) != SECRET_BYTES + 16:
        raise ProjectError("the project's wrapped secret is damaged (it has the wrong length).", path=path,
                           hint="Restore the project file from a backup.")
    try:
        return AESGCM(kek).decrypt(wrapped.nonce, wrapped.wrapped, _associated_data(project_id))
    except InvalidTag:
        if check is None:  # an old wrapping without a check value: the two causes look the same
            raise wrong from None
        raise ProjectError("the passphrase is right, but the project's wrapped secret was damaged or changed.",
                           path=path, hint="Restore the project file from a backup.") from None


def unwrap_with_key(wrapped: WrappedSecret, kek: bytes, project_id: str, key_path: Path) -> bytes:
    try:
        return AESGCM(kek).decrypt(wrapped.nonce, wrapped.wrapped, _associated_data(project_id))
    except InvalidTag:
        raise ProjectError("this key file does not unlock the project's secret.", path=key_path,
                           hint="Put back the key file that was created with the project.") from None


def write_key_file(key_path: Path, kek: bytes, project_id: str) -> None:
    """Write the KEK atomically into a file that is 0600 before the key is in it."""
    payload = {"format": KEY_FILE_FORMAT, "version": 1, "project_id": project_id,
               "kek": base64.b64encode(kek).decode("ascii")}
    with atomic_path(key_path) as tmp:
        try:
            os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
        except OSError:  # filesystems without POSIX modes; the file is still only where the user put the project
            pass
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(json.dumps(payload) + "\n")


def read_key_file(key_path: Path, project_id: str) -> bytes:
    try:
        text = key_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError("the project's key file is missing.", path=key_path,
                           hint="Put the key file that was created with the project next to it.") from None
    except OSError as error:
        raise ProjectError(f"the project's key file cannot be read ({error.strerror}).", path=key_path) from None
    try:
        data = json.loads(text)
        if data.get("format") != KEY_FILE_FORMAT:
            raise ValueError("not a PrivDesk key file")
        owner = str(data["project_id"])
        kek = base64.b64decode(data["kek"], validate=True)
        if len(kek) != 32:
            raise ValueError("wrong key length")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProjectError(f"the key file is damaged ({error}).", path=key_path,
                           hint="Put back the key file that was created with the project.") from None
    if owner != project_id:
        raise ProjectError("this key file belongs to another project.", path=key_path,
                           hint="Put back the key file that was created with this project.")
    return kek
