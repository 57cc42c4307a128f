"""Cryptography: scrypt at or above OWASP's minimum, fresh salts and nonces, AES-GCM / AES-SIV only, files
0600, a distinct clear error for a wrong passphrase, a truncated file and a flipped bit, and no key or
passphrase in the logs.

What each file is checked with is read from the file itself (the vault's header, the project file's
secret_key row, the run folder's key.json), parsed here independently of the code that wrote it.
(Fresh nonces of the encrypt operator's AES-GCM mode: tests/core/test_mask_operators.py.)
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import logging
import os
import sqlite3
import stat
import struct
import sys
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from privdesk.core.errors import PrivDeskError, ProjectError
from privdesk.core.mask import (OperatorSpec, Policy, Replacement, VaultError, VaultReader, VaultWriter, export_dataset,
                                reidentify_file)
from privdesk.core.mask import vault as vault_module
from privdesk.core.mask.secret_file import load_or_create_secret
from privdesk.core.project import Project
from privdesk.core.project import keys
from privdesk.core.train import SealKey, TrainingError
from privdesk.core.train import sealing
from privdesk.core.types import Span

# OWASP Password Storage Cheat Sheet: scrypt with a minimum CPU/memory cost of 2^17, block size 8, parallelism 1.
OWASP_MINIMUM = {"n": 2**17, "r": 8, "p": 1}
PASSPHRASE = "correct horse battery staple"
SOURCE = Path(__file__).resolve().parents[2] / "privdesk"
POSIX = sys.platform != "win32"


def scrypt_cost_is_enough(n: int, r: int, p: int) -> bool:
    """At least OWASP's memory cost (128 * N * r bytes) and iteration count, with N a power of two."""
    return n >= OWASP_MINIMUM["n"] and n & (n - 1) == 0 and r >= OWASP_MINIMUM["r"] and p >= OWASP_MINIMUM["p"]


# ---- independent readers of the formats ---------------------------------------------------------------------


def parse_vault(path: Path) -> tuple[bytes, dict, list[bytes]]:
    """(header bytes, header, sealed chunks) of a vault: MAGIC | u32 length | JSON header | (u32 length | chunk)*."""
    data = path.read_bytes()
    assert data[:8] == b"PDVAULT\x01"
    (length,) = struct.unpack(">I", data[8:12])
    header_bytes = data[12:12 + length]
    chunks, position = [], 12 + length
    while position < len(data):
        (size,) = struct.unpack(">I", data[position:position + 4])
        chunks.append(data[position + 4:position + 4 + size])
        position += 4 + size
    return header_bytes, json.loads(header_bytes), chunks


def vault_key(header: dict, passphrase: str) -> bytes:
    """The vault's AES key as its docstring defines it: HKDF(scrypt(NFC passphrase)), first 32 bytes."""
    kdf = header["kdf"]
    master = Scrypt(salt=base64.b64decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
        unicodedata.normalize("NFC", passphrase).encode())
    return HKDF(algorithm=hashes.SHA256(), length=48, salt=None, info=b"privdesk vault v1 keys").derive(master)[:32]


def project_kdf(project_path: Path) -> dict:
    with sqlite3.connect(project_path) as conn:
        scheme, kdf = conn.execute("SELECT scheme, kdf FROM secret_key WHERE id = 1").fetchone()
    assert scheme == "passphrase"
    return json.loads(kdf)


def write_vault(path: Path, passphrase: str = PASSPHRASE, entries: int = 3) -> None:
    writer = VaultWriter(path, passphrase, project_id="project-1", meta={"output_format": "csv"})
    for index in range(entries):
        original = f"Jane Roe number {index:06d}"
        writer.add_replacement(index, "note", Replacement(0, len(original), 0, 8, "PERSON", "tag"), original)
    writer.end_batch(entries)
    writer.close({"output_sha256": "ab" * 32, "rows": entries})


@pytest.fixture(scope="module")
def two_vaults(tmp_path_factory) -> tuple[Path, Path]:
    """Two vaults of the same entries under the same passphrase, many chunks each."""
    folder = tmp_path_factory.mktemp("vaults")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vault_module, "_CHUNK_PLAINTEXT_BYTES", 2048)
        for name in ("a.vault", "b.vault"):
            write_vault(folder / name, entries=400)
    return folder / "a.vault", folder / "b.vault"


