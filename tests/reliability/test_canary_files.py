"""No PII where it should not be: after the whole pipeline on data seeded with unique canary values, no
file PrivDesk wrote, other than the sanitized export, the encrypted vault and the restored copy the
analyst asked for, holds a canary or a fragment of one.

Searched: logs at DEBUG, the temp folder (TMPDIR), HOME and the XDG folders, QSettings, the settings
file, the project file (raw bytes, its WAL, and every row of every table), the automatic project
the GUI made, run folders (run.json, split.json, metrics.json, sealed canaries, model card, the
model, sealed checkpoints), audit reports, evaluation reports (HTML, PDF, JSON), and the chart PNGs
inside the reports with their metadata chunks. Each file's raw bytes are searched case-insensitively
in UTF-8, UTF-16 and URL encoding, and so are the contents hidden inside it: base64 images in HTML,
compressed PDF streams, PNG text chunks, SQLite rows.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import sqlite3
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, quote_plus

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

import pytest  # noqa: E402

from privdesk.core.synth import write_synth  # noqa: E402
from privdesk.gui.project_controller import PROJECTS_FOLDER_ENV  # noqa: E402

from tests.reliability.pipeline import (  # noqa: E402
    CANARY_FRAGMENTS,
    CANARY_NAME_RECORD,
    CANARY_PERSON,
    CANARY_VALUES,
    canary_dataset,
    canary_spans,
    run_pipeline,
)

NEEDLES: tuple[str, ...] = CANARY_VALUES + CANARY_FRAGMENTS

# ---- the search -------------------------------------------------------------------------------------------------


def _encodings(text: str) -> set[bytes]:
    forms = {text.lower(), quote(text.lower()), quote_plus(text.lower())}
    return {form.encode(encoding) for form in forms for encoding in ("utf-8", "utf-16-le", "utf-16-be")}


_NEEDLE_BYTES: tuple[tuple[str, bytes], ...] = tuple((needle, encoded) for needle in NEEDLES
                                                     for encoded in sorted(_encodings(needle)))


@dataclass(frozen=True)
class Hit:
    where: str  # file, and the part inside it
    needle: str

    def __str__(self) -> str:
        return f"{self.where}: {self.needle!r}"


def _png_texts(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(chunk name, text) of every tEXt, zTXt, iTXt and eXIf chunk: the metadata a PNG can carry."""
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        name = kind.decode("latin-1")
        if name == "tEXt":
            yield name, body
        elif name == "zTXt":
            keyword, _, rest = body.partition(b"\0")
            yield name, keyword + b" " + zlib.decompress(rest[1:])
        elif name == "iTXt":
            keyword, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            yield name, keyword + b" " + (zlib.decompress(text) if compressed else text)
        elif name == "eXIf":
            yield name, body


_PDF_STRING = re.compile(rb"\((?:[^()\\]|\\.)*\)")


def _pdf_text(stream: bytes) -> bytes:
    """The text a content stream shows: matplotlib writes "[ (Q) -0.39 (u) ... ] TJ", one kerned letter apart."""
    shown = [match.group(1) for match in re.finditer(rb"\[(.*?)\]\s*TJ", stream, re.DOTALL)]
    shown += [match.group(1) for match in re.finditer(rb"(\((?:[^()\\]|\\.)*\))\s*Tj", stream)]
    text = b"\n".join(b"".join(literal[1:-1] for literal in _PDF_STRING.findall(part)) for part in shown)
    return text.replace(b"\\(", b"(").replace(b"\\)", b")").replace(b"\\\\", b"\\")


