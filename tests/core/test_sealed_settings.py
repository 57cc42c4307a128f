"""Sealed settings: values the analyst typed (allow/deny lists, custom recognizers) are encrypted in the
project file under the project secret, open only in their own project under their own key, and the
plaintext an older PrivDesk wrote is still read, then sealed."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from privdesk.core.detect.project_settings import (
    DETECTION_OPTIONS_KEY,
    DetectionOptions,
    read_detection_options,
    write_detection_options,
)
from privdesk.core.detect.settings import CustomRecognizerSpec, DetectionConfigError
from privdesk.core.errors import ProjectError
from privdesk.core.project import Project, key_file_path
from privdesk.core.project.sealed_settings import LEGACY_PLAINTEXT_KEYS, is_envelope
from privdesk.core.review.lists import ALLOW_LIST_KEY, DENY_LIST_KEY, ReviewLists, read_lists, write_lists

DENIED = "Zorblax Quintavius"
ALLOWED = "Quillon Vertebrand"
RECOGNIZER_TERM = "Operation Marzipan Kestrel"
RECOGNIZER_PATTERN = r"ZQX-\d{7}"
CONTEXT_WORD = "vortumbrel"
NEEDLES = (DENIED, ALLOWED, RECOGNIZER_TERM, "ZQX-", CONTEXT_WORD, "Zorblax", "Quintavius", "Marzipan")


def raw_bytes(project_path: Path) -> bytes:
    """The project file and its write-ahead log (when there is one), as stored on disk."""
    parts = []
    for path in (project_path, Path(f"{project_path}-wal")):
        if path.exists():
            with open(path, "rb") as handle:
                parts.append(handle.read())
    return b"".join(parts).lower()


def needles_in(project_path: Path, needles=NEEDLES) -> list[str]:
    data = raw_bytes(project_path)
    return [needle for needle in needles
            if any(needle.lower().encode(encoding) in data for encoding in ("utf-8", "utf-16-le", "utf-16-be"))]


def stored_row(project_path: Path, key: str):
    """The setting as stored (JSON-decoded), read behind the Project's back."""
    # Closed at once: a connection left open would keep SQLite from checkpointing the log when the project closes.
    with contextlib.closing(sqlite3.connect(project_path)) as conn:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def put_row(project_path: Path, key: str, value) -> None:
    with contextlib.closing(sqlite3.connect(project_path)) as conn, conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value)))


def analyst_lists() -> ReviewLists:
    return ReviewLists(allow=[ALLOWED], deny={"PERSON": [DENIED], "ORGANIZATION": ["Acme"]})


def analyst_options() -> DetectionOptions:
    spec = CustomRecognizerSpec(name="codename", entity_type="PROJECT", patterns=[RECOGNIZER_PATTERN],
                                terms=[RECOGNIZER_TERM], context=[CONTEXT_WORD])
    return DetectionOptions(use_transformer=True, custom_recognizers=[spec], entities=("PERSON", "PROJECT"))


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    with Project.create(tmp_path / "study") as project:
        return project.path


# ---- round trip --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    {"PERSON": [DENIED], "EMAIL": ["a@b.example"]},
    [ALLOWED, "Zoë Ångström", "患者"],
    "one string",
    42,
    0.25,
    True,
    [],
])
def test_sealed_values_come_back_as_written_after_reopening(project_path: Path, value):
    with Project.open(project_path) as project:
        project.set_sealed_setting("test.value", value)
        assert project.get_sealed_setting("test.value") == value
    with Project.open(project_path) as project:
        assert project.get_sealed_setting("test.value") == value
        assert project.get_setting("test.value") == value  # plain readers never see an envelope
        assert project.settings() == {"test.value": value}
        assert project.get_sealed_setting("missing", {"default": 1}) == {"default": 1}
    stored = stored_row(project_path, "test.value")
    assert is_envelope(stored) and stored["sealed"] == 1 and len(bytes.fromhex(stored["nonce"])) == 12


def test_each_write_uses_a_fresh_nonce_and_hides_the_exact_length(project_path: Path):
    with Project.open(project_path) as project:
        project.set_sealed_setting("a", "x")
        first = stored_row(project_path, "a")
        project.set_sealed_setting("a", "x")
        second = stored_row(project_path, "a")
        project.set_sealed_setting("b", "xxxxxxxxxxxx")
        longer = stored_row(project_path, "b")
    assert first["nonce"] != second["nonce"] and first["data"] != second["data"]
    assert len(base64.b64decode(first["data"])) == len(base64.b64decode(longer["data"]))