@pytest.fixture(scope="module")
def passphrase_projects(tmp_path_factory) -> tuple[Path, Path]:
    """Two projects protected by the same passphrase."""
    folder = tmp_path_factory.mktemp("projects")
    paths = []
    for name in ("one", "two"):
        with Project.create(folder / name, passphrase=PASSPHRASE) as project:
            paths.append(project.path)
    return paths[0], paths[1]


# ---- scrypt cost ---------------------------------------------------------------------------------------------


def test_the_default_cost_is_owasps_minimum_or_more():
    assert scrypt_cost_is_enough(keys.SCRYPT_N, keys.SCRYPT_R, keys.SCRYPT_P)
    assert (vault_module.SCRYPT_N, vault_module.SCRYPT_R, vault_module.SCRYPT_P) == (
        keys.SCRYPT_N, keys.SCRYPT_R, keys.SCRYPT_P)
    assert (sealing.SCRYPT_N, sealing.SCRYPT_R, sealing.SCRYPT_P) == (keys.SCRYPT_N, keys.SCRYPT_R, keys.SCRYPT_P)


def test_every_passphrase_file_records_a_cost_at_or_above_owasps_minimum(two_vaults, passphrase_projects, tmp_path):
    _, header, _ = parse_vault(two_vaults[0])
    project = project_kdf(passphrase_projects[0])
    SealKey.from_passphrase(PASSPHRASE, tmp_path / "run")
    run = json.loads((tmp_path / "run" / "key.json").read_text())
    for kdf in (header["kdf"], project, run):
        assert scrypt_cost_is_enough(int(kdf["n"]), int(kdf["r"]), int(kdf["p"])), kdf
    assert len(base64.b64decode(header["kdf"]["salt"])) == len(base64.b64decode(project["salt"])) == 16
    assert len(bytes.fromhex(run["salt"])) == 16


def test_files_made_with_the_old_lower_cost_still_open(tmp_path, monkeypatch):
    """Before OWASP's 2^17, PrivDesk used 2^15; each file names its cost, so those files keep working."""
    old = 2**15
    with monkeypatch.context() as patch:
        patch.setattr(vault_module, "SCRYPT_N", old)
        patch.setattr(keys, "SCRYPT_N", old)
        write_vault(tmp_path / "old.vault")
        with Project.create(tmp_path / "old", passphrase=PASSPHRASE) as project:
            secret, path = project.project_secret(), project.path
    assert VaultReader(tmp_path / "old.vault", PASSPHRASE).header["kdf"]["n"] == old
    assert project_kdf(path)["n"] == old
    with Project.open(path, passphrase=PASSPHRASE) as reopened:
        assert reopened.project_secret() == secret

    # A wrapping from before the key check value: KEK = scrypt output, kdf without "check".
    legacy_kdf = {"name": "scrypt", "n": old, "r": 8, "p": 1, "salt": b"\x01" * 16}
    kek = Scrypt(salt=legacy_kdf["salt"], length=32, n=old, r=8, p=1).derive(PASSPHRASE.encode())
    nonce = b"\x02" * 12
    with Project.open(path) as project:
        project_id = project.project_id
    wrapped = AESGCM(kek).encrypt(nonce, secret, f"privdesk project secret v1 {project_id}".encode())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE secret_key SET kdf = ?, nonce = ?, wrapped = ? WHERE id = 1",
                     (json.dumps({**legacy_kdf, "salt": base64.b64encode(legacy_kdf["salt"]).decode()}), nonce,
                      wrapped))
    conn.close()
    with Project.open(path, passphrase=PASSPHRASE) as reopened:
        assert reopened.project_secret() == secret
    with pytest.raises(ProjectError, match="passphrase is wrong"):
        Project.open(path, passphrase="not it")

    run_dir = tmp_path / "old-run"
    run_dir.mkdir()
    (run_dir / "key.json").write_text(json.dumps({"kdf": "scrypt", "salt": "00" * 16, "n": old, "r": 8, "p": 1}))
    key = SealKey.from_passphrase(PASSPHRASE, run_dir)
    key.seal_to_file(run_dir / "x.enc", b"weights", "checkpoint")
    assert SealKey.from_passphrase(PASSPHRASE, run_dir).open_file(run_dir / "x.enc", "checkpoint") == b"weights"