def _pdf_streams(data: bytes) -> Iterator[bytes]:
    """Every stream, inflated, followed by the text it shows."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            stream = zlib.decompress(match.group(1))
        except zlib.error:
            stream = match.group(1)
        yield stream + b"\n" + _pdf_text(stream)


def _sqlite_rows(path: Path) -> Iterator[tuple[str, bytes]]:
    """("table.column", value) of every cell of every table, read from a copy (with its WAL)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        for suffix in ("", "-wal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
        connection = sqlite3.connect(copy)
        try:
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                cursor = connection.execute(f'SELECT * FROM "{table}"')
                columns = [description[0] for description in cursor.description]
                for row in cursor:
                    for column, value in zip(columns, row):
                        if value is not None:
                            yield f"{table}.{column}", value if isinstance(value, bytes) else str(value).encode()
        finally:
            connection.close()


def search_bytes(data: bytes, where: str) -> list[Hit]:
    """Canaries in `data` and in what it holds (embedded images, compressed streams, PNG metadata)."""
    lowered = data.lower()
    found = {needle for needle, encoded in _NEEDLE_BYTES if encoded in lowered}
    hits = [Hit(where, needle) for needle in sorted(found)]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        for chunk, text in _png_texts(data):
            hits += search_bytes(text, f"{where} [PNG {chunk} chunk]")
    if data.startswith(b"%PDF"):
        for number, stream in enumerate(_pdf_streams(data)):
            hits += search_bytes(stream, f"{where} [PDF stream {number}]")
    for number, match in enumerate(re.finditer(rb"data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)", data)):
        hits += search_bytes(base64.b64decode(match.group(1)), f"{where} [embedded data {number}]")
    return hits


def search_file(path: Path) -> list[Hit]:
    data = path.read_bytes()
    hits = search_bytes(data, str(path))
    if data.startswith(b"SQLite format 3\0"):
        for where, value in _sqlite_rows(path):
            hits += search_bytes(value, f"{path} [{where}]")
    return hits


def files_under(roots: list[Path], skip: set[Path]) -> list[Path]:
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink() and path.resolve() not in skip:
                found.append(path)
    return found


def search_files(roots: list[Path], skip: set[Path]) -> tuple[list[Path], list[Hit]]:
    files = files_under(roots, skip)
    return files, [hit for path in files for hit in search_file(path)]


def embedded_pngs(path: Path) -> int:
    return len(re.findall(rb"data:image/png;base64,", path.read_bytes()))


# ---- the search itself is tested ----------------------------------------------------------------------------------


def test_the_search_finds_canaries_in_every_form_it_claims(tmp_path):
    import io

    from matplotlib.figure import Figure

    assert search_bytes(b"xx ZORBLAX QUINTAVIUS yy", "upper")  # case
    assert {h.needle for h in search_bytes("quintavius".encode("utf-16-le"), "utf16")} == {"Quintavius"}
    assert search_bytes(b"mailto:zq-canary-7731%40example.org", "url")
    assert search_bytes(b"Quintaviu, 555-014, zq-canary-773", "near misses") == []
    chunk = b"Comment\0by Vexmoor"
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I4s", len(chunk), b"tEXt") + chunk + b"\0\0\0\0")
    html = b"<img src='data:image/png;base64," + base64.b64encode(png) + b"'>"
    assert "page [embedded data 0] [PNG tEXt chunk]" in [h.where for h in search_bytes(html, "page")]
    figure = Figure()
    figure.text(0.5, 0.5, "Quillfeather")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    assert "Quillfeather" not in buffer.getvalue().decode("latin-1")  # compressed: only the stream search sees it
    assert any("PDF stream" in h.where for h in search_bytes(buffer.getvalue(), "pdf"))
    database = tmp_path / "t.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (v BLOB)")
        connection.execute("INSERT INTO t VALUES (?)", (zlib.compress(b"x" * 50),))
        connection.execute("INSERT INTO t VALUES ('zq-canary-7731')")
    connection.close()
    assert any("[t.v]" in h.where for h in search_file(database))


# ---- in process, with the GUI ------------------------------------------------------------------------------------


