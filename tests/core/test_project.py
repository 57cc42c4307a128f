"""The project file: life cycle, schema migrations, dataset reference, detections, review decisions,
undo/redo, crash durability, the project secret, and that no data value ends up in the file."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from privdesk.core.errors import ProjectError
from privdesk.core.project import (
    SCHEMA_VERSION,
    DatasetRef,
    DecisionRequest,
    Detection,
    Migration,
    Project,
    dataset_fingerprint,
)
from privdesk.core.project.fingerprint import fallback_fingerprint
from privdesk.core.project import schema
from privdesk.core.types import IGNORE, TEXT, ColumnRole, Span

REPO_ROOT = Path(__file__).resolve().parents[2]
CANARY = "Zorblax Quintavius"


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "study") as opened:
        yield opened


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "notes.csv"
    path.parent.mkdir()
    path.write_text("id,note\n1,Call Ann Smith at 555-0100\n2,Bob lives in Paris\n", encoding="utf-8")
    return path


def synthetic_spans(count: int, *, records: int = 1000) -> list[Span]:
    types = ("PERSON", "EMAIL_ADDRESS", "LOCATION", "PHONE_NUMBER")
    return [
        Span(record=i % records, column="note" if i % 2 else "title", start=(i * 7) % 300, end=(i * 7) % 300 + 4,
             entity_type=types[i % len(types)], score=(i % 100) / 100, recognizer=f"rec{i % 3}")
        for i in range(count)
    ]


def add_two_detections(project: Project) -> tuple[Detection, Detection]:
    project.add_detections([
        Span(3, "note", 5, 14, "PERSON", 0.85, "spacy"),
        Span(3, "note", 18, 26, "PHONE_NUMBER", 0.6, "phone"),
    ])
    first, second = project.detections(3)
    return first, second


def effective(project: Project, record: int) -> list[tuple[tuple, str]]:
    return [((span.column, span.start, span.end, span.entity_type), status)
            for span, status in project.effective_spans(record)]


# ---- life cycle -----------------------------------------------------------------------------------


def test_create_open_close_round_trip(tmp_path: Path, dataset_file: Path):
    with Project.create(tmp_path / "study") as created:
        assert created.path == (tmp_path / "study.privdesk").resolve()
        assert created.name == "study"
        created.set_dataset(dataset_file, format="csv", options={"delimiter": ","}, num_rows=2)
        created.set_column_roles({"id": IGNORE, "note": TEXT, "email": ColumnRole("identifier", "EMAIL_ADDRESS")})
        run_id = created.start_detection_run({"threshold": 0.4})
        created.add_detections([Span(1, "note", 5, 14, "PERSON", 0.9, "spacy")], run_id)
        detection_id = created.detections()[0].id
        created.record_decision("accept", detection_id=detection_id)
        created.set_policy("default: redact\n", "Strict")
        created.set_setting("detection_threshold", 0.35)
        secret = created.project_secret()
    assert created.closed

    with Project.open(tmp_path / "study.privdesk") as reopened:
        ref = reopened.dataset_ref()
        assert ref == DatasetRef(path=dataset_file.resolve(), sha256=hashlib.sha256(dataset_file.read_bytes()).hexdigest(),
                                 format="csv", options={"delimiter": ","}, num_rows=2,
                                 column_roles={"id": IGNORE, "note": TEXT,
                                               "email": ColumnRole("identifier", "EMAIL_ADDRESS")})
        assert list(reopened.column_roles()) == ["id", "note", "email"]
        assert [(d.record, d.column, d.start, d.end, d.entity_type, d.score, d.recognizer, d.run_id)
                for d in reopened.detections()] == [(1, "note", 5, 14, "PERSON", 0.9, "spacy", run_id)]
        assert [(d.action, d.detection_id) for d in reopened.decisions()] == [("accept", detection_id)]
        assert reopened.policy() == ("default: redact\n", "Strict")
        assert reopened.get_setting("detection_threshold") == 0.35
        assert reopened.runs("detection")[0].params == {"threshold": 0.4}
        assert reopened.project_secret() == secret
        assert reopened.schema_version == SCHEMA_VERSION


def test_file_is_wal_with_version_and_application_id(project: Project):
    raw = sqlite3.connect(project.path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    finally:
        raw.close()
    conn = project._connections.get()
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_create_refuses_to_overwrite(tmp_path: Path):
    existing = tmp_path / "notes.privdesk"
    existing.write_bytes(b"precious")
    with pytest.raises(ProjectError, match="already exists") as caught:
        Project.create(existing)
    assert caught.value.path == existing.resolve()
    assert existing.read_bytes() == b"precious"

    Project.create(tmp_path / "real").close()
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(tmp_path / "real.privdesk")
    with Project.open(tmp_path / "real.privdesk") as still_there:
        assert still_there.detection_count() == 0


def test_create_refuses_to_overwrite_a_leftover_key_file(tmp_path: Path):
    key_file = tmp_path / "study.privdesk.key"
    key_file.write_text("someone's key")
    with pytest.raises(ProjectError, match="key file"):
        Project.create(tmp_path / "study")
    assert key_file.read_text() == "someone's key"
    assert not (tmp_path / "study.privdesk").exists()


def test_closed_project_refuses_work(project: Project):
    project.close()
    with pytest.raises(ProjectError, match="closed"):
        project.detections()
    project.close()  # closing twice is harmless


def _other_sqlite_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE patients (name TEXT)")
    conn.commit()
    conn.close()
    return path


def _project_with_data(tmp_path: Path, name: str, detections: int = 20_000) -> Path:
    with Project.create(tmp_path / name) as made:
        made.add_detections(synthetic_spans(detections))
        return made.path


def _unfinished_creation(tmp_path: Path) -> Path:
    path = tmp_path / "unfinished.privdesk"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.close()
    return path


def _newer_schema(tmp_path: Path) -> Path:
    path = _project_with_data(tmp_path, "newer", detections=10)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    return path


def _garbage_in_the_middle(tmp_path: Path) -> Path:
    path = _project_with_data(tmp_path, "garbage")
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xa5" * 16384)
    return path


def _garbage_in_the_schema_page(tmp_path: Path) -> Path:
    path = _project_with_data(tmp_path, "schema_page", detections=10)
    with open(path, "r+b") as handle:
        handle.seek(100)
        handle.write(os.urandom(3000))
    return path


def _truncated(tmp_path: Path) -> Path:
    path = _project_with_data(tmp_path, "truncated")
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 3)
    return path


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.privdesk"
    path.write_text("this is not a database at all, just some text " * 10)
    return path


def _empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.privdesk"
    path.touch()
    return path


@pytest.mark.parametrize(("make_path", "expected"), [
    (lambda tmp: tmp / "missing.privdesk", "does not exist"),
    (lambda tmp: tmp, "not a file"),
    (_empty_file, "not a PrivDesk project.*empty"),
    (_text_file, "not a PrivDesk project.*not a SQLite database"),
    (lambda tmp: _other_sqlite_file(tmp / "other.db"), "not a PrivDesk project.*another program"),
    (_unfinished_creation, "incomplete"),
    (_newer_schema, "newer PrivDesk.*Update PrivDesk"),
    (_garbage_in_the_middle, "corrupt"),
    (_garbage_in_the_schema_page, "corrupt"),
    (_truncated, "corrupt"),
], ids=["missing", "folder", "empty", "text", "other-sqlite", "unfinished", "newer-schema", "corrupt-data", "corrupt-schema",
        "truncated"])
def test_bad_open_gives_a_clear_project_error(tmp_path: Path, make_path, expected: str):
    path = make_path(tmp_path)
    with pytest.raises(ProjectError, match=expected) as caught:
        Project.open(path)
    assert caught.value.path == Path(path).resolve()
    assert str(Path(path).resolve()) in str(caught.value)


# ---- migrations -------------------------------------------------------------------------------------


def test_opening_an_older_file_runs_the_new_migrations(tmp_path: Path, monkeypatch):
    with Project.create(tmp_path / "old") as v1:
        v1.add_detections([Span(0, "note", 0, 4, "PERSON")])
        path = v1.path
        assert v1.schema_version == 1

    calls = []

    def add_review_notes(conn: sqlite3.Connection) -> None:
        calls.append(1)
        conn.execute("CREATE TABLE review_notes (record INTEGER NOT NULL, note_kind TEXT NOT NULL)")
        conn.execute("ALTER TABLE detections ADD COLUMN reviewed_by TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, Migration(2, "review notes", add_review_notes)])
    with Project.open(path) as v2:
        assert v2.schema_version == 2
        assert [(d.start, d.end, d.entity_type) for d in v2.detections()] == [(0, 4, "PERSON")]
        conn = v2._connections.get()
        assert conn.execute("SELECT COUNT(*) FROM review_notes").fetchone()[0] == 0
    with Project.open(path) as again:
        assert again.schema_version == 2
    assert calls == [1]  # a step runs once, not at every opening

    monkeypatch.undo()
    with pytest.raises(ProjectError, match="newer PrivDesk"):
        Project.open(path)


def test_a_failing_migration_leaves_the_file_at_the_old_version(tmp_path: Path, monkeypatch):
    with Project.create(tmp_path / "old") as v1:
        path = v1.path

    def broken_step(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step 2 went wrong")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, Migration(2, "broken", broken_step)])
    with pytest.raises(ProjectError, match="could not be upgraded from schema version 1 to 2.*left at version 1"):
        Project.open(path)
    monkeypatch.undo()
    with Project.open(path) as still_v1:
        assert still_v1.schema_version == 1
        conn = still_v1._connections.get()
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_migrations_must_be_numbered_without_gaps(monkeypatch):
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, Migration(3, "skips 2", lambda conn: None)])
    with pytest.raises(RuntimeError, match="out of order"):
        schema.latest_version()


# ---- dataset reference ------------------------------------------------------------------------------


def test_set_dataset_hashes_and_verify_notices_changes(project: Project, dataset_file: Path):
    original = dataset_file.read_bytes()
    before = dataset_file.stat().st_mtime_ns
    ref = project.set_dataset(dataset_file, format="csv", options={}, num_rows=2)
    assert ref.path.is_absolute()
    assert ref.sha256 == hashlib.sha256(original).hexdigest()
    assert project.verify_dataset() and project.dataset_status() == "ok"

    dataset_file.write_bytes(original.replace(b"Paris", b"Lyon!"))
    assert not project.verify_dataset()
    assert project.dataset_status() == "changed"

    dataset_file.write_bytes(original)
    assert project.verify_dataset()
    dataset_file.unlink()
    assert project.dataset_status() == "missing"
    assert not project.verify_dataset()
    dataset_file.write_bytes(original)
    os.utime(dataset_file, ns=(before, before))


def test_the_dataset_is_never_written(project: Project, dataset_file: Path):
    original = dataset_file.read_bytes()
    dataset_file.chmod(0o444)
    stamp = dataset_file.stat().st_mtime_ns
    project.set_dataset(dataset_file, format="csv", options={}, num_rows=2)
    project.add_detections([Span(1, "note", 5, 14, "PERSON")])
    project.record_decision("accept", detection_id=project.detections()[0].id)
    assert project.verify_dataset()
    assert dataset_file.read_bytes() == original
    assert dataset_file.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in dataset_file.parent.iterdir()) == ["notes.csv"]


def test_folder_fingerprint_covers_every_file(tmp_path: Path, project: Project):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "a.txt").write_text("first letter")
    (folder / "b.txt").write_text("second letter")
    project.set_dataset(folder, format="txtdir", options={}, num_rows=2)
    assert project.verify_dataset()

    (folder / ".DS_Store").write_bytes(b"finder noise")
    assert project.verify_dataset()  # hidden files are not data

    (folder / "b.txt").write_text("second letter, edited")
    assert not project.verify_dataset()
    (folder / "b.txt").write_text("second letter")
    assert project.verify_dataset()

    (folder / "b.txt").rename(folder / "c.txt")
    assert not project.verify_dataset()
    (folder / "c.txt").rename(folder / "b.txt")
    (folder / "d.txt").write_text("")
    assert not project.verify_dataset()


def test_set_dataset_accepts_a_moved_copy_but_not_other_data(tmp_path: Path, project: Project, dataset_file: Path):
    project.set_dataset(dataset_file, format="csv", options={"delimiter": ","}, num_rows=2)
    project.add_detections([Span(1, "note", 5, 14, "PERSON")])

    moved = tmp_path / "moved.csv"
    moved.write_bytes(dataset_file.read_bytes())
    ref = project.set_dataset(moved, format="csv", options={"delimiter": ","}, num_rows=2)
    assert ref.path == moved.resolve()
    assert project.detection_count() == 1

    other = tmp_path / "other.csv"
    other.write_text("id,note\n1,something else entirely\n")
    with pytest.raises(ProjectError, match="another dataset"):
        project.set_dataset(other, format="csv", options={"delimiter": ","}, num_rows=1)
    with pytest.raises(ProjectError, match="another dataset"):
        project.set_dataset(moved, format="csv", options={"delimiter": ";"}, num_rows=2)
    assert project.dataset_ref().path == moved.resolve()

    project.clear_detections()
    assert project.set_dataset(other, format="csv", options={}, num_rows=1).num_rows == 1


def test_set_dataset_reports_an_unreadable_dataset(project: Project, tmp_path: Path):
    with pytest.raises(ProjectError, match="cannot be read"):
        project.set_dataset(tmp_path / "nowhere.csv", format="csv", options={}, num_rows=0)


def test_dataset_fingerprint_uses_plain_sha256_for_files(tmp_path: Path):
    path = tmp_path / "big.bin"
    payload = os.urandom(3 * (1 << 20) + 17)  # several read chunks
    path.write_bytes(payload)
    assert dataset_fingerprint(path) == hashlib.sha256(payload).hexdigest()
    assert fallback_fingerprint(path) == hashlib.sha256(payload).hexdigest()


def test_fingerprint_agrees_with_the_dataset_module_and_its_fallback(tmp_path: Path, monkeypatch):
    from privdesk.core.dataset import sha256_file

    folder = tmp_path / "letters"
    (folder / "2024").mkdir(parents=True)
    (folder / "a.txt").write_text("first letter")
    (folder / "2024" / "b.TXT").write_text("second letter")
    (folder / ".hidden.txt").write_text("not data")
    (folder / "notes.md").write_text("not a text record")
    assert dataset_fingerprint(folder) == sha256_file(folder) == fallback_fingerprint(folder)

    # without the dataset module the fallback gives the same fingerprint
    monkeypatch.setitem(sys.modules, "privdesk.core.dataset", None)
    assert dataset_fingerprint(folder) == fallback_fingerprint(folder)


# ---- detections -------------------------------------------------------------------------------------


def test_bulk_insert_and_queries(project: Project):
    spans = synthetic_spans(200_000)
    run_id = project.start_detection_run({"recognizers": ["spacy"], "threshold": 0.0})
    # CPU time, not wall time: other jobs share the test machine's cores.
    started = time.process_time()
    assert project.add_detections(iter(spans), run_id) == 200_000
    elapsed = time.process_time() - started
    assert elapsed < 10, f"200k detections took {elapsed:.1f}s of CPU"
    assert project.detection_count() == 200_000

    assert project.entity_counts() == dict(Counter(span.entity_type for span in spans))

    record_7 = project.detections(7)
    expected_7 = sorted((s.column, s.start, s.end, s.entity_type, s.score) for s in spans if s.record == 7)
    assert [(d.column, d.start, d.end, d.entity_type, d.score) for d in record_7] == expected_7
    assert all(d.run_id == run_id and d.record == 7 for d in record_7)

    emails = project.detections(entity_type="EMAIL_ADDRESS")
    assert len(emails) == sum(s.entity_type == "EMAIL_ADDRESS" for s in spans)
    both = project.detections(entity_type=["PERSON", "LOCATION"])
    assert {d.entity_type for d in both} == {"PERSON", "LOCATION"}

    band = project.detections(min_score=0.25, max_score=0.5)
    assert len(band) == sum(0.25 <= s.score <= 0.5 for s in spans)
    assert all(0.25 <= d.score <= 0.5 for d in band)

    narrow = project.detections(7, entity_type="PERSON", min_score=0.5, column="title")
    assert len(narrow) == sum(s.record == 7 and s.entity_type == "PERSON" and s.score >= 0.5 and s.column == "title"
                              for s in spans)
    assert project.detections(entity_type=[]) == []
    assert project.detection(record_7[0].id) == record_7[0]
    assert record_7[0].as_span() == Span(7, record_7[0].column, record_7[0].start, record_7[0].end,
                                         record_7[0].entity_type, record_7[0].score, record_7[0].recognizer)


@pytest.mark.slow
def test_a_million_detections_insert_well_under_a_minute(project: Project):
    spans = synthetic_spans(1_000_000, records=100_000)
    started = time.process_time()  # CPU time: other jobs share the test machine's cores
    assert project.add_detections(spans) == 1_000_000
    elapsed = time.process_time() - started
    assert elapsed < 30, f"1M detections took {elapsed:.1f}s of CPU"
    assert sum(project.entity_counts().values()) == 1_000_000


def test_add_detections_is_all_or_nothing(project: Project):
    def spans_then_failure():
        yield Span(0, "note", 0, 4, "PERSON")
        yield Span(1, "note", 0, 4, "PERSON")
        raise RuntimeError("detector crashed")

    with pytest.raises(RuntimeError, match="detector crashed"):
        project.add_detections(spans_then_failure())
    assert project.detection_count() == 0
    with pytest.raises(ProjectError, match="no run with id 99"):
        project.add_detections([Span(0, "note", 0, 4, "PERSON")], run_id=99)
    assert project.detection_count() == 0


def test_clear_detections_takes_their_decisions_but_keeps_added_spans(project: Project):
    first, _ = add_two_detections(project)
    project.record_decision("reject", detection_id=first.id)
    added = project.record_decision("add", record=3, column="note", start=30, end=40, entity_type="LOCATION")
    assert project.clear_detections() == 2
    assert project.detections() == []
    assert [d.id for d in project.decisions()] == [added.id]
    assert effective(project, 3) == [(("note", 30, 40, "LOCATION"), "accepted")]


# ---- review decisions -------------------------------------------------------------------------------


def test_each_action_and_the_effective_spans(project: Project):
    person, phone = add_two_detections(project)
    assert effective(project, 3) == [(("note", 5, 14, "PERSON"), "pending"), (("note", 18, 26, "PHONE_NUMBER"), "pending")]

    accepted = project.record_decision("accept", detection_id=person.id)
    assert (accepted.action, accepted.detection_id, accepted.record, accepted.column) == ("accept", person.id, 3, "note")
    assert accepted.created_at.tzinfo is not None
    project.record_decision("reject", detection_id=phone.id)
    assert effective(project, 3) == [(("note", 5, 14, "PERSON"), "accepted"), (("note", 18, 26, "PHONE_NUMBER"), "rejected")]

    project.record_decision("relabel", detection_id=phone.id, entity_type="US_SSN")
    project.record_decision("resize", detection_id=person.id, start=5, end=9)
    assert effective(project, 3) == [(("note", 5, 9, "PERSON"), "accepted"), (("note", 18, 26, "US_SSN"), "accepted")]

    # the latest decision sets the status; earlier relabels and resizes stay
    project.record_decision("reject", detection_id=phone.id)
    project.record_decision("accept", detection_id=phone.id)
    assert effective(project, 3)[1] == (("note", 18, 26, "US_SSN"), "accepted")

    added = project.record_decision("add", record=3, column="note", start=30, end=36, entity_type="LOCATION")
    assert (added.detection_id, added.start, added.end, added.entity_type) == (None, 30, 36, "LOCATION")
    project.record_decision("resize", added_span=added.id, start=30, end=38)
    project.record_decision("relabel", added_span=added.id, entity_type="ORGANIZATION")
    spans = project.effective_spans(3)
    added_span, status = spans[2]
    assert (added_span.start, added_span.end, added_span.entity_type, added_span.recognizer, status) == (
        30, 38, "ORGANIZATION", "analyst", "accepted")
    assert added_span.extra["added_span"] == added.id and added_span.extra["detection_id"] is None
    project.record_decision("reject", added_span=added.id)
    assert effective(project, 3)[2] == (("note", 30, 38, "ORGANIZATION"), "rejected")

    first_span = spans[0][0]
    assert first_span.extra["detection_id"] == person.id
    assert first_span.score == person.score and first_span.recognizer == "spacy"
    assert effective(project, 4) == []
    assert [d.action for d in project.decisions(3)] == [
        "accept", "reject", "relabel", "resize", "reject", "accept", "add", "resize", "relabel", "reject"]
    assert project.decisions(4) == []


@pytest.mark.parametrize("kwargs", [
    {"action": "approve", "detection_id": 1},
    {"action": "accept"},
    {"action": "accept", "detection_id": 1, "added_span": 2},
    {"action": "relabel", "detection_id": 1},
    {"action": "resize", "detection_id": 1, "start": 5, "end": 5},
    {"action": "resize", "detection_id": 1, "start": -1, "end": 4},
    {"action": "accept", "detection_id": 1, "entity_type": "PERSON"},
    {"action": "add", "record": 0, "column": "note", "start": 0, "end": 4},
    {"action": "add", "detection_id": 1, "record": 0, "column": "note", "start": 0, "end": 4, "entity_type": "PERSON"},
    {"action": "add", "record": -1, "column": "note", "start": 0, "end": 4, "entity_type": "PERSON"},
])
def test_malformed_decisions_are_refused(project: Project, kwargs: dict):
    add_two_detections(project)
    action = kwargs.pop("action")
    with pytest.raises(ValueError):
        project.record_decision(action, **kwargs)
    assert project.decisions(include_inactive=True) == []


def test_decisions_on_unknown_targets_are_refused(project: Project):
    with pytest.raises(ProjectError, match="no detection with id 12345"):
        project.record_decision("accept", detection_id=12345)
    with pytest.raises(ProjectError, match="no added span with id 7"):
        project.record_decision("reject", added_span=7)


def test_undo_and_redo(project: Project):
    person, phone = add_two_detections(project)
    assert not project.can_undo() and project.undo_last_decision() is None and project.redo_decision() is None

    first = project.record_decision("accept", detection_id=person.id)
    second = project.record_decision("relabel", detection_id=phone.id, entity_type="US_SSN")
    third = project.record_decision("reject", detection_id=person.id)

    assert project.undo_last_decision().id == third.id
    assert effective(project, 3)[0][1] == "accepted"
    assert project.undo_last_decision().id == second.id
    assert effective(project, 3)[1] == (("note", 18, 26, "PHONE_NUMBER"), "pending")
    assert project.can_redo()

    assert project.redo_decision().id == second.id
    assert effective(project, 3)[1] == (("note", 18, 26, "US_SSN"), "accepted")
    assert [d.id for d in project.decisions()] == [first.id, second.id]

    # a new decision forks history: the undone one can no longer be redone
    fourth = project.record_decision("reject", detection_id=phone.id)
    assert not project.can_redo() and project.redo_decision() is None
    states = {d.id: d.state for d in project.decisions(include_inactive=True)}
    assert states == {first.id: "active", second.id: "active", third.id: "discarded", fourth.id: "active"}
    assert [event for event, _ in project.decision_history(third.id)] == ["record", "undo", "discard"]
    assert [event for event, _ in project.decision_history(second.id)] == ["record", "undo", "redo"]

    for expected in (fourth, second, first):
        assert project.undo_last_decision().id == expected.id
    assert project.undo_last_decision() is None
    assert effective(project, 3) == [(("note", 5, 14, "PERSON"), "pending"), (("note", 18, 26, "PHONE_NUMBER"), "pending")]
    for expected in (first, second, fourth):
        assert project.redo_decision().id == expected.id
    assert project.redo_decision() is None


def test_undo_survives_reopening(tmp_path: Path):
    with Project.create(tmp_path / "study") as first_session:
        person, _ = add_two_detections(first_session)
        first_session.record_decision("accept", detection_id=person.id)
        rejected = first_session.record_decision("reject", detection_id=person.id)
        first_session.undo()
    with Project.open(tmp_path / "study") as second_session:  # the suffix may be left out, as for create()
        assert second_session.path == (tmp_path / "study.privdesk").resolve()
        assert second_session.redo_decision().id == rejected.id
        assert effective(second_session, 3)[0][1] == "rejected"


def test_a_bulk_decision_is_one_undo_step(project: Project):
    project.add_detections([Span(r, "note", 0, 5, "EMAIL_ADDRESS", 0.99) for r in range(50)])
    lone = project.record_decision("reject", detection_id=project.detections(0)[0].id)
    bulk = project.record_decisions(DecisionRequest("accept", detection_id=d.id)
                                    for d in project.detections(entity_type="EMAIL_ADDRESS"))
    assert len(bulk) == 50 and len({d.step for d in bulk}) == 1
    assert project.reviewed_records() == set(range(50))

    undone = project.undo()
    assert [d.id for d in undone] == [d.id for d in bulk] and all(d.state == "undone" for d in undone)
    assert [d.id for d in project.decisions()] == [lone.id]
    assert project.reviewed_records() == {0}
    assert len(project.redo()) == 50
    assert effective(project, 0) == [(("note", 0, 5, "EMAIL_ADDRESS"), "accepted")]


def test_review_progress_and_pending_records(project: Project, dataset_file: Path):
    project.add_detections([Span(r, "note", 0, 5, "PERSON") for r in (1, 1, 4, 6)])
    assert project.review_progress() == (0, 3)  # no dataset yet: records with detections
    project.set_dataset(dataset_file, format="csv", options={}, num_rows=10)
    assert project.pending_records() == [1, 4, 6]

    one, other = project.detections(1)
    project.record_decision("accept", detection_id=one.id)
    assert project.pending_records() == [1, 4, 6]  # record 1 still has an undecided detection
    project.record_decision("reject", detection_id=other.id)
    project.record_decision("add", record=8, column="note", start=0, end=3, entity_type="PERSON")
    assert project.pending_records() == [4, 6]
    assert project.reviewed_records() == {1, 8}
    assert project.review_progress() == (2, 10)


def test_iter_effective_spans_visits_every_reviewed_record_in_order(project: Project):
    project.add_detections([Span(r, "note", 0, 5, "PERSON") for r in (2, 5, 5)])
    project.record_decision("add", record=0, column="note", start=1, end=3, entity_type="AGE")
    project.record_decision("add", record=3, column="note", start=1, end=3, entity_type="AGE")
    project.record_decision("add", record=9, column="note", start=1, end=3, entity_type="AGE")
    project.record_decision("reject", detection_id=project.detections(2)[0].id)
    seen = [(record, [status for _, status in spans]) for record, spans in project.iter_effective_spans()]
    assert seen == [(0, ["accepted"]), (2, ["rejected"]), (3, ["accepted"]), (5, ["pending", "pending"]),
                    (9, ["accepted"])]
    assert all(spans == project.effective_spans(record) for record, spans in project.iter_effective_spans())


_KILLED_WRITER = textwrap.dedent("""
    import sys
    from privdesk.core.project import Project

    project = Project.open(sys.argv[1])
    ids = [d.id for d in project.detections()]
    i = 0
    while True:
        action = "accept" if i % 2 else "reject"
        decision = project.record_decision(action, detection_id=ids[i % len(ids)])
        print(decision.id, flush=True)
        i += 1