def test_sealed_files_of_the_first_layout_still_open(tmp_path):
    """PRIVDESK-SEAL-1 files (no key check value) were written before; they must stay readable."""
    secret = bytes(range(32))
    root = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"privdesk training root v1").derive(secret)
    purpose_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"privdesk sealed checkpoint").derive(root)
    aead = AESGCM(purpose_key)
    prefix, plain = b"\x07" * 8, b"an old checkpoint"
    associated = b"privdesk sealed checkpoint" + struct.pack(">Q?", 0, True)  # chunk 0, the last one
    sealed = aead.encrypt(prefix + struct.pack(">I", 0), plain, associated)
    path = tmp_path / "old.ckpt"
    path.write_bytes(b"PRIVDESK-SEAL-1\n" + prefix + struct.pack(">Q", len(plain)) + sealed)
    assert SealKey.from_secret(secret).open_file(path, "checkpoint") == plain
    with pytest.raises(TrainingError, match="cannot be decrypted with this project secret"):
        SealKey.from_secret(bytes(32)).open_file(path, "checkpoint")


# ---- salts and nonces ----------------------------------------------------------------------------------------


def test_two_vaults_of_the_same_data_and_passphrase_share_no_salt_nonce_or_ciphertext(two_vaults):
    (header_a, a, chunks_a), (header_b, b, chunks_b) = parse_vault(two_vaults[0]), parse_vault(two_vaults[1])
    assert a["kdf"]["salt"] != b["kdf"]["salt"]
    assert a["nonce_prefix"] != b["nonce_prefix"]
    assert a["key_check"] != b["key_check"]
    assert not set(chunks_a) & set(chunks_b)
    for header_bytes, header, chunks in ((header_a, a, chunks_a), (header_b, b, chunks_b)):
        # Each chunk opens with exactly nonce = prefix | counter | last flag: one nonce per chunk, never reused.
        assert len(chunks) > 5
        aead = AESGCM(vault_key(header, PASSPHRASE))
        prefix = base64.b64decode(header["nonce_prefix"])
        associated = hashlib.sha256(b"PDVAULT\x01" + header_bytes).digest()
        nonces = [prefix + struct.pack(">I", index) + bytes([index == len(chunks) - 1]) for index in range(len(chunks))]
        for nonce, chunk in zip(nonces, chunks):
            aead.decrypt(nonce, chunk, associated)
        assert len(set(nonces)) == len(chunks)


def test_two_projects_with_the_same_passphrase_share_no_salt_nonce_or_wrapped_secret(passphrase_projects):
    rows = []
    for path in passphrase_projects:
        with sqlite3.connect(path) as conn:
            rows.append(conn.execute("SELECT kdf, nonce, wrapped FROM secret_key WHERE id = 1").fetchone())
        conn.close()
    (kdf_a, nonce_a, wrapped_a), (kdf_b, nonce_b, wrapped_b) = rows
    assert json.loads(kdf_a)["salt"] != json.loads(kdf_b)["salt"]
    assert nonce_a != nonce_b and len(nonce_a) == 12
    assert wrapped_a != wrapped_b


def test_sealed_files_get_a_fresh_nonce_prefix_and_one_nonce_per_chunk(tmp_path):
    key = SealKey.from_secret(bytes(range(32)))
    data = b"\x00" * (2 * sealing.CHUNK_BYTES + 10)  # three chunks
    key.seal_to_file(tmp_path / "a.ckpt", data, "checkpoint")
    key.seal_to_file(tmp_path / "b.ckpt", data, "checkpoint")
    a, b = (tmp_path / "a.ckpt").read_bytes(), (tmp_path / "b.ckpt").read_bytes()
    magic = len(sealing.MAGIC)
    assert a[magic:magic + 8] != b[magic:magic + 8]  # random per-file prefix
    body_a, body_b = a[magic + 32:], b[magic + 32:]
    assert body_a != body_b
    size = sealing.CHUNK_BYTES + 16
    chunks_a = [body_a[i:i + size] for i in range(0, len(body_a), size)]
    assert len(chunks_a) == 3 and len(set(chunks_a)) == 3  # equal plaintext chunks, distinct nonces
    run_keys = []
    for name in ("run1", "run2"):
        SealKey.from_passphrase(PASSPHRASE, tmp_path / name)
        run_keys.append(json.loads((tmp_path / name / "key.json").read_text())["salt"])
    assert run_keys[0] != run_keys[1]


# ---- primitives ----------------------------------------------------------------------------------------------


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(module, name) for every import; name is "" for `import module`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


AEAD_MODULE = "cryptography.hazmat.primitives.ciphers.aead"


