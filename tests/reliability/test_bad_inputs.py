"""The bad-input corpus (tests/data/bad; README.md there lists each input) through the core and the CLI.

Every input either gives one clear error, a PrivDeskError whose message names the file, says what is
wrong and what to do, on one line, without data values; or it is processed correctly, and the test
checks the content that comes out. The CLI runs in a subprocess: an error is exit status 2 and one
`privdesk-cli: error:` line on stderr, never a traceback. Large inputs and inputs that need a project,
a vault or a training run are made at test time (make_large.py, or below).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from privdesk.core.dataset import DatasetError, inspect_dataset, iter_batches, read_dataset
from privdesk.core.errors import PrivDeskError, ProjectError
from privdesk.core.evaluate.gold import read_span_file
from privdesk.core.mask import Policy, PolicyError, VaultError, export_dataset, load_policy, reidentify_file
from privdesk.core.mask.presets import resolve_policy
from privdesk.core.project import Project
from privdesk.core.types import Span

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad"
PASSPHRASE = "correct horse battery staple"
TAG_ALL = Policy.from_dict({"name": "Tag everything", "default": {"operator": "tag"}})


def _load_make_large():
    spec = importlib.util.spec_from_file_location("bad_corpus_make_large", CORPUS / "make_large.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_large = _load_make_large()


# ---- helpers ------------------------------------------------------------------------------------------------


def assert_clear(error: PrivDeskError, path: Path, *fragments: str, values: tuple[str, ...] = ()) -> str:
    """The message names the file, holds `fragments`, says what to do, is one line, and quotes no data."""
    message = error.message
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert error.hint, f"no advice on what to do: {message!r}"
    assert "\n" not in message and "Traceback" not in message, message
    assert not any(marker in message for marker in ("Error(", "<class", "Exception:", "errno")), message
    for value in values:
        assert value not in message, f"the data value {value!r} leaked into {message!r}"
    return message


def refused_by_every_reader(path: Path, *fragments: str, values: tuple[str, ...] = ()) -> str:
    """read_dataset, inspect_dataset and a full iter_batches pass all raise the same clear DatasetError."""
    messages = []
    for read in (read_dataset, inspect_dataset, lambda p: [batch.num_rows for batch in iter_batches(p)]):
        with pytest.raises(DatasetError) as raised:
            read(path)
        messages.append(assert_clear(raised.value, path, *fragments, values=values))
    assert len(set(messages)) == 1, messages
    return messages[0]


def read_both(path: Path, **kwargs):
    """read_dataset and inspect_dataset agree on rows, columns and warnings; returns both."""
    dataset = read_dataset(path, **kwargs)
    summary = inspect_dataset(path, **kwargs)
    assert summary.num_rows == dataset.num_rows
    assert [column.name for column in summary.columns] == dataset.columns
    assert summary.warnings == dataset.warnings
    return dataset, summary


def csv_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def email_spans(dataset, column: str, emails: tuple[str, ...]) -> list[list[Span]]:
    """Spans over each e-mail address in `column`, found by character offset (as a detector reports them)."""
    spans = []
    for record in range(dataset.num_rows):
        text = dataset.text(record, column)
        found = []
        for email in emails:
            start = text.find(email)
            if start != -1:
                found.append(Span(record, column, start, start + len(email), "EMAIL_ADDRESS", 1.0, "test"))
        spans.append(sorted(found, key=lambda span: span.start))
    return spans


def masked_text(text: str, emails: tuple[str, ...]) -> str:
    for email in emails:
        text = text.replace(email, "<EMAIL_ADDRESS>")
    return text


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    assert path.exists(), f"{name} is missing from the corpus; run tests/data/bad/make_corpus.py"
    return path


# ---- the corpus itself ----------------------------------------------------------------------------------------


def test_the_corpus_is_small_complete_and_documented():
    files = [path for path in CORPUS.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    inputs = [path for path in files if path.suffix not in (".py", ".md")]
    assert len(inputs) >= 25
    assert sum(path.stat().st_size for path in files) < 1024 * 1024
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for path in inputs:
        entry = path.relative_to(CORPUS).parts[0]
        assert f"`{entry}" in readme, f"{entry} is not listed in tests/data/bad/README.md"


# ---- datasets that are refused --------------------------------------------------------------------------------

REFUSED = {
    "empty.csv": ("is empty",),
    "bom_only.csv": ("holds only blank lines",),
    "binary_junk.csv": ("binary data",),
    "truncated.csv.gz": ("gzip-compressed", "Decompress"),
    "zip_posing_as.csv": ("ZIP archive",),
    "nul_bytes.csv": ("NUL byte on line 2",),
    "ragged_extra_field.csv": ("line 3 has 3 fields but the header has 2",),
    "ragged_missing_field.csv": ("line 3 has 2 fields but the header has 3",),
    "unclosed_quote.csv": ("quote", "on line 2 is never closed"),
    "deeply_nested.json": ("nested more than 100 levels deep",),
    "mixed_types_array.json": ("record 2 of the array is a number, not an object",),
    "broken_line.jsonl": ("line 2 is not valid JSON",),
    "huge_number.json": ("number longer than",),
    "dotted_key_collision.json": ("field 'patient.name' twice",),
    "truncated.parquet": ("truncated Parquet file",),
    "txt_folder_with_binary": ("corrupt.txt", "binary data"),
}
# Values in those files that must never appear in an error message.
DATA_VALUES = ("Ann", "Bob", "Secret Value", "Smith", "Patient 1", "this quote")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_datasets_are_refused_with_a_clear_error(name):
    refused_by_every_reader(corpus_file(name), *REFUSED[name], values=DATA_VALUES)


def test_a_nul_byte_deep_in_a_large_file_gets_the_same_error_with_its_line(tmp_path):
    path = tmp_path / "late_nul.csv"
    rows = "".join(f"{i},note number {i}\n" for i in range(20_000))  # far past the 64 KiB sample
    path.write_bytes(b"id,note\n" + rows.encode("ascii") + b"20000,bad\x00cell\n")
    refused_by_every_reader(path, "has a NUL byte on line 20,002", "Remove the NUL bytes")


def test_a_deeply_nested_json_of_100000_levels_is_refused_not_a_recursion_error(tmp_path):
    for lines in (False, True):
        path = make_large.write_deeply_nested_json(tmp_path / f"deep.{'jsonl' if lines else 'json'}", lines=lines)
        refused_by_every_reader(path, "nested more than 100 levels deep", "line 1")


@pytest.fixture(scope="module")
def single_line_50mb(tmp_path_factory) -> Path:
    return make_large.write_single_line(tmp_path_factory.mktemp("large") / "single_line_50mb.txt")


@pytest.mark.slow
def test_a_50mb_single_line_text_file_is_one_record(single_line_50mb):
    dataset, summary = read_both(single_line_50mb)
    assert dataset.columns == ["text"] and dataset.num_rows == 1
    text = dataset.text(0, "text")
    assert len(text) == make_large.SINGLE_LINE_BYTES
    assert text.startswith(make_large.LINE_START) and text.endswith(make_large.LINE_END)
    assert summary.columns[0].text_length_max == make_large.SINGLE_LINE_BYTES


@pytest.mark.slow
def test_a_50mb_single_line_csv_is_refused_as_having_no_header_row(single_line_50mb, tmp_path):
    path = tmp_path / "single_line_50mb.csv"
    os.link(single_line_50mb, path)
    started = time.monotonic()
    refused_by_every_reader(path, "no line break in its first 1 MB", "txt format")
    assert time.monotonic() - started < 10  # the first megabyte decides; nothing splits 50 MB into columns


# ---- datasets that are read, with content checked ----------------------------------------------------------------


def test_latin1_and_cp1252_are_read_with_a_warning_and_the_right_characters():
    dataset, _ = read_both(corpus_file("latin1.csv"))
    assert dataset.encoding == "cp1252" and "not valid UTF-8" in dataset.warnings[0]
    assert dataset.column_values("name") == ["José Müller", "Françoise Løvås"]
    assert dataset.column_values("city") == ["Zürich", "Malmö"]
    dataset, _ = read_both(corpus_file("cp1252.csv"))
    assert dataset.column_values("note") == ["\u201cQuoted\u201d \u2013 costs 5\u20ac \u2026 O\u2019Brien"]


def test_utf16_without_a_byte_order_mark_is_recognised():
    dataset, _ = read_both(corpus_file("utf16le_no_bom.csv"))
    assert dataset.encoding == "utf-16-le" and "no byte-order mark" in dataset.warnings[0]
    assert dataset.column_values("name") == ["Ann Smith", "Bob Jones"]


def test_mixed_encodings_are_read_and_named_in_the_warning():
    dataset, _ = read_both(corpus_file("mixed_encodings.csv"))
    assert "mixes encodings" in dataset.warnings[0]
    assert dataset.column_values("note")[1] == "Café in cp1252"  # the cp1252 half is right
    assert dataset.column_values("note")[0] == "CafÃ© in UTF-8"  # the UTF-8 half is what the warning explains


def test_bytes_that_are_neither_utf8_nor_cp1252_fall_back_to_latin1_with_a_warning():
    dataset, _ = read_both(corpus_file("invalid_utf8.csv"))
    assert dataset.encoding == "latin-1" and "neither UTF-8 nor cp1252" in dataset.warnings[0]
    assert dataset.column_values("note") == ["stray \x81 and \x8d bytes", "cut \u00c3"]


@pytest.mark.parametrize("name", ["header_only.csv", "header_only_no_newline.csv"])
def test_a_csv_with_only_a_header_has_its_columns_and_no_rows(name):
    dataset, summary = read_both(corpus_file(name))
    assert dataset.columns == ["id", "name", "note"] and dataset.num_rows == 0
    assert all(column.empty == 0 for column in summary.columns)


def test_duplicate_and_empty_column_names_are_renamed_with_a_warning():
    dataset, _ = read_both(corpus_file("duplicate_columns.csv"))
    assert dataset.columns == ["id", "note", "note_2"]
    assert dataset.table.to_pylist() == [{"id": "1", "note": "first", "note_2": "second"}]
    assert dataset.warnings == ["column 3 repeats the name 'note'; it is called 'note_2'"]
    dataset, _ = read_both(corpus_file("empty_column_name.csv"))
    assert dataset.columns == ["id", "column_2", "note"]
    assert dataset.column_values("column_2") == ["unnamed"]
    assert dataset.warnings == ["column 2 has no name; it is called 'column_2'"]


def test_json_text_fields_of_other_types_are_read_as_text():
    dataset, _ = read_both(corpus_file("non_string_text.json"))
    assert dataset.columns == ["id", "text", "text.name"]
    assert dataset.column_values("text") == ["Ann Smith", "42", '["Cid", 7]', None, "true", "3.5", None]
    assert dataset.column_values("text.name") == [None] * 6 + ["Bob"]  # an object is flattened, as everywhere
    assert "column 'text' mixes value types" in dataset.warnings[0]
    assert "Ann" not in " ".join(dataset.warnings)


def test_lone_surrogate_escapes_become_replacement_characters_and_pairs_stay_whole():
    dataset, _ = read_both(corpus_file("lone_surrogate.json"))
    assert dataset.column_values("note") == ["half a pair \ufffd here", "pair \U0001F600 is fine"]
    assert "lone UTF-16 surrogates" in dataset.warnings[0] and "1 record(s)" in dataset.warnings[0]


def test_parquet_with_non_string_nested_and_colliding_columns():
    dataset, _ = read_both(corpus_file("numbers_only.parquet"))
    assert dataset.table.to_pylist() == [{"id": 1, "amount": 1.5}, {"id": 2, "amount": None}, {"id": 3, "amount": 2.25}]
    assert "no text columns" in dataset.warnings[0]
    dataset, _ = read_both(corpus_file("nested_struct.parquet"))
    assert dataset.columns == ["id", "patient.name", "patient.address.city"]
    assert dataset.column_values("patient.name") == ["Ann Smith", "Bob Jones"]
    assert dataset.column_values("patient.address.city") == ["Boston", None]
    dataset, _ = read_both(corpus_file("dotted_name_collision.parquet"))
    assert dataset.table.to_pylist() == [{"patient.name": "Ann", "patient.name_2": "Bob"}]
    assert "it is called 'patient.name_2'" in dataset.warnings[0]


RTL_EMAILS = ("dana.levi@example.org", "ahmed.k@example.com", "bob@example.com", "zoe@example.net", "carol@example.org")
EMOJI_EMAILS = ("eve@example.org", "frank@example.com", "gina@example.org")


def test_right_to_left_and_combining_text_round_trips_unchanged_outside_masked_spans(tmp_path):
    source = corpus_file("rtl_combining.csv")
    original = [row[1] for row in csv_rows(source)[1:]]
    dataset, summary = read_both(source)
    assert dataset.column_values("note") == original  # bidi controls and combining marks kept, not normalised
    spans = email_spans(dataset, "note", RTL_EMAILS)
    assert sum(map(len, spans)) == len(RTL_EMAILS)
    output = tmp_path / "rtl.masked.csv"
    summary = export_dataset(source, spans, TAG_ALL, os.urandom(32), output)
    assert summary.replacements == len(RTL_EMAILS)
    assert [row[1] for row in csv_rows(output)[1:]] == [masked_text(text, RTL_EMAILS) for text in original]


def test_emoji_and_astral_characters_round_trip_unchanged_outside_masked_spans(tmp_path):
    source = corpus_file("emoji.jsonl")
    original = [json.loads(line)["note"] for line in source.read_text(encoding="utf-8").splitlines()]
    dataset, _ = read_both(source)
    assert dataset.column_values("note") == original
    output = tmp_path / "emoji.masked.jsonl"
    export_dataset(source, email_spans(dataset, "note", EMOJI_EMAILS), TAG_ALL, os.urandom(32), output)
    written = [json.loads(line)["note"] for line in output.read_text(encoding="utf-8").splitlines()]
    assert written == [masked_text(text, EMOJI_EMAILS) for text in original]


def test_100000_character_records_are_read_and_masked_exactly(tmp_path):
    source = tmp_path / "long_records.csv"
    texts = make_large.write_long_records(source)
    dataset, summary = read_both(source)
    assert dataset.column_values("note") == texts
    note = next(column for column in summary.columns if column.name == "note")
    assert note.text_length_min == note.text_length_max == make_large.LONG_RECORD_CHARS
    emails = tuple(f"{kind}{record}@example.org" for record in range(len(texts)) for kind in "amz")
    output = tmp_path / "long.masked.csv"
    export_dataset(source, email_spans(dataset, "note", emails), TAG_ALL, os.urandom(32), output)
    assert [row[1] for row in csv_rows(output)[1:]] == [masked_text(text, emails) for text in texts]


def test_formula_injection_cells_are_processed_and_neutralised_in_csv_exports(tmp_path):
    source = corpus_file("formula_injection.csv")
    original = csv_rows(source)
    dataset, _ = read_both(source)
    assert [[dataset.text(r, c) for c in dataset.columns] for r in range(dataset.num_rows)] == original[1:]
    emails = ("dana.levi@example.org", "bob@example.com")
    spans = email_spans(dataset, "note", emails)
    output, vault = tmp_path / "masked.csv", tmp_path / "masked.vault"
    summary = export_dataset(source, spans, TAG_ALL, os.urandom(32), output, vault_path=vault, passphrase=PASSPHRASE)
    expected = [original[0]] + [[("'" + cell if cell[:1] in "=+-@" else cell) for cell in
                                 [row[0], row[1], masked_text(row[2], emails)]] for row in original[1:]]
    assert csv_rows(output) == expected
    assert summary.formula_cells_guarded == 6
    # A JSON export is not opened by spreadsheets: the values stay exactly as they are.
    json_output = tmp_path / "masked.jsonl"
    export_dataset(source, email_spans(dataset, "note", emails), TAG_ALL, os.urandom(32), json_output)
    assert [json.loads(line)["formula"] for line in json_output.read_text().splitlines()] == [row[1] for row in original[1:]]
    # Re-identification takes the guards off again.
    restored = tmp_path / "restored.csv"
    reidentify_file(output, vault, PASSPHRASE, restored)
    assert csv_rows(restored) == original


# ---- policies ---------------------------------------------------------------------------------------------------

BAD_POLICIES = {
    "policy_syntax_error.yaml": ("line 3", "not valid YAML"),
    "policy_unknown_operator.yaml": ("line 4", "'scramble' is not an operator", "Operators:"),
    "policy_wrong_param_type.yaml": ("line 4", "keep_last", "must be a whole number, not text"),
    "policy_billion_laughs.yaml": ("aliases", "expand to more than"),
    "policy_binary.yaml": ("not a text file", "U+0000"),
}


def _refused_policy(path: Path, *fragments: str) -> None:
    for load in (lambda: load_policy(path), lambda: resolve_policy(str(path))):
        started = time.monotonic()
        with pytest.raises(PolicyError) as raised:
            load()
        assert time.monotonic() - started < 5  # exponential aliases or deep nesting must not hang the loader
        message = raised.value.message
        assert str(path) in message and "\n" not in message and "Traceback" not in message, message
        for fragment in fragments:
            assert fragment in message, message


@pytest.mark.parametrize("name", sorted(BAD_POLICIES))
def test_bad_policy_files_are_refused_with_the_line_and_the_problem(name):
    _refused_policy(corpus_file(name), *BAD_POLICIES[name])
    with pytest.raises(PolicyError):  # the Policy tab's stored policy goes through from_yaml
        Policy.from_yaml(corpus_file(name).read_text(encoding="utf-8", errors="replace"))


def test_deeply_nested_and_oversized_policies_are_refused(tmp_path):
    _refused_policy(make_large.write_deeply_nested_yaml(tmp_path / "deep.yaml"), "nested more than 32 levels")
    _refused_policy(make_large.write_oversized_policy(tmp_path / "big.yaml"), "a policy is a small YAML file")


def test_aliases_that_share_an_operator_still_work():
    policy = Policy.from_yaml("name: Shared\ndefault: &tag {operator: tag}\nentities:\n  PERSON: *tag\n")
    assert policy.operator_for("PERSON").operator == "tag"


# ---- project files, vaults, checkpoints, detections ---------------------------------------------------------------


def test_a_project_file_that_is_not_sqlite_is_refused():
    path = corpus_file("not_sqlite.privdesk")
    with pytest.raises(ProjectError) as raised:
        Project.open(path)
    assert_clear(raised.value, path.resolve(), "not a PrivDesk project", "not a SQLite database")


def test_a_truncated_project_file_is_refused_and_the_intact_one_keeps_its_decisions(tmp_path):
    data = tmp_path / "notes.csv"
    data.write_text("id,note\n1,Ann Smith called\n", encoding="utf-8")
    with Project.create(tmp_path / "study.privdesk") as project:
        project.set_dataset(data, format="csv", options={}, num_rows=1)
        project.add_detections([Span(0, "note", 0, 9, "PERSON", 0.9, "test")])
        [detection] = list(project.iter_detections())
        project.record_decision("accept", detection_id=detection.id)
        path = project.path
    whole = path.read_bytes()
    for cut in (100, len(whole) // 2):
        broken = tmp_path / f"cut{cut}.privdesk"
        broken.write_bytes(whole[:cut])
        with pytest.raises(ProjectError) as raised:
            Project.open(broken)
        assert_clear(raised.value, broken.resolve(), "corrupt")
    with Project.open(path) as project:
        assert [decision.action for decision in project.decisions()] == ["accept"]


@pytest.fixture
def two_projects(tmp_path):
    data = tmp_path / "notes.csv"
    data.write_text("id,note\n1,Mail ann@example.org\n2,Nothing\n", encoding="utf-8")
    projects = []
    for name in ("a", "b"):
        project = Project.create(tmp_path / f"{name}.privdesk")
        project.set_dataset(data, format="csv", options={}, num_rows=2)
        projects.append(project)
    yield data, projects
    for project in projects:
        project.close()


def test_a_vault_from_another_project_is_refused_and_nothing_is_written(two_projects, tmp_path):
    data, (project_a, project_b) = two_projects
    output, vault = tmp_path / "masked.csv", tmp_path / "masked.vault"
    spans = [[Span(0, "note", 5, 20, "EMAIL_ADDRESS", 1.0, "test")]]
    export_dataset(data, spans, TAG_ALL, project_a.project_secret(), output, vault_path=vault,
                   passphrase=PASSPHRASE, project_id=project_a.project_id)
    restored = tmp_path / "restored.csv"
    with pytest.raises(VaultError) as raised:
        reidentify_file(output, vault, PASSPHRASE, restored, expected_project_id=project_b.project_id)
    assert_clear(raised.value, vault, "belongs to another project", values=("ann@example.org",))
    assert not restored.exists()
    reidentify_file(output, vault, PASSPHRASE, restored, expected_project_id=project_a.project_id)
    assert restored.read_text(encoding="utf-8").splitlines()[1] == "1,Mail ann@example.org"


@pytest.mark.slow
def test_a_truncated_checkpoint_is_a_clear_error_and_the_run_can_resume_from_the_one_before(tmp_path):
    from privdesk.core.progress import CancelToken, Cancelled
    from privdesk.core.train import SealKey, TrainConfig, TrainingError, read_run, resume, train
    from privdesk.core.train import checkpoints

    data = tmp_path / "notes.csv"
    data.write_text("id,note\n" + "".join(f"{i},Patient {i % 7} felt {'well' if i % 2 else 'ill'} today.\n"
                                          for i in range(60)), encoding="utf-8")
    config = TrainConfig(data_path=data, model="tiny", epochs=1, batch_size=10, physical_batch_size=10, max_length=16,
                         epsilon=8.0, tiny_vocab_size=300, canaries=0, checkpoint_every_steps=1)
    key = SealKey.from_secret(os.urandom(32))
    run_dir = tmp_path / "run"
    cancel = CancelToken()

    def stop_after_two(report):
        if report.phase == "training" and report.step == 2:
            cancel.cancel()

    with pytest.raises(Cancelled):
        train(config, run_dir, key=key, progress=stop_after_two, cancel=cancel)
    (_, earlier), (_, latest) = checkpoints.list_checkpoints(run_dir)
    intact = latest.read_bytes()
    for cut in (20, len(intact) // 2, len(intact) - 1):
        latest.write_bytes(intact[:cut])
        with pytest.raises(TrainingError) as raised:
            resume(run_dir, key=key)
        assert_clear(raised.value, latest, "truncated")
        assert read_run(run_dir).status == "cancelled"  # the failed resume spoils nothing
        assert earlier.exists()
    latest.unlink()  # what the error advises: fall back to the checkpoint before
    result = resume(run_dir, key=key)
    assert read_run(run_dir).status == "done" and result.steps > 2


@pytest.mark.parametrize(("name", "fragment"), [("detections_malformed.jsonl", "line 2 is not a valid span record"),
                                                ("detections_wrong_fields.jsonl", "line 1 is not a valid span record"),
                                                ("detections_deeply_nested.jsonl", "line 1"),
                                                ("detections_name_as_record.jsonl", "line 1")])
def test_malformed_detections_files_are_refused_for_masking_and_evaluation(name, fragment):
    path = corpus_file(name)
    with pytest.raises(DatasetError) as raised:  # read_span_file is Evaluate's reader; mask --detections uses read_gold
        read_span_file(path)
    assert_clear(raised.value, path, fragment, values=("Jane Doe",))


# ---- the CLI, in subprocesses -------------------------------------------------------------------------------------


def run_cli(*args: str | Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "privdesk.cli", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, env=env)


def assert_cli_error(result: subprocess.CompletedProcess, path: Path, *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("privdesk-cli: error: ") and str(path) in lines[0], lines[0]
    assert "Traceback" not in result.stderr and not result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


PROCESSED = ["latin1.csv", "cp1252.csv", "utf16le_no_bom.csv", "mixed_encodings.csv", "invalid_utf8.csv",
             "header_only.csv", "header_only_no_newline.csv", "duplicate_columns.csv", "empty_column_name.csv",
             "formula_injection.csv", "rtl_combining.csv", "emoji.jsonl", "non_string_text.json",
             "lone_surrogate.json", "numbers_only.parquet", "nested_struct.parquet", "dotted_name_collision.parquet"]


# Runs privdesk.cli.main once per input inside ONE child process (a fresh interpreter per input costs a
# second each), catching nothing: an exception escaping main() is reported with its traceback and fails.
_INSPECT_DRIVER = """
import contextlib, io, json, sys, traceback
from privdesk.cli import main
results = {}
for path in sys.argv[1:]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["inspect", path])
        except BaseException:
            code, err = "crash", io.StringIO(traceback.format_exc())
    results[path] = {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def cli_inspections() -> dict[str, subprocess.CompletedProcess]:
    """`privdesk-cli inspect` (its main()) on every dataset input, in a child process."""
    names = sorted(REFUSED) + PROCESSED
    paths = [str(corpus_file(name)) for name in names]
    child = subprocess.run([sys.executable, "-c", _INSPECT_DRIVER, *paths], capture_output=True, text=True,
                           encoding="utf-8", timeout=300, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert child.returncode == 0, child.stderr
    results = json.loads(child.stdout)
    return {name: subprocess.CompletedProcess(["inspect", path], **results[path]) for name, path in zip(names, paths)}


def test_cli_inspect_in_its_own_process_refuses_and_reads(tmp_path):
    result = run_cli("inspect", corpus_file("nul_bytes.csv"))
    assert_cli_error(result, corpus_file("nul_bytes.csv"), *REFUSED["nul_bytes.csv"])
    result = run_cli("inspect", corpus_file("rtl_combining.csv"))
    assert result.returncode == 0 and "Rows:     5" in result.stdout and not result.stderr


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_cli_inspect_refuses_bad_datasets_with_one_line(cli_inspections, name):
    assert_cli_error(cli_inspections[name], corpus_file(name), *REFUSED[name])


@pytest.mark.parametrize("name", PROCESSED)
def test_cli_inspect_reads_the_processed_inputs(cli_inspections, name):
    result = cli_inspections[name]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = read_dataset(corpus_file(name)).num_rows
    assert f"Rows:     {rows:,}" in result.stdout


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "project.secret"
    path.write_bytes(os.urandom(32))
    return path


@pytest.fixture
def no_detections(tmp_path) -> Path:
    path = tmp_path / "none.jsonl"
    path.write_text('{"record": 0, "spans": []}\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "option", "fragments"), [
    ("nul_bytes.csv", "input", REFUSED["nul_bytes.csv"]),
    ("deeply_nested.json", "input", REFUSED["deeply_nested.json"]),
    ("truncated.parquet", "input", REFUSED["truncated.parquet"]),
    ("policy_billion_laughs.yaml", "--policy", BAD_POLICIES["policy_billion_laughs.yaml"]),
    ("policy_unknown_operator.yaml", "--policy", BAD_POLICIES["policy_unknown_operator.yaml"]),
    ("detections_malformed.jsonl", "--detections", ("line 2 is not a valid span record",)),
])
def test_cli_mask_refuses_bad_inputs_with_one_line_and_writes_nothing(name, option, fragments, tmp_path, secret_file,
                                                                       no_detections):
    arguments = {"input": corpus_file("formula_injection.csv"), "--policy": "hipaa_safe_harbor",
                 "--detections": no_detections}
    arguments[option] = corpus_file(name)
    output = tmp_path / "out.csv"
    result = run_cli("mask", arguments["input"], "--policy", arguments["--policy"], "--detections",
                     arguments["--detections"], "--secret-file", secret_file, "-o", output)
    assert_cli_error(result, corpus_file(name), *fragments)
    assert {path.name for path in tmp_path.iterdir()} == {"project.secret", "none.jsonl"}  # no output, no temp file


def test_cli_mask_neutralises_formula_injection(tmp_path, secret_file):
    source = corpus_file("formula_injection.csv")
    detections = tmp_path / "detections.jsonl"
    spans = email_spans(read_dataset(source), "note", ("dana.levi@example.org", "bob@example.com"))
    detections.write_text("".join(json.dumps({"record": record, "spans": [span.to_json() for span in record_spans]}) + "\n"
                                  for record, record_spans in enumerate(spans)), encoding="utf-8")
    output = tmp_path / "masked.csv"
    result = run_cli("mask", source, "--policy", "hipaa_safe_harbor", "--detections", detections,
                     "--secret-file", secret_file, "-o", output)
    assert result.returncode == 0, result.stderr
    assert "6 cells that a spreadsheet would run as formulas got a leading apostrophe" in result.stderr
    formulas = [row[1] for row in csv_rows(output)[1:]]
    assert formulas == ["'" + row[1] for row in csv_rows(source)[1:]]
    assert "dana.levi@example.org" not in output.read_text(encoding="utf-8")


def test_cli_reidentify_refuses_a_vault_of_another_project(tmp_path, secret_file):
    data = tmp_path / "notes.csv"
    data.write_text("id,note\n1,Mail ann@example.org\n", encoding="utf-8")
    detections = tmp_path / "detections.jsonl"
    detections.write_text(json.dumps({"record": 0, "spans": [
        {"column": "note", "start": 5, "end": 20, "entity_type": "EMAIL_ADDRESS"}]}) + "\n", encoding="utf-8")
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text(PASSPHRASE, encoding="utf-8")
    output, vault = tmp_path / "masked.csv", tmp_path / "masked.vault"
    result = run_cli("mask", data, "--policy", "hipaa_safe_harbor", "--detections", detections, "--secret-file",
                     secret_file, "--vault", vault, "--passphrase-file", passphrase, "-o", output)
    assert result.returncode == 0, result.stderr
    other_secret = tmp_path / "other.secret"
    other_secret.write_bytes(os.urandom(32))
    restored = tmp_path / "restored.csv"
    result = run_cli("reidentify", output, "--vault", vault, "--passphrase-file", passphrase,
                     "--secret-file", other_secret, "-o", restored)
    assert_cli_error(result, vault, "belongs to another project")
    assert not restored.exists()


@pytest.mark.slow
def test_cli_detect_refuses_a_bad_dataset_with_one_line(tmp_path):
    output = tmp_path / "detections.jsonl"
    result = run_cli("detect", corpus_file("deeply_nested.json"), "-o", output)
    assert_cli_error(result, corpus_file("deeply_nested.json"), *REFUSED["deeply_nested.json"])
    assert not output.exists()


@pytest.mark.slow
def test_cli_detect_finds_pii_at_the_right_offsets_in_right_to_left_and_combining_text(tmp_path):
    source = corpus_file("rtl_combining.csv")
    output = tmp_path / "detections.jsonl"
    result = run_cli("detect", source, "--text-column", "note", "--entities", "EMAIL_ADDRESS", "-o", output)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    texts = read_dataset(source).column_values("note")
    found = [texts[line["record"]][span["start"]:span["end"]]
             for line in map(json.loads, output.read_text(encoding="utf-8").splitlines()) for span in line["spans"]]
    assert sorted(found) == sorted(RTL_EMAILS)


@pytest.mark.slow
def test_cli_inspect_reads_the_50mb_single_line_file(single_line_50mb):
    result = run_cli("inspect", single_line_50mb, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["num_rows"] == 1 and summary["columns"][0]["text_length_max"] == make_large.SINGLE_LINE_BYTES