def test_lists_and_detection_options_keep_their_api(project_path: Path):
    with Project.open(project_path) as project:
        write_lists(project, analyst_lists())
        write_detection_options(project, analyst_options())
    with Project.open(project_path) as project:
        assert read_lists(project) == analyst_lists()
        assert read_detection_options(project) == analyst_options()
    for key in (ALLOW_LIST_KEY, DENY_LIST_KEY, DETECTION_OPTIONS_KEY):
        assert is_envelope(stored_row(project_path, key)), key


def test_the_keys_older_releases_wrote_in_clear_are_the_ones_sealed_at_opening():
    assert {ALLOW_LIST_KEY, DENY_LIST_KEY, DETECTION_OPTIONS_KEY} <= set(LEGACY_PLAINTEXT_KEYS)


# ---- nothing in clear on disk ----------------------------------------------------------------------------


def test_the_project_file_and_its_log_hold_no_term(project_path: Path):
    with Project.open(project_path) as project:
        write_lists(project, analyst_lists())
        write_detection_options(project, analyst_options())
        project.set_sealed_setting("test.note", f"call {DENIED}")
        assert Path(f"{project_path}-wal").exists()  # the log holds the writes while the project is open
        assert needles_in(project_path) == []
    assert needles_in(project_path) == []
    # The check itself finds a term stored in clear (as release 0.1 stored the deny list).
    with Project.open(project_path) as project:
        project.set_setting("plain", DENIED)
    assert needles_in(project_path) == ["Zorblax Quintavius", "Zorblax", "Quintavius"]


# ---- values that do not belong ---------------------------------------------------------------------------


def test_a_changed_byte_gives_a_clear_error(project_path: Path):
    with Project.open(project_path) as project:
        write_lists(project, analyst_lists())
    envelope = stored_row(project_path, DENY_LIST_KEY)
    data = bytearray(base64.b64decode(envelope["data"]))
    data[3] ^= 0x01
    put_row(project_path, DENY_LIST_KEY, {**envelope, "data": base64.b64encode(bytes(data)).decode()})
    with Project.open(project_path) as project, pytest.raises(ProjectError) as caught:
        read_lists(project)
    message = caught.value.message
    assert str(project_path) in message
    assert "the sealed setting 'detection.deny_list' cannot be decrypted: the project key does not match" in message
    assert DENIED not in message


def test_a_damaged_envelope_is_reported_as_damaged(project_path: Path):
    with Project.open(project_path) as project:
        project.set_sealed_setting("test.value", DENIED)
    put_row(project_path, "test.value", {**stored_row(project_path, "test.value"), "data": "not base64!"})
    with Project.open(project_path) as project, pytest.raises(ProjectError, match="'test.value' is damaged"):
        project.get_sealed_setting("test.value")


def test_a_value_moved_to_another_key_does_not_open(project_path: Path):
    with Project.open(project_path) as project:
        write_lists(project, analyst_lists())
    put_row(project_path, ALLOW_LIST_KEY, stored_row(project_path, DENY_LIST_KEY))
    with Project.open(project_path) as project, pytest.raises(ProjectError) as caught:
        read_lists(project)
    assert "'detection.allow_list' cannot be decrypted" in caught.value.message


def test_a_value_copied_from_another_project_does_not_open(tmp_path: Path, project_path: Path):
    with Project.create(tmp_path / "other") as other:
        write_detection_options(other, analyst_options())
        other_path = other.path
    put_row(project_path, DETECTION_OPTIONS_KEY, stored_row(other_path, DETECTION_OPTIONS_KEY))
    with Project.open(project_path) as project:
        with pytest.raises(ProjectError) as caught:
            project.get_sealed_setting(DETECTION_OPTIONS_KEY)
        assert str(project_path) in caught.value.message and "the project key does not match" in caught.value.message
        # The detection-settings reader says the same in its own terms, so the Review tab can show it.
        with pytest.raises(DetectionConfigError, match="detection settings cannot be read: the sealed setting"):
            read_detection_options(project)


def test_a_copy_of_the_project_with_its_key_file_still_opens_its_values(tmp_path: Path, project_path: Path):
    with Project.open(project_path) as project:
        write_lists(project, analyst_lists())
    copy = tmp_path / "copy.privdesk"
    shutil.copy(project_path, copy)
    shutil.copy(key_file_path(project_path), key_file_path(copy))
    with Project.open(copy) as reopened:
        assert read_lists(reopened) == analyst_lists()


# ---- plaintext from older releases -----------------------------------------------------------------------


