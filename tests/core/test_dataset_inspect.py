"""inspect_dataset: a streaming summary whose counts are exact and whose memory stays bounded."""

from __future__ import annotations

import csv
import json
import math
import random
import tracemalloc

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from privdesk.core.dataset import ColumnSummary, DatasetSummary, ReadOptions, inspect_dataset
from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.types import IGNORE, TEXT, ColumnRole

WORDS = ["the", "patient", "reported", "pain", "après", "東京", "🙂", "follow-up", "visit", "Boston"]


def _nearest_rank_p95(lengths: list[int]) -> int:
    ordered = sorted(lengths)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """200,000 rows: an id, an e-mail, a ZIP with leading zeros, a note with quoted newlines, a flag."""
    rng = random.Random(11)
    notes = []
    for i in range(997):  # a prime, so notes and the other columns do not cycle together
        words = rng.choices(WORDS, k=rng.randint(3, 30))
        if i % 5 == 0:
            words.insert(2, "\n")  # a quoted newline inside the field
        notes.append(" ".join(words))
    path = tmp_path_factory.mktemp("big") / "notes.csv"
    note_lengths: list[int] = []
    empty_notes = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["id", "email", "zip", "note", "flag"])
        rows = []
        for i in range(200_000):
            if i % 97 == 0:
                note = ""
                empty_notes += 1
            else:
                note = notes[i % len(notes)]
                note_lengths.append(len(note))
            rows.append((i, f"user{i}@example.org", f"{i % 100000:05d}", note, "" if i % 10 == 0 else "yes"))
        writer.writerows(rows)
    return path, note_lengths, empty_notes


def test_inspect_counts_a_large_csv_exactly(big_csv):
    path, note_lengths, empty_notes = big_csv
    summary = inspect_dataset(path)
    assert summary.num_rows == 200_000
    assert (summary.format, summary.encoding, summary.delimiter) == ("csv", "utf-8", ",")
    assert summary.size_bytes == path.stat().st_size
    columns = {column.name: column for column in summary.columns}
    assert list(columns) == ["id", "email", "zip", "note", "flag"]
    note = columns["note"]
    assert note.empty == empty_notes
    assert note.text_length_min == min(note_lengths)
    assert note.text_length_max == max(note_lengths)
    assert note.text_length_mean == pytest.approx(sum(note_lengths) / len(note_lengths))
    assert note.text_length_p95 == _nearest_rank_p95(note_lengths)
    assert columns["flag"].empty == 20_000
    assert columns["zip"].empty == 0 and columns["zip"].text_length_max == 5
    assert all(column.dtype == "string" for column in summary.columns)
    assert note.role == TEXT
    assert columns["email"].role == ColumnRole("identifier", "EMAIL_ADDRESS")
    assert columns["zip"].role == ColumnRole("identifier", "ZIP_CODE")
    assert columns["id"].role == IGNORE and columns["flag"].role == IGNORE


def test_inspect_does_not_hold_rows_as_python_objects(big_csv):
    path, _, _ = big_csv
    tracemalloc.start()
    try:
        inspect_dataset(path, sample_rows=500)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 200k rows x 5 cells as Python strings would take well over 50 MB; the sample and the
    # per-batch bookkeeping stay far below that (Arrow buffers are not Python objects).
    assert peak < 12 * 1024 * 1024, f"peak Python allocation {peak / 1e6:.1f} MB"


def test_inspect_reports_progress_and_can_be_cancelled(big_csv):
    path, _, _ = big_csv
    reports = []
    inspect_dataset(path, progress=reports.append)
    assert reports and reports[-1].done == reports[-1].total == path.stat().st_size
    assert [info.done for info in reports] == sorted(info.done for info in reports)
    token = CancelToken()

    def cancel_after_first(info):
        token.cancel()

    with pytest.raises(Cancelled):
        inspect_dataset(path, progress=cancel_after_first, cancel=token)


def test_inspect_jsonl_with_columns_that_appear_late_and_change_type(tmp_path):
    path = tmp_path / "drift.jsonl"
    lines = [{"id": i, "note": f"note number {i} about Ann"} for i in range(60_000)]
    lines.append({"id": "x-1", "note": "", "patient": {"email": "ann@example.org"}})
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    summary = inspect_dataset(path)
    columns = {column.name: column for column in summary.columns}
    assert summary.num_rows == 60_001
    assert list(columns) == ["id", "note", "patient.email"]
    assert columns["id"].dtype == "string"  # int in the first batch, text in the second
    assert columns["patient.email"].empty == 60_000
    assert columns["patient.email"].role == ColumnRole("identifier", "EMAIL_ADDRESS")
    assert columns["note"].empty == 1
    assert columns["id"].text_length_max == 5  # "59999": every value counts once the column is text
    assert columns["id"].text_length_min == 1 and columns["id"].empty == 0


def test_inspect_parquet_and_text(tmp_path):
    parquet = tmp_path / "people.parquet"
    pq.write_table(pa.table({"person": pa.array([{"name": "Ann Lee", "age": 31}, {"name": "Bo Chen", "age": None}]),
                             "note": ["called about the bill", None]}), parquet)
    summary = inspect_dataset(parquet)
    assert [(c.name, c.dtype, c.empty) for c in summary.columns] == [
        ("person.name", "string", 0), ("person.age", "int64", 1), ("note", "string", 1)]
    assert summary.columns[0].role == ColumnRole("identifier", "PERSON")
    assert summary.encoding is None and summary.delimiter is None

    text = tmp_path / "notes.txt"
    text.write_text("first note\nsecond\n\nthird one here\n")
    lines = inspect_dataset(text)
    assert lines.num_rows == 4 and lines.columns[0].empty == 1
    paragraphs = inspect_dataset(text, ReadOptions(text_split="paragraph"))
    assert paragraphs.num_rows == 2 and paragraphs.columns[0].text_length_max == len("first note\nsecond")


def test_summary_has_no_values_and_serialises(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,email,note\nZoë Secret,zoe.secret@example.org,Zoë Secret called about her bill today\n",
                    encoding="utf-8")
    summary = inspect_dataset(path)
    assert isinstance(summary, DatasetSummary) and all(isinstance(c, ColumnSummary) for c in summary.columns)
    as_dict = summary.to_dict()
    as_text = summary.to_text()
    for rendered in (json.dumps(as_dict, ensure_ascii=False), as_text, repr(summary)):
        assert "Secret" not in rendered and "example.org" not in rendered
    assert json.loads(json.dumps(as_dict))["columns"][1] == {
        "name": "email", "dtype": "string", "role": "identifier:EMAIL_ADDRESS", "empty": 0,
        "text_length_min": 22, "text_length_mean": 22.0, "text_length_p95": 22, "text_length_max": 22}
    assert ColumnRole.parse(as_dict["columns"][0]["role"]) == ColumnRole("identifier", "PERSON")
    lines = as_text.splitlines()
    assert lines[0].endswith("people.csv") and "csv, encoding utf-8, delimiter ','" in lines[1]
    assert any(line.split()[:4] == ["3", "note", "string", "text"] for line in lines)