def forbidden_uses(source: str, name: str) -> list[str]:
    """What a module does that the rules forbid (see the test below), one line per finding."""
    tree = ast.parse(source, filename=name)
    imports = _imports(tree)
    handles_keys = any(module.startswith("cryptography") or module in ("hmac", "secrets") for module, _ in imports)
    problems = []
    for module, imported in imports:
        if module == AEAD_MODULE:
            if imported not in ("AESGCM", "AESSIV"):
                problems.append(f"{name}: AEAD {imported}")
        elif module.startswith("cryptography.hazmat.primitives.ciphers") or (
                module == "cryptography.hazmat.primitives" and imported == "ciphers"):
            problems.append(f"{name}: raw cipher API {module}.{imported}")
        elif module.split(".")[0] in ("Crypto", "Cryptodome"):
            problems.append(f"{name}: PyCryptodome")
        elif module.startswith("presidio_anonymizer") and imported in ("Encrypt", "Decrypt", "AESCipher"):
            problems.append(f"{name}: Presidio's AES-CBC operator {imported}")
        elif handles_keys and module == "random":
            problems.append(f"{name}: the random module in a module that handles keys")
    for node in ast.walk(tree):
        dotted = _dotted(node) if isinstance(node, ast.Attribute) else ""
        if dotted.startswith("hashes.") and dotted.split(".")[-1] in ("MD5", "SHA1"):
            problems.append(f"{name}:{node.lineno}: {dotted}")
        if handles_keys and dotted in ("hashlib.md5", "hashlib.sha1"):
            problems.append(f"{name}:{node.lineno}: {dotted} in a module that handles keys")
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        called, first = _dotted(node.func), str(node.args[0].value)
        if called.endswith("OperatorConfig") and first in ("encrypt", "decrypt"):
            problems.append(f"{name}:{node.lineno}: Presidio's {first} operator")
        if handles_keys and called == "hashlib.new" and first.lower() in ("md5", "sha1"):
            problems.append(f"{name}:{node.lineno}: hashlib.new({first!r})")
    return problems


def test_only_aes_gcm_and_aes_siv_encrypt_and_no_weak_primitive_touches_keys():
    """Over every module of privdesk: AEAD ciphers are AESGCM or AESSIV; no raw block-cipher modes (ECB, CBC,
    CTR, OFB, CFB: no authentication), no Presidio encrypt operator (AES-CBC without authentication), no
    PyCryptodome; MD5 and SHA-1 nowhere near a key; the `random` module never in a module that handles keys
    (one that imports cryptography, hmac or secrets)."""
    modules = sorted(SOURCE.rglob("*.py"))
    assert len(modules) > 100
    problems = [problem for path in modules
                for problem in forbidden_uses(path.read_text(encoding="utf-8"), path.relative_to(SOURCE.parent).as_posix())]
    assert problems == []
    uses_aead = [path for path in modules if AEAD_MODULE in path.read_text(encoding="utf-8")]
    assert {path.name for path in uses_aead} >= {"keys.py", "vault.py", "sealing.py", "encryption.py"}


def test_the_source_scan_finds_what_it_forbids():
    """The scan above is only worth something if it recognises the forbidden forms."""
    bad = ("import hmac, random, hashlib\n"
           "from cryptography.hazmat.primitives.ciphers import Cipher, modes\n"
           "from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305\n"
           "from cryptography.hazmat.primitives import hashes\n"
           "from presidio_anonymizer.entities import OperatorConfig\n"
           "key = hashlib.md5(b'k').digest()\n"
           "other = hashlib.new('sha1', b'k')\n"
           "digest = hashes.SHA1()\n"
           "operator = OperatorConfig('encrypt', {'key': 'k'})\n")
    found = forbidden_uses(bad, "bad.py")
    for words in ("raw cipher API cryptography.hazmat.primitives.ciphers.Cipher", "AEAD ChaCha20Poly1305",
                  "random module", "hashlib.md5", "hashlib.new('sha1')", "hashes.SHA1", "Presidio's encrypt"):
        assert any(words in problem for problem in found), words
    assert not any("AESGCM" in problem for problem in found)
    assert forbidden_uses("import random\nrandom.random()\n", "synth.py") == []  # fine where no key is made