""")


def test_confirmed_decisions_survive_a_kill_9(tmp_path: Path):
    with Project.create(tmp_path / "crash") as made:
        made.add_detections(synthetic_spans(2_000))
        path = made.path
    script = tmp_path / "writer.py"
    script.write_text(_KILLED_WRITER)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, env=env, text=True)
    confirmed: list[int] = []
    try:
        assert child.stdout is not None
        while len(confirmed) < 40:
            line = child.stdout.readline()
            assert line, "the writer stopped before it was killed"
            confirmed.append(int(line))
        os.kill(child.pid, signal.SIGKILL)
        confirmed.extend(int(line) for line in child.stdout.read().split())  # printed before the kill landed
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with Project.open(path) as reopened:
        stored = {d.id: d for d in reopened.decisions()}
        assert set(confirmed) <= set(stored)
        assert len(stored) <= len(confirmed) + 1  # at most the one in flight when killed
        conn = reopened._connections.get()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_threads_write_detections_while_the_gui_thread_records_decisions(project: Project):
    project.add_detections([Span(r, "note", 0, 5, "PERSON") for r in range(200)])
    targets = [d.id for d in project.detections()]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run_id = project.start_detection_run({"batch": 1000})
            for batch in range(20):
                project.add_detections((Span(1000 + batch * 1000 + i, "note", 0, 3, "LOCATION") for i in range(1000)),
                                       run_id)
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    for detection_id in targets:
        project.record_decision("accept", detection_id=detection_id)
        project.effective_spans(0)
    thread.join(timeout=120)
    assert not thread.is_alive() and errors == []
    assert project.entity_counts() == {"PERSON": 200, "LOCATION": 20_000}
    assert len(project.decisions()) == 200


# ---- policy, runs, settings -------------------------------------------------------------------------


def test_policy_is_replaced_and_timestamped(project: Project):
    assert project.policy() is None and project.policy_updated_at() is None
    project.set_policy("PERSON: redact\n", "Draft")
    first_time = project.policy_updated_at()
    project.set_policy("PERSON: surrogate\n", "Final")
    assert project.policy() == ("PERSON: surrogate\n", "Final")
    assert project.policy_updated_at() >= first_time


def test_runs_record_status_results_and_artefacts(project: Project, tmp_path: Path):
    training = project.add_run("training", {"epsilon": 8.0, "epochs": 2})
    evaluation = project.add_run("evaluation", {"attacks": ["mia"]})
    assert [r.status for r in project.runs()] == ["pending", "pending"]

    project.update_run(training, status="running")
    project.update_run(training, artefacts={"model": tmp_path / "model"})
    run = project.update_run(training, status="done", results={"epsilon_spent": 7.9},
                             artefacts={"card": str(tmp_path / "card.md")})
    assert run.status == "done" and run.results == {"epsilon_spent": 7.9}
    assert run.artefacts == {"model": tmp_path / "model", "card": tmp_path / "card.md"}
    assert run.updated_at >= run.created_at
    assert [r.id for r in project.runs("training")] == [training]
    assert [r.id for r in project.runs("evaluation")] == [evaluation]
    assert project.run(training) == run

    with pytest.raises(ValueError, match="unknown run status"):
        project.update_run(training, status="finished")
    with pytest.raises(ProjectError, match="no run with id 999"):
        project.update_run(999, status="done")


def test_settings_hold_json_values(project: Project):
    assert project.get_setting("detection_threshold", 0.5) == 0.5
    project.set_setting("detection_threshold", 0.35)
    project.set_setting("languages", ["en"])
    project.set_setting("detection_threshold", 0.4)
    assert project.get_setting("detection_threshold") == 0.4
    assert project.settings() == {"detection_threshold": 0.4, "languages": ["en"]}
    project.delete_setting("languages")
    assert project.get_setting("languages") is None
    with pytest.raises(ValueError, match="JSON"):
        project.set_setting("bad", object())


# ---- project secret ---------------------------------------------------------------------------------


def test_secret_without_passphrase_lives_behind_a_0600_key_file(tmp_path: Path):
    with Project.create(tmp_path / "study") as made:
        secret = made.project_secret()
        key_path = made.key_path
    assert len(secret) == 32
    assert key_path == tmp_path.resolve() / "study.privdesk.key"
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert secret not in key_path.read_bytes() and secret not in (tmp_path / "study.privdesk").read_bytes()
    with Project.open(tmp_path / "study.privdesk") as reopened:
        assert not reopened.needs_passphrase
        assert reopened.project_secret() == secret
        with pytest.raises(ProjectError, match="no passphrase"):
            reopened.project_secret("guess")

    saved = key_path.read_bytes()
    key_path.unlink()
    with Project.open(tmp_path / "study.privdesk") as without_key:
        with pytest.raises(ProjectError, match="key file is missing") as caught:
            without_key.project_secret()
        assert caught.value.path == key_path

    with Project.create(tmp_path / "other") as other:
        other_key = other.key_path.read_bytes()
    key_path.write_bytes(other_key)
    with Project.open(tmp_path / "study.privdesk") as wrong_key:
        with pytest.raises(ProjectError, match="belongs to another project"):
            wrong_key.project_secret()
    key_path.write_bytes(saved)
    with Project.open(tmp_path / "study.privdesk") as restored:
        assert restored.project_secret() == secret


def test_secret_with_passphrase(tmp_path: Path):
    with Project.create(tmp_path / "vaulted", passphrase="correct horse") as made:
        secret = made.project_secret()
        assert made.needs_passphrase
    assert not (tmp_path / "vaulted.privdesk.key").exists()

    with Project.open(tmp_path / "vaulted.privdesk", passphrase="correct horse") as reopened:
        assert reopened.project_secret() == secret  # kept in memory after the check at opening
    with pytest.raises(ProjectError, match="passphrase is wrong"):
        Project.open(tmp_path / "vaulted.privdesk", passphrase="wrong horse")

    with Project.open(tmp_path / "vaulted.privdesk") as locked:
        with pytest.raises(ProjectError, match="protected by a passphrase"):
            locked.project_secret()
        with pytest.raises(ProjectError, match="passphrase is wrong"):
            locked.project_secret("Correct horse")
        with pytest.raises(ProjectError, match="empty"):
            locked.project_secret("")
        assert locked.project_secret("correct horse") == secret


def test_change_passphrase_keeps_the_secret(tmp_path: Path):
    with Project.create(tmp_path / "study") as made:
        secret = made.project_secret()
        made.change_passphrase(None, "first phrase")
        assert not made.key_path.exists()
        made.change_passphrase("first phrase", "second phrase")
        key_path = made.key_path
    with Project.open(tmp_path / "study.privdesk", passphrase="second phrase") as reopened:
        assert reopened.project_secret() == secret
        with pytest.raises(ProjectError, match="passphrase is wrong"):
            reopened.change_passphrase("first phrase", None)
        reopened.change_passphrase("second phrase", None)
    assert key_path.stat().st_mode & 0o777 == 0o600
    with Project.open(tmp_path / "study.privdesk") as back_to_key_file:
        assert back_to_key_file.project_secret() == secret


# ---- no data values in the file ---------------------------------------------------------------------


def test_no_value_text_reaches_the_project_file(tmp_path: Path):
    dataset = tmp_path / "patients.csv"
    note = f"Patient {CANARY} was seen on Monday; call {CANARY} back."
    dataset.write_text(f"id,note\n1,{note}\n2,nothing here\n", encoding="utf-8")
    first = note.index(CANARY)
    second = note.index(CANARY, first + 1)

    with Project.create(tmp_path / "canary") as made:
        made.set_dataset(dataset, format="csv", options={"delimiter": ","}, num_rows=2)
        made.set_column_roles({"id": IGNORE, "note": TEXT})
        run_id = made.start_detection_run({"threshold": 0.3})
        made.add_detections([Span(0, "note", first, first + len(CANARY), "PERSON", 0.93, "spacy"),
                             Span(0, "note", second, second + 8, "PERSON", 0.51, "spacy")], run_id)
        person, partial = made.detections(0)
        made.record_decision("accept", detection_id=person.id)
        made.record_decision("resize", detection_id=partial.id, start=second, end=second + len(CANARY))
        made.record_decision("add", record=0, column="note", start=0, end=7, entity_type="NRP")
        made.update_run(run_id, status="done", results={"spans": 2})
        made.set_policy("PERSON: redact\n", "Default")
        made.set_setting("detection_threshold", 0.3)
        made.project_secret()
        files = [made.path, Path(f"{made.path}-wal"), made.key_path]
        assert Path(f"{made.path}-wal").exists()
        _assert_no_canary(files)
    _assert_no_canary(files)


def _assert_no_canary(files: list[Path]) -> None:
    needles = [CANARY.encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")]
    needles += [needle.lower() for needle in needles[:1]] + [b"Zorblax", b"Quintavius"]
    for file in files:
        if not file.exists():
            continue
        content = file.read_bytes()
        for needle in needles:
            assert needle not in content, f"{needle!r} found in {file.name}"