def write_like_an_older_release(project: Project) -> None:
    """What PrivDesk 0.1's write_lists and write_detection_options did: plain set_setting."""
    lists, options = analyst_lists(), analyst_options()
    project.set_setting(ALLOW_LIST_KEY, lists.allow)
    project.set_setting(DENY_LIST_KEY, lists.deny)
    project.set_setting(DETECTION_OPTIONS_KEY, options.to_json())
    project.set_setting("review.threshold", 0.4)


def test_plaintext_from_an_older_release_is_sealed_when_the_project_opens(project_path: Path, caplog):
    with Project.open(project_path) as project:
        write_like_an_older_release(project)
    assert DENIED in needles_in(project_path) and RECOGNIZER_TERM in needles_in(project_path)
    with caplog.at_level(logging.DEBUG), Project.open(project_path) as project:
        for key in (ALLOW_LIST_KEY, DENY_LIST_KEY, DETECTION_OPTIONS_KEY):
            assert is_envelope(stored_row(project_path, key)), key
        assert read_lists(project) == analyst_lists()
        assert read_detection_options(project) == analyst_options()
        assert project.get_setting("review.threshold") == 0.4
    assert stored_row(project_path, "review.threshold") == 0.4  # settings that are not values stay readable
    assert "sealed 3 setting(s)" in caplog.text
    assert not any(needle.lower() in caplog.text.lower() for needle in NEEDLES)
    # secure_delete zeroed the replaced plaintext: no trace left in free space or the log.
    assert needles_in(project_path) == []


def test_plaintext_is_read_while_the_key_file_is_away_and_sealed_once_it_is_back(project_path: Path, tmp_path: Path):
    with Project.open(project_path) as project:
        write_like_an_older_release(project)
        key_path = project.key_path
    key_path.rename(tmp_path / "elsewhere.key")
    with Project.open(project_path) as project:  # opening does not need the key file
        assert read_lists(project) == analyst_lists()  # nor does reading plaintext
        assert stored_row(project_path, DENY_LIST_KEY) == analyst_lists().deny
        with pytest.raises(ProjectError, match="key file is missing"):
            write_lists(project, analyst_lists())  # sealing does
        (tmp_path / "elsewhere.key").rename(key_path)
        assert read_lists(project) == analyst_lists()  # the first read with the secret at hand seals
        for key in (ALLOW_LIST_KEY, DENY_LIST_KEY, DETECTION_OPTIONS_KEY):
            assert is_envelope(stored_row(project_path, key)), key
    assert needles_in(project_path) == []


def test_a_legacy_value_under_another_key_is_sealed_by_its_next_write(project_path: Path):
    with Project.open(project_path) as project:
        project.set_setting("custom.terms", [DENIED])
    with Project.open(project_path) as project:
        assert stored_row(project_path, "custom.terms") == [DENIED]  # not a key older releases used for values
        assert project.get_sealed_setting("custom.terms") == [DENIED]  # read as it is, and sealed on that read
        assert is_envelope(stored_row(project_path, "custom.terms"))
        project.set_sealed_setting("custom.terms", [DENIED, ALLOWED])
        assert project.get_sealed_setting("custom.terms") == [DENIED, ALLOWED]
    assert needles_in(project_path) == []


# ---- passphrase projects ---------------------------------------------------------------------------------


def test_a_passphrase_project_seals_once_unlocked(tmp_path: Path):
    passphrase = "correct horse battery"
    with Project.create(tmp_path / "vaulted", passphrase=passphrase) as project:  # unlocked by its creation
        write_lists(project, analyst_lists())
        project.set_setting(DETECTION_OPTIONS_KEY, analyst_options().to_json())  # as an older release did
        path = project.path
    with Project.open(path) as project:  # no passphrase yet: nothing can be sealed or unsealed
        with pytest.raises(ProjectError, match="protected by a passphrase"):
            read_lists(project)
        with pytest.raises(ProjectError, match="protected by a passphrase"):
            write_lists(project, analyst_lists())
        assert read_detection_options(project) == analyst_options()  # plaintext reads without the secret
        assert not is_envelope(stored_row(path, DETECTION_OPTIONS_KEY))
        project.project_secret(passphrase)
        assert read_lists(project) == analyst_lists()
        assert read_detection_options(project) == analyst_options()
        assert is_envelope(stored_row(path, DETECTION_OPTIONS_KEY))  # sealed by the first read after unlocking
        write_detection_options(project, DetectionOptions())
        assert read_detection_options(project) == DetectionOptions()
    assert needles_in(path) == []