# ---- file modes ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="POSIX file modes")
def test_vaults_key_files_run_keys_secrets_and_sealed_files_are_0600(tmp_path):
    data = tmp_path / "notes.csv"
    data.write_text("note\nJane Roe called\n", encoding="utf-8")
    export_dataset(data, [[Span(0, "note", 0, 8, "PERSON")]], Policy("t"), bytes(32), tmp_path / "out.csv",
                   vault_path=tmp_path / "out.vault", passphrase=PASSPHRASE)
    with Project.create(tmp_path / "keyed") as project:
        key_file = project.key_path
    load_or_create_secret(tmp_path / "secret.bin")
    key = SealKey.from_passphrase(PASSPHRASE, tmp_path / "run")
    key.seal_to_file(tmp_path / "run" / "checkpoints" / "step-000000001.ckpt", b"weights", "checkpoint")
    private = [tmp_path / "out.vault", key_file, tmp_path / "secret.bin", tmp_path / "run" / "key.json",
               tmp_path / "run" / "checkpoints" / "step-000000001.ckpt"]
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in private} == {
        path.name: "0o600" for path in private}
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o666 & ~umask  # the export is an ordinary file


# ---- distinct errors -----------------------------------------------------------------------------------------


def flip_bit(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))


def truncate(path: Path, keep: int) -> None:
    path.write_bytes(path.read_bytes()[:keep])


def assert_distinct_and_clear(errors: dict[str, PrivDeskError], path_names: set[str]) -> None:
    messages = {case: str(error) for case, error in errors.items()}
    assert len(set(messages.values())) == len(messages), messages
    for case, message in messages.items():
        assert any(name in message for name in path_names), message  # names the file
        assert "Traceback" not in message and PASSPHRASE not in message


def capture(error_type: type[PrivDeskError], action) -> PrivDeskError:
    with pytest.raises(error_type) as caught:
        action()
    return caught.value