@pytest.fixture
def canary_places(tmp_path, monkeypatch, qapp) -> dict[str, Path]:
    """TMPDIR, HOME, XDG, QSettings and the automatic projects' folder under tmp_path; root logger at
    DEBUG into a log file there."""
    from PySide6.QtCore import QSettings

    places = {name: tmp_path / name for name in ("temp", "home", "qsettings", "projects", "logs")}
    for folder in places.values():
        folder.mkdir()
    for variable in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(variable, str(places["temp"]))
    monkeypatch.setattr(tempfile, "tempdir", None)  # recomputed from TMPDIR on next use
    monkeypatch.setenv("HOME", str(places["home"]))
    for variable, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                          ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(variable, str(places["home"] / sub))
    monkeypatch.setenv(PROJECTS_FOLDER_ENV, str(places["projects"]))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(places["qsettings"] / "user"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(places["qsettings"] / "system"))

    root = logging.getLogger()
    handler = logging.FileHandler(places["logs"] / "privdesk-debug.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield places
    root.removeHandler(handler)
    root.setLevel(previous_level)
    handler.close()


def _review_in_the_window(qtbot, engine, dataset: Path):
    """Open the dataset in the main window, detect (the real engine, in this thread), accept a finding with
    the keyboard, save the preferences; then close the window (it writes its QSettings)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from privdesk.gui import refcount_guard
    from privdesk.gui.main_window import MainWindow
    from privdesk.gui.workers import SynchronousThreadPool

    refcount_guard.install()
    window = MainWindow(thread_pool=SynchronousThreadPool(), engine_factory=lambda settings: engine)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_dataset(dataset)
    project = window.project
    assert project is not None, "opening a dataset creates its automatic project"
    window.tabs.setCurrentWidget(window.review_tab)
    window.review_tab.run_detection()
    QApplication.processEvents()
    assert window.review_tab.findings(), "the real engine found something to review"
    window.review_tab.text_view.setFocus()
    QTest.keyClick(window.review_tab.text_view, Qt.Key.Key_A)
    QApplication.processEvents()
    decisions = [decision.action for decision in project.decisions()]
    preferences = window.show_preferences()
    qtbot.mouseClick(preferences.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    window.close()
    return decisions


@pytest.mark.slow
def test_no_canary_outside_the_export_and_the_vault(netguard_restored, no_network, canary_places, tmp_path, qtbot,
                                                    isolated_config_dir, monkeypatch):
    from privdesk.core.detect import DetectionEngine, DetectionSettings
    from privdesk.core.mask import vault as vault_module

    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)
    data = canary_dataset()
    dataset, gold = write_synth(data, tmp_path / "inputs" / "notes.csv")
    assert data.columns["patient_name"][CANARY_NAME_RECORD] == CANARY_PERSON
    with DetectionEngine(DetectionSettings(jobs=1)) as engine:
        outputs = run_pipeline(tmp_path / "work", dataset, engine=engine, canary_spans=canary_spans(data),
                               interrupt_training=True)
        gui_decisions = _review_in_the_window(qtbot, engine, dataset)
    assert gui_decisions == ["accept"]

    user_data = outputs.user_data_files() | {gold.resolve()}
    files, hits = search_files([tmp_path], skip=user_data)
    assert not hits, "canary values found outside the export and the vault:\n" + "\n".join(map(str, hits))

    # The search looked where it should, and would have seen a canary there.
    assert all(search_file(path) for path in (dataset, outputs.restored)), "the search misses canaries"
    assert not search_file(outputs.export), "the analyst added every canary: the export holds none"
    names = {path.name for path in files}
    run_files = {"run.json", "split.json", "metrics.json", "canaries.enc", "model_card.json", "model_card.md",
                 "tokenizer.json", "model.safetensors"}
    assert run_files <= names, run_files - names
    assert {"study.privdesk", "audit.html", "audit.json", "evaluation.html", "evaluation.json",
            "privdesk-debug.log", "settings.json"} <= names
    assert list(outputs.checkpoint_copy.glob("*.ckpt")), "a sealed checkpoint was searched"
    assert list(canary_places["projects"].glob("*.privdesk")), "the GUI's automatic project was searched"
    assert list(canary_places["qsettings"].rglob("*.ini")), "the GUI's QSettings were searched"
    assert embedded_pngs(outputs.reports[0]) >= 3, "the report's charts were searched"
    log = (canary_places["logs"] / "privdesk-debug.log").read_text(encoding="utf-8")
    assert " DEBUG " in log and "privdesk." in log, "the pipeline logged at DEBUG"


# ---- the CLI, with --debug ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_canary_in_what_the_cli_wrote(cli_pipeline_run):
    outputs = cli_pipeline_run.outputs
    assert not outputs.failures(), "\n\n".join(outputs.failures())
    roots = list(cli_pipeline_run.roots.values())
    files, hits = search_files(roots, skip=outputs.user_data_files())
    assert not hits, "canary values found in files privdesk-cli wrote:\n" + "\n".join(map(str, hits))

    assert all(search_file(path) for path in (outputs.dataset, outputs.restored)), "the search misses canaries"
    names = {path.name for path in files}
    assert {"detections.jsonl", "audit.html", "audit.json", "evaluation.html", "evaluation.pdf", "evaluation.json",
            "run.json", "split.json", "metrics.json", "model_card.md", "project.secret"} <= names
    stderr = "".join(result.stderr for _, result in outputs.commands)
    assert "DEBUG privdesk." in stderr, "the CLI logged at DEBUG"


# ---- smaller places values could go -----------------------------------------------------------------------------


def test_a_crash_report_in_the_log_names_no_value(tmp_path):
    from privdesk.core.errors import DatasetError
    from privdesk.gui.error_reporting import log_unexpected_error

    def parse_age(cell: str) -> int:
        return int(cell)

    log_file = tmp_path / "privdesk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    logger = logging.getLogger("privdesk.gui")
    logger.addHandler(handler)
    try:
        try:
            try:
                parse_age(CANARY_PERSON)
            except ValueError as error:
                raise DatasetError(f"cannot read {CANARY_PERSON!r} as an age.") from error
        except DatasetError as error:
            log_unexpected_error(error, context="reading the dataset")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = log_file.read_text(encoding="utf-8")
    assert "parse_age" in text and "ValueError" in text  # the stack is there ...
    assert search_file(log_file) == []  # ... the values are not


def test_deny_list_terms_are_not_kept_in_clear_in_the_project_file(tmp_path):
    # Once a FINDING: the lists and custom recognizers were stored in clear; they are sealed now
    # (privdesk.core.project.sealed_settings).
    from privdesk.core.detect import CustomRecognizerSpec, DetectionOptions, write_detection_options
    from privdesk.core.project import Project
    from privdesk.core.review import ReviewLists, write_lists
    from tests.reliability.pipeline import CANARY_ADDRESS, CANARY_EMAIL, CANARY_PHONE, CANARY_SSN

    recognizer = CustomRecognizerSpec(name="ssn-like", entity_type="US_SSN", patterns=[re.escape(CANARY_SSN)],
                                      terms=[CANARY_ADDRESS], context=[CANARY_EMAIL])
    with Project.create(tmp_path / "study.privdesk") as project:
        write_lists(project, ReviewLists(allow=[CANARY_PHONE], deny={"PERSON": [CANARY_PERSON]}))
        write_detection_options(project, DetectionOptions(custom_recognizers=[recognizer]))
        wal = tmp_path / "study.privdesk-wal"
        assert wal.exists() and search_bytes(wal.read_bytes(), str(wal)) == []
    assert search_file(tmp_path / "study.privdesk") == []


@pytest.mark.slow
def test_the_tiny_tokenizer_does_not_learn_a_value_seen_twice(tmp_path):
    # Once a FINDING: train_tiny_tokenizer() fitted the Tiny model's BPE vocabulary on the training texts
    # (min_frequency=2), so a value that masking missed and that occurred twice became a token in
    # RUN_DIR/model/tokenizer.json, outside the DP guarantee. Tiny now uses the public vocabulary shipped in
    # resources/models/tiny-tokenizer (privdesk.core.train.tiny_tokenizer).
    import csv

    from privdesk.core.synth import generate_dataset
    from privdesk.core.train import SealKey, TrainConfig, train

    texts = list(generate_dataset("notes", rows=200, seed=1).columns["note_text"])
    for record in (3, 50):
        texts[record] += f" Contact {CANARY_PERSON}."
    data = tmp_path / "notes.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["note"], *([text] for text in texts)])
    config = TrainConfig(data_path=data, model="tiny", dp=False, epochs=1, batch_size=100, physical_batch_size=100,
                         max_length=32, tiny_layers=1, tiny_hidden=32, tiny_heads=2, tiny_vocab_size=4000,
                         num_threads=1)
    result = train(config, tmp_path / "run", key=SealKey.from_secret(os.urandom(32)))
    vocabulary = (result.model_dir / "tokenizer.json").read_bytes()
    assert search_bytes(vocabulary, "tokenizer.json") == []
    files, hits = search_files([result.run_dir], skip=set())
    assert len(files) >= 5 and hits == []
