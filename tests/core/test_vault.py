"""The re-identification vault: round trip, mode 0600, and clear errors for every way it can be wrong."""

from __future__ import annotations

import os
import stat
import struct

import pytest

from privdesk.core.errors import PrivDeskError
from privdesk.core.mask import Replacement, VaultError, VaultReader, VaultWriter, read_passphrase_file
from privdesk.core.mask import vault as vault_module

PASSPHRASE = "correct horse battery staple"


REAL_SCRYPT_N = vault_module.SCRYPT_N


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """Real scrypt costs 0.1 s per key; the format is the same with a cheaper cost, which the header records."""
    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)


def write_vault(path, *, entries: int = 3, project_id: str = "project-1", chunk_bytes: int | None = None,
                monkeypatch=None) -> list[dict]:
    if chunk_bytes is not None:
        monkeypatch.setattr(vault_module, "_CHUNK_PLAINTEXT_BYTES", chunk_bytes)
    writer = VaultWriter(path, PASSPHRASE, project_id=project_id, meta={"output_format": "csv"})
    written = []
    for index in range(entries):
        original = f"Jäne Röe #{index} 🙂"
        writer.add_replacement(index, "note", Replacement(0, len(original), 2, 10, "PERSON", "surrogate"), original)
        written.append({"r": index, "o": original})
        if index % 2:
            writer.add_cell_note(index, "note", escaped=True)
    writer.end_batch(entries)
    writer.close({"output_sha256": "ab" * 32, "rows": entries})
    return written


def test_round_trip_and_mode(tmp_path, monkeypatch):
    monkeypatch.setattr(vault_module, "SCRYPT_N", REAL_SCRYPT_N)
    path = tmp_path / "masked.vault"
    written = write_vault(path)
    assert VaultReader(path, PASSPHRASE).header["kdf"]["n"] == REAL_SCRYPT_N >= 2**15
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reader = VaultReader(path, PASSPHRASE, expected_project_id="project-1")
    assert reader.project_id == "project-1"
    assert reader.meta["output_format"] == "csv"
    assert reader.trailer["output_sha256"] == "ab" * 32 and reader.trailer["entries"] == 3
    items = list(reader.entries())
    replacements = [item for item in items if item["type"] == "r"]
    assert [(item["r"], item["o"], item["s"], item["e"], item["t"], item["op"]) for item in replacements] == [
        (w["r"], w["o"], 2, 10, "PERSON", "surrogate") for w in written]
    assert [item["r"] for item in items if item["type"] == "cell" and item.get("esc")] == [1]
    assert items[-1] == {"type": "batch", "end": 3}


def test_the_file_holds_no_plaintext(tmp_path):
    path = tmp_path / "v.vault"
    write_vault(path)
    data = path.read_bytes()
    for needle in ("Jäne".encode(), b"PERSON", b"surrogate", b"note"):
        assert needle not in data


def test_many_chunks_round_trip(tmp_path, monkeypatch):
    path = tmp_path / "big.vault"
    write_vault(path, entries=500, chunk_bytes=2000, monkeypatch=monkeypatch)
    reader = VaultReader(path, PASSPHRASE)
    assert sum(item["type"] == "r" for item in reader.entries()) == 500


def test_wrong_passphrase_is_a_clear_error(tmp_path):
    path = tmp_path / "v.vault"
    write_vault(path)
    with pytest.raises(VaultError, match="passphrase is wrong") as caught:
        VaultReader(path, "Correct horse battery staple")
    assert isinstance(caught.value, PrivDeskError)
    with pytest.raises(VaultError, match="empty"):
        VaultReader(path, "")


def test_a_vault_of_another_project_is_refused(tmp_path):
    path = tmp_path / "v.vault"
    write_vault(path, project_id="project-1")
    with pytest.raises(VaultError, match="another project"):
        VaultReader(path, PASSPHRASE, expected_project_id="project-2")


def _header_end(data: bytes) -> int:
    (length,) = struct.unpack(">I", data[8:12])
    return 12 + length


@pytest.mark.parametrize("tamper", ["flip_body_byte", "truncate", "drop_last_chunk", "append", "swap_chunks",
                                    "edit_project_id", "edit_salt", "bad_magic", "empty"])
def test_a_modified_vault_is_refused_never_read(tmp_path, monkeypatch, tamper):
    path = tmp_path / "v.vault"
    write_vault(path, entries=300, chunk_bytes=1500, monkeypatch=monkeypatch)
    data = bytearray(path.read_bytes())
    body = _header_end(bytes(data))
    first_length = struct.unpack(">I", data[body:body + 4])[0]
    second = body + 4 + first_length
    second_length = struct.unpack(">I", data[second:second + 4])[0]
    if tamper == "flip_body_byte":
        data[len(data) // 2] ^= 0x01
    elif tamper == "truncate":
        data = data[:-7]
    elif tamper == "drop_last_chunk":
        position = body
        chunks = []
        while position < len(data):
            length = struct.unpack(">I", data[position:position + 4])[0]
            chunks.append(position)
            position += 4 + length
        data = data[:chunks[-1]]
    elif tamper == "append":
        data += data[body:body + 4 + first_length]
    elif tamper == "swap_chunks":
        first_chunk = data[body:second]
        second_chunk = data[second:second + 4 + second_length]
        data[body:second + 4 + second_length] = second_chunk + first_chunk
    elif tamper == "edit_project_id":
        data = bytearray(bytes(data).replace(b"project-1", b"project-9"))
    elif tamper == "edit_salt":
        header_start = 12
        index = bytes(data).index(b'"salt": "', header_start) + len('"salt": "')
        data[index] = ord("A") if data[index] != ord("A") else ord("B")
    elif tamper == "bad_magic":
        data[:8] = b"NOTVAULT"
    elif tamper == "empty":
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(VaultError) as caught:
        reader = VaultReader(path, PASSPHRASE)
        list(reader.entries())
    message = caught.value.message
    assert "v.vault" in message
    assert any(words in message for words in ("modified or is damaged", "passphrase is wrong", "not a PrivDesk"))


def test_a_missing_vault(tmp_path):
    with pytest.raises(VaultError, match="does not exist"):
        VaultReader(tmp_path / "none.vault", PASSPHRASE)


def test_passphrase_file(tmp_path):
    path = tmp_path / "pass.txt"
    path.write_text("  spaced out  \n", encoding="utf-8")
    assert read_passphrase_file(path) == "  spaced out  "
    path.write_bytes(b"windows\r\n")
    assert read_passphrase_file(path) == "windows"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(VaultError, match="empty"):
        read_passphrase_file(path)
    with pytest.raises(VaultError, match="does not exist"):
        read_passphrase_file(tmp_path / "nope")


def test_the_passphrase_is_unicode_normalised(tmp_path):
    path = tmp_path / "v.vault"
    writer = VaultWriter(path, "Ra\u0308tsel", project_id="p", meta={})
    writer.close()
    assert VaultReader(path, "R\u00e4tsel").project_id == "p"


def test_an_unfinished_vault_is_refused(tmp_path):
    path = tmp_path / "v.vault"
    writer = VaultWriter(path, PASSPHRASE, project_id="p", meta={})
    writer.add_replacement(0, "c", Replacement(0, 1, 0, 1, "PERSON", "tag"), "x")
    writer.abort()
    with pytest.raises(VaultError, match="truncated|last chunk"):
        VaultReader(path, PASSPHRASE)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_mode_is_0600_even_over_a_readable_file(tmp_path):
    path = tmp_path / "v.vault"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_vault(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