def test_vault_wrong_passphrase_truncation_and_a_flipped_bit_each_say_so(tmp_path):
    path = tmp_path / "masked.vault"
    write_vault(path, entries=50)
    header_bytes, _, chunks = parse_vault(path)
    body_start = 12 + len(header_bytes)
    damaged, cut = tmp_path / "flipped.vault", tmp_path / "cut.vault"
    damaged.write_bytes(path.read_bytes())
    flip_bit(damaged, body_start + 4 + len(chunks[0]) // 2)
    cut.write_bytes(path.read_bytes())
    truncate(cut, body_start + 4 + len(chunks[0]) // 2)
    errors = {
        "wrong": capture(VaultError, lambda: VaultReader(path, "wrong horse battery staple")),
        "truncated": capture(VaultError, lambda: VaultReader(cut, PASSPHRASE)),
        "flipped": capture(VaultError, lambda: VaultReader(damaged, PASSPHRASE)),
    }
    assert "passphrase is wrong" in str(errors["wrong"])
    assert "truncated" in str(errors["truncated"])
    assert "fails authentication" in str(errors["flipped"]) and "truncated" not in str(errors["flipped"])
    assert_distinct_and_clear(errors, {path.name, cut.name, damaged.name})


def test_project_wrong_passphrase_truncated_file_and_a_flipped_bit_each_say_so(tmp_path):
    with Project.create(tmp_path / "study", passphrase=PASSPHRASE) as project:
        path = project.path
    truncated = tmp_path / "truncated.privdesk"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    flipped = tmp_path / "flipped.privdesk"
    flipped.write_bytes(path.read_bytes())
    with sqlite3.connect(flipped) as conn:  # one bit of the wrapped secret, as a disk error would flip it
        wrapped = bytearray(conn.execute("SELECT wrapped FROM secret_key").fetchone()[0])
        wrapped[3] ^= 0x01
        conn.execute("UPDATE secret_key SET wrapped = ?", (bytes(wrapped),))
    conn.close()
    errors = {
        "wrong": capture(ProjectError, lambda: Project.open(path, passphrase="wrong horse")),
        "truncated": capture(ProjectError, lambda: Project.open(truncated, passphrase=PASSPHRASE)),
        "flipped": capture(ProjectError, lambda: Project.open(flipped, passphrase=PASSPHRASE)),
    }
    assert "passphrase is wrong" in str(errors["wrong"])
    assert "corrupt" in str(errors["truncated"])
    assert "damaged or changed" in str(errors["flipped"]) and "passphrase is right" in str(errors["flipped"])
    assert_distinct_and_clear(errors, {path.name, truncated.name, flipped.name})


def test_checkpoint_wrong_key_truncation_and_a_flipped_bit_each_say_so(tmp_path):
    key = SealKey.from_passphrase(PASSPHRASE, tmp_path)
    path = tmp_path / "step-000000004.ckpt"
    key.seal_to_file(path, bytes(range(256)) * 4000, "checkpoint")
    cut, damaged = tmp_path / "cut.ckpt", tmp_path / "flipped.ckpt"
    cut.write_bytes(path.read_bytes())
    truncate(cut, path.stat().st_size - 1000)
    damaged.write_bytes(path.read_bytes())
    flip_bit(damaged, path.stat().st_size // 2)
    errors = {
        "wrong": capture(TrainingError,
                         lambda: SealKey.from_passphrase("wrong horse", tmp_path).open_file(path, "checkpoint")),
        "truncated": capture(TrainingError, lambda: key.open_file(cut, "checkpoint")),
        "flipped": capture(TrainingError, lambda: key.open_file(damaged, "checkpoint")),
    }
    assert "key is wrong" in str(errors["wrong"]) and "passphrase" in str(errors["wrong"])
    assert "truncated" in str(errors["truncated"])
    assert "damaged or changed" in str(errors["flipped"]) and "key is right" in str(errors["flipped"])
    assert_distinct_and_clear(errors, {path.name, cut.name, damaged.name})
    # The project-secret key gives the same three cases their own messages too.
    secret_key = SealKey.from_secret(bytes(range(32)))
    secret_key.seal_to_file(path, b"x" * 1000, "checkpoint")
    assert "key is wrong" in str(capture(TrainingError,
                                         lambda: SealKey.from_secret(bytes(32)).open_file(path, "checkpoint")))


# ---- nothing secret in the logs ------------------------------------------------------------------------------


def encodings(secret: bytes) -> set[str]:
    """How a key would look in a log line."""
    standard = base64.b64encode(secret).decode()
    return {secret.hex(), secret.hex().upper(), standard, standard.rstrip("="), base64.urlsafe_b64encode(secret).decode(),
            repr(secret)}


@pytest.mark.slow
def test_no_passphrase_or_key_is_logged_while_exporting_and_reidentifying(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    vault_passphrase = "vault words that must stay secret"
    project_passphrase = "project words that must stay secret"
    data = tmp_path / "notes.csv"
    data.write_text("note,email\nJane Roe called,jane@example.org\nJohn Doe wrote,john@example.org\n", encoding="utf-8")
    spans = [[Span(0, "note", 0, 8, "PERSON"), Span(0, "email", 0, 16, "EMAIL_ADDRESS")],
             [Span(1, "note", 0, 8, "PERSON"), Span(1, "email", 0, 16, "EMAIL_ADDRESS")]]
    with Project.create(tmp_path / "study", passphrase=project_passphrase) as project:
        path = project.path
    with Project.open(path, passphrase=project_passphrase) as project:
        secret = project.project_secret()
        with pytest.raises(ProjectError):
            Project.open(path, passphrase="a wrong guess")
        policy = Policy("t", default=OperatorSpec("encrypt", {"mode": "gcm"}),
                        entities={"EMAIL_ADDRESS": OperatorSpec("hash")})
        export_dataset(data, spans, policy, secret, tmp_path / "out.csv", vault_path=tmp_path / "out.vault",
                       passphrase=vault_passphrase, project_id=project.project_id, report_path=tmp_path / "report.html")
    with pytest.raises(VaultError):
        reidentify_file(tmp_path / "out.csv", tmp_path / "out.vault", "a wrong guess", tmp_path / "nope.csv")
    reidentify_file(tmp_path / "out.csv", tmp_path / "out.vault", vault_passphrase, tmp_path / "restored.csv")
    assert (tmp_path / "restored.csv").read_bytes() == data.read_bytes()
    run_key = SealKey.from_passphrase(project_passphrase, tmp_path / "run")
    run_key.seal_to_file(tmp_path / "run" / "x.enc", b"weights", "checkpoint")

    _, header, _ = parse_vault(tmp_path / "out.vault")
    forbidden = {vault_passphrase, project_passphrase, repr(run_key._root)}
    for key in (secret, vault_key(header, vault_passphrase), run_key._root):
        forbidden |= encodings(key)
    logged = "\n".join([caplog.text, *(repr(record.args) for record in caplog.records),
                        *(record.exc_text or "" for record in caplog.records)])
    assert caplog.records, "nothing was logged at DEBUG: the check would prove nothing"
    assert [word for word in forbidden if word in logged] == []
    assert vault_passphrase not in repr(run_key) and "SealKey(origin='passphrase')" == repr(run_key)
    for written in (tmp_path / "out.csv", tmp_path / "report.html", tmp_path / "report.json",
                    tmp_path / "run" / "key.json"):
        text = written.read_text(encoding="utf-8")
        assert [word for word in forbidden if word in text] == [], written.name
