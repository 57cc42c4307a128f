"""Dataset I/O: format, encoding and delimiter detection, round trips for every format, flattening,
the Dataset API, streaming, atomic and source-safe writes, hashing."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from privdesk.core.dataset import (
    FORMATS,
    Dataset,
    DatasetError,
    ReadOptions,
    detect_format,
    iter_batches,
    read_dataset,
    sha256_file,
    write_dataset,
)
from privdesk.core.dataset import json_reader, writers


def write_csv_text(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# ---- format detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("a.csv", "csv"), ("a.TSV", "tsv"), ("a.tab", "tsv"), ("a.json", "json"), ("a.jsonl", "jsonl"),
    ("a.ndjson", "jsonl"), ("a.parquet", "parquet"), ("a.txt", "txt"),
])
def test_detect_format_from_extension(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text("x\n")
    assert detect_format(path) == expected


@pytest.mark.parametrize(("content", "expected"), [
    (b"name,email\nAnn,ann@example.org\nBob,bob@example.org\n", "csv"),
    (b"name;email\nAnn;ann@example.org\n", "csv"),
    (b"name\temail\nAnn\tann@example.org\n", "tsv"),
    (b'[{"a": 1}]', "json"),
    (b'  \n{"a": 1}\n{"a": 2}\n', "jsonl"),
    (b"Just some notes about a patient.\nAnother line of prose.\n", "txt"),
])
def test_detect_format_from_content_without_extension(tmp_path, content, expected):
    path = tmp_path / "data"
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_detect_format_parquet_by_signature_and_folder(tmp_path):
    pq.write_table(pa.table({"a": ["x"]}), tmp_path / "data.bin")
    assert detect_format(tmp_path / "data.bin") == "parquet"
    assert detect_format(tmp_path) == "txtdir"
    assert FORMATS == ("csv", "tsv", "json", "jsonl", "parquet", "txt", "txtdir")


def test_sniffed_file_reads_without_extension(tmp_path):
    path = tmp_path / "export"
    path.write_text('{"name": "Ann", "zip": "02139"}\n{"name": "Bob", "zip": "10001"}\n')
    dataset = read_dataset(path)
    assert dataset.format == "jsonl"
    assert dataset.column_values("zip") == ["02139", "10001"]


# ---- CSV reading --------------------------------------------------------------------------------------


def test_csv_columns_are_text_with_leading_zeros_and_empty_strings(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('zip,age,amount,flag,comment\n02139,42,1.50,true,NA\n,,,,\n00501,7,-3,false,"null"\n')
    dataset = read_dataset(path)
    assert all(pa.types.is_string(field.type) for field in dataset.table.schema)
    assert dataset.table.to_pylist() == [
        {"zip": "02139", "age": "42", "amount": "1.50", "flag": "true", "comment": "NA"},
        {"zip": "", "age": "", "amount": "", "flag": "", "comment": ""},
        {"zip": "00501", "age": "7", "amount": "-3", "flag": "false", "comment": "null"},
    ]
    assert dataset.delimiter == "," and dataset.encoding == "utf-8"


def test_csv_duplicate_and_blank_header_names_are_made_unique(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("name,name,,x\na,b,c,d\n")
    dataset = read_dataset(path)
    assert dataset.columns == ["name", "name_2", "column_3", "x"]
    assert dataset.cell(0, "name_2") == "b"
    assert any("name_2" in warning for warning in dataset.warnings)


def test_csv_cell_larger_than_a_read_block_mid_file(tmp_path):
    # Arrow cannot parse a record longer than its block; the reader restarts with larger blocks
    # and must neither lose nor repeat the rows it had already delivered.
    rows = [["id", "note"]] + [[str(i), "short"] for i in range(30_000)]
    rows += [["big", "word " * 400_000 + "\nlast line"]] + [[f"after{i}", "x"] for i in range(3)]
    path = write_csv_text(tmp_path / "huge_cell.csv", rows)
    dataset = read_dataset(path)
    assert dataset.num_rows == 30_004
    assert dataset.column_values("id", 29_999) == ["29999", "big", "after0", "after1", "after2"]
    assert len(dataset.cell(30_000, "note")) == len(rows[30_001][1])
    assert [batch.num_rows for batch in iter_batches(path, batch_rows=10_000)] == [10_000, 10_000, 10_000, 4]


def test_header_only_csv_has_columns_and_no_rows(tmp_path):
    path = tmp_path / "empty_rows.csv"
    path.write_text("id,email\n")
    dataset = read_dataset(path)
    assert dataset.columns == ["id", "email"] and dataset.num_rows == 0


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_delimiter_detection(tmp_path, delimiter):
    rows = [["name", "note", "zip"],
            ["Ann", "likes , ; | and\ttabs", "02139"],  # every candidate inside a quoted value
            ["Bob", "two\nlines", "10001"],
            ["Cé", "", "00501"]]
    path = write_csv_text(tmp_path / "data.csv", rows, delimiter)
    dataset = read_dataset(path)
    assert dataset.delimiter == delimiter
    assert dataset.table.to_pylist() == [dict(zip(rows[0], row)) for row in rows[1:]]


def test_semicolon_file_with_commas_in_unquoted_text(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("name;comment;amount\nAnn;Hello, world;1,50\nBob;a, b, c;2,75\n")
    dataset = read_dataset(path)
    assert dataset.delimiter == ";"
    assert dataset.column_values("amount") == ["1,50", "2,75"]


@pytest.mark.parametrize("given", ["\\t", "tab", "\t"])
def test_explicit_delimiter_option(tmp_path, given):
    path = tmp_path / "data.csv"
    path.write_text("a\tb,c\n1\t2,3\n")  # a sniffer could pick either; the analyst says tab
    dataset = read_dataset(path, ReadOptions(delimiter=given))
    assert dataset.columns == ["a", "b,c"]
    assert dataset.cell(0, "b,c") == "2,3"


def test_tsv_extension_means_tab(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_text("a\tb\n1,5\t2;3\n")
    assert read_dataset(path).table.to_pylist() == [{"a": "1,5", "b": "2;3"}]


# ---- encodings ----------------------------------------------------------------------------------------

ENCODING_TEXT = "name,note\nZoë,Crème brûlée in Köln\nJosé,“quoted” — dash\n"


@pytest.mark.parametrize(("encoding", "raw", "expected"), [
    ("utf-8", ENCODING_TEXT.encode("utf-8"), "utf-8"),
    ("utf-8-sig", codecs.BOM_UTF8 + ENCODING_TEXT.encode("utf-8"), "utf-8-sig"),
    ("utf-16-le", codecs.BOM_UTF16_LE + ENCODING_TEXT.encode("utf-16-le"), "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE + ENCODING_TEXT.encode("utf-16-be"), "utf-16"),
])
def test_encoding_detection(tmp_path, encoding, raw, expected):
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(raw)
    dataset = read_dataset(path)
    assert dataset.encoding == expected
    assert dataset.columns == ["name", "note"]  # no BOM glued to the first name
    assert dataset.column_values("note") == ["Crème brûlée in Köln", "“quoted” — dash"]
    assert dataset.warnings == []


def test_cp1252_fallback_is_read_with_a_warning(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(ENCODING_TEXT.encode("cp1252"))
    dataset = read_dataset(path)
    assert dataset.encoding == "cp1252"
    assert dataset.column_values("name") == ["Zoë", "José"]
    assert dataset.column_values("note")[1] == "“quoted” — dash"
    assert any("cp1252" in warning and "UTF-8" in warning for warning in dataset.warnings)


def test_invalid_utf8_late_in_a_large_file_is_still_detected(tmp_path):
    path = tmp_path / "late.csv"
    body = "".join(f"{i},plain ascii text\n" for i in range(200_000))  # several MB before the first accent
    path.write_bytes(("id,note\n" + body + "999,Café\n").encode("cp1252"))
    dataset = read_dataset(path)
    assert dataset.encoding == "cp1252"
    assert dataset.cell(dataset.num_rows - 1, "note") == "Café"


@pytest.mark.parametrize("fmt", ["csv", "json", "txt"])
def test_explicit_utf8_on_a_file_with_a_bom(tmp_path, fmt):
    content = {"csv": "name\nZoë\n", "json": '[{"name": "Zoë"}]', "txt": "Zoë\n"}[fmt]
    path = tmp_path / f"bom.{fmt}"
    path.write_bytes(codecs.BOM_UTF8 + content.encode("utf-8"))
    dataset = read_dataset(path, ReadOptions(encoding="UTF8"))
    assert dataset.columns[0] in ("name", "text")
    assert dataset.cell(0, dataset.columns[0]) == "Zoë"


def test_explicit_encoding_is_used(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Ærø\nÑandú\n".encode("latin-1"))
    dataset = read_dataset(path, ReadOptions(encoding="latin-1"))
    assert dataset.column_values("text") == ["Ærø", "Ñandú"]
    assert dataset.warnings == []


@pytest.mark.parametrize("fmt", ["jsonl", "json", "txt"])
def test_utf16_for_non_csv_formats(tmp_path, fmt):
    content = {"jsonl": '{"name": "Zoë 🙂"}\n', "json": '[{"name": "Zoë 🙂"}]', "txt": "Zoë 🙂\n"}[fmt]
    path = tmp_path / f"data.{fmt}"
    path.write_bytes(content.encode("utf-16"))
    dataset = read_dataset(path)
    assert dataset.encoding == "utf-16"
    assert dataset.cell(0, dataset.columns[0]) == "Zoë 🙂"


# ---- round trips --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl", "parquet"])
def test_round_trip_of_strings_unicode_newlines_and_empty_values(tmp_path, awkward_table, awkward_texts, fmt):
    source = tmp_path / f"source.{fmt}"
    write_dataset(awkward_table, source)
    first = read_dataset(source)
    assert first.table.to_pylist() == awkward_table.to_pylist()
    assert first.columns == ["id", "zip", "note"]
    copy = write_dataset(first, tmp_path / f"copy.{fmt}")
    second = read_dataset(copy)
    assert second.table.equals(first.table)
    assert second.cell(1, "note") == "患者の名前は山田太郎です"
    assert second.cell(len(awkward_texts) + 1, "note") == "windows\r\nline end"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet"])
def test_round_trip_keeps_native_types_and_nesting(tmp_path, nested_records, fmt):
    source = tmp_path / "source.json"
    source.write_text(json.dumps(nested_records, ensure_ascii=False), encoding="utf-8")
    first = read_dataset(source)
    second = read_dataset(write_dataset(first, tmp_path / f"copy.{fmt}"))
    assert second.columns == first.columns
    assert second.table.to_pylist() == first.table.to_pylist()
    assert pa.types.is_int64(second.table.schema.field("id").type)
    assert pa.types.is_float64(second.table.schema.field("score").type)
    assert pa.types.is_list(second.table.schema.field("spans").type)


def test_csv_round_trip_keeps_the_source_delimiter_and_writes_crlf_records(tmp_path):
    source = write_csv_text(tmp_path / "source.csv", [["a", "b"], ["1;2", "x\ry"]], ";")
    dataset = read_dataset(source)
    out = write_dataset(dataset, tmp_path / "out.csv")
    assert out.read_bytes() == b'a;b\r\n"1;2";"x\ry"\r\n'
    assert read_dataset(out).table.equals(dataset.table)


def test_txt_round_trip_by_line(tmp_path, awkward_texts):
    lines = [text for text in awkward_texts if "\n" not in text]
    source = tmp_path / "notes.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = read_dataset(source)
    assert first.columns == ["text"]
    assert first.column_values("text") == lines  # the empty line is a record, the final newline is not
    second = read_dataset(write_dataset(first, tmp_path / "copy.txt"))
    assert second.table.equals(first.table)


def test_txt_line_split_keeps_lone_carriage_returns_and_strips_crlf(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_bytes(b"one\r\ntwo\rstill two\nthree")
    assert read_dataset(source).column_values("text") == ["one", "two\rstill two", "three"]


def test_txt_round_trip_by_paragraph(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("\n\nFirst note,\nstill the first.\n\n\n  \nSecond 患者\n\nThird 🙂 مرحبا\n\n", encoding="utf-8")
    options = ReadOptions(text_split="paragraph")
    first = read_dataset(source, options)
    assert first.column_values("text") == ["First note,\nstill the first.", "Second 患者", "Third 🙂 مرحبا"]
    copy = write_dataset(first, tmp_path / "copy.txt")
    assert read_dataset(copy, options).table.equals(first.table)


def test_txt_writer_switches_to_paragraphs_for_multiline_records(tmp_path):
    table = pa.table({"text": ["a\nb", "c"]})
    out = write_dataset(table, tmp_path / "out.txt")
    assert out.read_text(encoding="utf-8") == "a\nb\n\nc\n"
    assert read_dataset(out, ReadOptions(text_split="paragraph")).column_values("text") == ["a\nb", "c"]


def test_txt_writer_refuses_what_paragraphs_cannot_hold(tmp_path):
    with pytest.raises(DatasetError, match="record 1 is empty or contains a blank line"):
        write_dataset(pa.table({"text": ["a\nb", "c\n\nd"]}), tmp_path / "out.txt")
    with pytest.raises(DatasetError, match="one text column"):
        write_dataset(pa.table({"a": ["x"], "b": ["y"]}), tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


def test_text_folder_round_trip(tmp_path):
    folder = tmp_path / "letters"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("Dear Zoë,\nsee you in 東京.\n", encoding="utf-8")
    (folder / "a.txt").write_text("", encoding="utf-8")
    (folder / "sub" / "c.TXT").write_bytes("Grüße aus Köln".encode("cp1252"))
    (folder / "notes.md").write_text("not a record")
    (folder / ".hidden.txt").write_text("skipped")
    first = read_dataset(folder)
    assert first.format == "txtdir" and first.columns == ["file", "text"]
    assert first.table.to_pylist() == [
        {"file": "a.txt", "text": ""},
        {"file": "b.txt", "text": "Dear Zoë,\nsee you in 東京.\n"},
        {"file": "sub/c.TXT", "text": "Grüße aus Köln"},
    ]
    assert first.encoding == "mixed"
    assert any("c.TXT" in warning and "cp1252" in warning for warning in first.warnings)
    out = write_dataset(first, tmp_path / "copy", "txtdir")
    assert (out / "sub" / "c.TXT").read_text(encoding="utf-8") == "Grüße aus Köln"
    assert read_dataset(out).table.equals(first.table)


def test_write_from_pandas_dataframe(tmp_path):
    frame = pd.DataFrame({"name": ["Zoë", None], "count": [1, 2]})
    out = write_dataset(frame, tmp_path / "frame.jsonl")
    assert out.read_text(encoding="utf-8").splitlines() == ['{"name": "Zoë", "count": 1}', '{"name": null, "count": 2}']


def test_write_non_string_columns_to_csv(tmp_path):
    table = pa.table({"n": [1, None], "f": [0.5, 2.0], "b": [True, False], "l": [[1, 2], None]})
    out = write_dataset(table, tmp_path / "out.csv")
    assert read_dataset(out).table.to_pylist() == [
        {"n": "1", "f": "0.5", "b": "True", "l": "[1, 2]"},
        {"n": "", "f": "2.0", "b": "False", "l": ""},
    ]


def test_parquet_native_types_survive_parquet_and_become_text_elsewhere(tmp_path):
    table = pa.table({
        "seen": pa.array([dt.datetime(2020, 1, 2, 3, 4, 5), None]),
        "born": pa.array([dt.date(1980, 5, 17), dt.date(1999, 12, 31)]),
        "fee": pa.array([decimal.Decimal("1.10"), decimal.Decimal("-0.50")]),
        "ward": pa.array(["north", "south"]).dictionary_encode(),
        "blob": pa.array([b"\x00\x01", "Zoë".encode("utf-8")]),
        "person": pa.array([{"name": "Ann", "age": 31}, {"name": "Bo", "age": None}]),
    })
    source = tmp_path / "source.parquet"
    pq.write_table(table, source)
    dataset = read_dataset(source)
    assert dataset.columns == ["seen", "born", "fee", "ward", "blob", "person.name", "person.age"]
    copy = read_dataset(write_dataset(dataset, tmp_path / "copy.parquet"))
    assert copy.table.equals(dataset.table)
    assert read_dataset(write_dataset(dataset, tmp_path / "copy.csv")).table.to_pylist() == [
        {"seen": "2020-01-02 03:04:05", "born": "1980-05-17", "fee": "1.10", "ward": "north", "blob": "AAE=",
         "person.name": "Ann", "person.age": "31"},
        {"seen": "", "born": "1999-12-31", "fee": "-0.50", "ward": "south", "blob": "Zoë",
         "person.name": "Bo", "person.age": ""},
    ]
    rows = [json.loads(line) for line in write_dataset(dataset, tmp_path / "copy.jsonl").read_text("utf-8").splitlines()]
    assert rows[0] == {"seen": "2020-01-02T03:04:05", "born": "1980-05-17", "fee": "1.10", "ward": "north",
                       "blob": "AAE=", "person": {"name": "Ann", "age": 31}}


def test_empty_objects_round_trip_through_json_and_fit_in_parquet(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text('{"id": 1, "meta": {}}\n{"id": 2, "meta": {}}\n')
    dataset = read_dataset(path)
    again = read_dataset(write_dataset(dataset, tmp_path / "again.jsonl"))
    assert again.table.to_pylist() == dataset.table.to_pylist() == [{"id": 1, "meta": {}}, {"id": 2, "meta": {}}]
    assert read_dataset(write_dataset(dataset, tmp_path / "out.parquet")).column_values("meta") == ["{}", "{}"]


# ---- JSON flattening ----------------------------------------------------------------------------------


def test_nested_objects_are_flattened_to_dotted_columns(tmp_path, nested_records):
    path = tmp_path / "records.json"
    path.write_text(json.dumps(nested_records), encoding="utf-8")
    dataset = read_dataset(path)
    assert dataset.columns == ["id", "patient.name", "patient.address.city", "patient.address.zip",
                               "patient.age", "patient", "note", "spans", "score"]
    assert dataset.cell(0, "patient.address.zip") == "02139"  # strings stay strings
    assert dataset.cell(1, "patient.age") == 32
    assert dataset.cell(2, "patient.name") is None
    assert dataset.cell(0, "spans") == [{"start": 0, "end": 9, "label": "PERSON"}]
    assert dataset.text(0, "spans") == '[{"start": 0, "end": 9, "label": "PERSON"}]'
    assert dataset.column_values("score") == [0.5, 1.0, 2.25]  # ints and floats mix into floats


def test_rewritten_json_is_nested_again(tmp_path, nested_records):
    path = tmp_path / "records.json"
    path.write_text(json.dumps(nested_records), encoding="utf-8")
    out = write_dataset(read_dataset(path), tmp_path / "out.jsonl")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["patient"] == {"name": "Ann Smith", "address": {"city": "Boston", "zip": "02139"}, "age": None}
    assert rows[2]["patient"] is None  # a missing object stays null rather than an object of nulls
    assert list(rows[0]) == ["id", "patient", "note", "spans", "score"]


def test_fields_whose_types_differ_fall_back_to_text(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"mrn": 123, "tags": ["a"]}\n{"mrn": "A-77", "tags": "b"}\n{"mrn": true, "tags": null}\n')
    dataset = read_dataset(path)
    assert dataset.column_values("mrn") == ["123", "A-77", "true"]
    assert dataset.column_values("tags") == ['["a"]', "b", None]
    assert any("'mrn'" in warning and "read as text" in warning for warning in dataset.warnings)


def test_types_that_differ_between_batches_are_unified(tmp_path):
    path = tmp_path / "drift.jsonl"
    lines = [{"id": i, "value": i} for i in range(5)] + [{"id": 5, "value": "five", "late": {"x": 1}}]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    batches = list(iter_batches(path, batch_rows=5))
    assert [batch.num_rows for batch in batches] == [5, 1]
    assert pa.types.is_int64(batches[0].schema.field("value").type)
    assert batches[1].column_names == ["id", "value", "late.x"]
    dataset = read_dataset(path)
    assert dataset.column_values("value") == ["0", "1", "2", "3", "4", "five"]
    assert dataset.column_values("late.x") == [None] * 5 + [1]


def test_json_array_is_streamed_across_buffer_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(json_reader, "_CHUNK_CHARS", 7)  # tiny windows: every value is cut somewhere
    records = [{"i": i, "text": "Zoë 🙂 " * (i % 5), "n": 10 ** (i % 12), "ok": i % 2 == 0, "x": None} for i in range(60)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
    assert read_dataset(path).table.to_pylist() == [{**r, "x": None} for r in records]


def test_json_syntax_error_position_is_exact_across_buffer_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(json_reader, "_CHUNK_CHARS", 5)
    path = tmp_path / "broken.json"
    text = '[\n  {"a": 1},\n  {"a": 2},\n  {"a": 3,, "b": 4}\n]\n'
    path.write_text(text)
    with pytest.raises(json.JSONDecodeError) as reference:
        json.loads(text)
    assert (reference.value.lineno, reference.value.colno) == (4, 11)
    with pytest.raises(DatasetError, match=r"line 4, column 11"):
        read_dataset(path)


# ---- the Dataset API ----------------------------------------------------------------------------------


def test_dataset_accessors(tmp_path, nested_records):
    path = tmp_path / "records.json"
    path.write_text(json.dumps(nested_records), encoding="utf-8")
    dataset = read_dataset(path)
    assert dataset.num_rows == len(dataset) == 3
    assert dataset.text(2, "note") == ""
    assert dataset.text(1, "id") == "2"
    assert dataset.column_values("id", 1) == [2, 3]
    assert dataset.column_values("id", 1, 2) == [2]
    assert dataset.column_values("id", 5) == []
    frame = dataset.to_pandas()
    assert list(frame.columns) == dataset.columns and len(frame) == 3
    with pytest.raises(KeyError, match="no column 'nope'"):
        dataset.cell(0, "nope")
    with pytest.raises(IndexError):
        dataset.cell(3, "id")
    assert "Ann" not in repr(dataset)  # no data in reprs (they end up in logs)


def test_with_column_returns_a_new_dataset(tmp_path, awkward_table, awkward_texts):
    dataset = read_dataset(write_dataset(awkward_table, tmp_path / "data.csv"))
    masked = dataset.with_column("note", ["<MASKED>"] * dataset.num_rows)
    assert masked.column_values("note") == ["<MASKED>"] * dataset.num_rows
    assert dataset.cell(0, "note") == awkward_texts[0]  # the original is untouched
    assert masked.columns == dataset.columns
    assert (masked.path, masked.format, masked.encoding, masked.delimiter) == (
        dataset.path, dataset.format, dataset.encoding, dataset.delimiter)
    assert masked.column_values("zip") == dataset.column_values("zip")
    assert masked.with_column("extra", range(dataset.num_rows)).columns[-1] == "extra"
    nulls = dataset.with_column("zip", [None] * dataset.num_rows)
    assert pa.types.is_string(nulls.table.schema.field("zip").type)
    with pytest.raises(ValueError, match="needs 10 values"):
        dataset.with_column("note", ["x"])


# ---- streaming ----------------------------------------------------------------------------------------


def _numbered_lines(count: int) -> str:
    return "".join(f"line {i}\n" for i in range(count))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet", "txt"])
def test_iter_batches_yields_fixed_size_tables(tmp_path, fmt):
    table = pa.table({"id": [f"{i:04d}" for i in range(1050)], "note": [f"note\nnumber {i}" for i in range(1050)]})
    if fmt == "txt":
        table = pa.table({"text": [f"line {i}" for i in range(1050)]})
    path = write_dataset(table, tmp_path / f"data.{fmt}")
    batches = list(iter_batches(path, batch_rows=200))
    assert [batch.num_rows for batch in batches] == [200] * 5 + [50]
    assert pa.concat_tables(batches).to_pylist() == table.to_pylist()


def test_iter_batches_of_paragraphs_and_folders(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("\n\n".join(f"note {i}\nmore" for i in range(25)))
    batches = list(iter_batches(path, ReadOptions(text_split="paragraph"), batch_rows=10))
    assert [batch.num_rows for batch in batches] == [10, 10, 5]
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(7):
        (folder / f"{i}.txt").write_text(f"file {i}")
    assert [batch.num_rows for batch in iter_batches(folder, batch_rows=3)] == [3, 3, 1]


def test_iter_batches_of_an_empty_csv_still_gives_the_columns(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("a,b\n")
    batches = list(iter_batches(path))
    assert len(batches) == 1 and batches[0].column_names == ["a", "b"] and batches[0].num_rows == 0


def test_iter_batches_checks_the_file_before_the_first_batch(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        iter_batches(tmp_path / "missing.csv")  # no next() needed


# ---- writing safely -----------------------------------------------------------------------------------


def test_writer_refuses_to_overwrite_the_source(tmp_path, awkward_table):
    source = write_dataset(awkward_table, tmp_path / "source.csv")
    before = source.read_bytes()
    dataset = read_dataset(source)
    with pytest.raises(DatasetError, match="own source file") as raised:
        write_dataset(dataset, tmp_path / "." / "source.csv")
    assert "source.csv" in str(raised.value)
    with pytest.raises(DatasetError, match="own source file"):
        write_dataset(dataset.table, source, "csv", source=source)
    assert source.read_bytes() == before


def test_writer_refuses_to_write_into_a_source_folder(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("hello")
    dataset = read_dataset(folder)
    with pytest.raises(DatasetError, match="source"):
        write_dataset(dataset, folder, "txtdir")
    with pytest.raises(DatasetError, match="inside the source folder"):
        write_dataset(dataset, folder / "masked.csv")
    assert [p.name for p in folder.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch, fmt):
    table = pa.table({"note": [f"row {i}" for i in range(30_000)]})
    target = tmp_path / f"out.{fmt}"
    target.write_text("previous export")
    calls = {"count": 0}
    original_texts, original_rows = writers.column_texts, writers.nested_rows

    def failing_texts(column):
        calls["count"] += 1
        if calls["count"] == 2:  # the second chunk: part of the file has been written already
            raise RuntimeError("disk on fire")
        return original_texts(column)

    def failing_rows(data):
        for index, row in enumerate(original_rows(data)):
            if index == 15_000:
                raise RuntimeError("disk on fire")
            yield row

    monkeypatch.setattr(writers, "column_texts", failing_texts)
    monkeypatch.setattr(writers, "nested_rows", failing_rows)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_dataset(table, target)
    assert target.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_writer_needs_a_known_format(tmp_path):
    with pytest.raises(DatasetError, match="no extension"):
        write_dataset(pa.table({"a": ["x"]}), tmp_path / "output")
    with pytest.raises(DatasetError, match="unknown format 'xlsx'"):
        write_dataset(pa.table({"a": ["x"]}), tmp_path / "output.xlsx", "xlsx")
    assert write_dataset(pa.table({"a": ["x"]}), tmp_path / "output", "csv").read_bytes() == b"a\r\nx\r\n"


# ---- hashing ------------------------------------------------------------------------------------------


def test_sha256_file_streams_the_same_digest_as_hashlib(tmp_path):
    path = tmp_path / "data.bin"
    content = bytes(range(256)) * 9000  # more than one read chunk
    path.write_bytes(content)
    assert sha256_file(path) == hashlib.sha256(content).hexdigest()
    with pytest.raises(DatasetError, match="does not exist"):
        sha256_file(tmp_path / "missing")


def test_sha256_of_a_text_folder_changes_with_any_file(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("one")
    (folder / "b.txt").write_text("two")
    before = sha256_file(folder)
    assert sha256_file(folder) == before
    (folder / "b.txt").write_text("twO")
    edited = sha256_file(folder)
    (folder / "b.txt").rename(folder / "c.txt")
    renamed = sha256_file(folder)
    assert len({before, edited, renamed}) == 3


def test_read_dataset_reports_progress_and_can_be_cancelled(tmp_path):
    from privdesk.core.progress import CancelToken, Cancelled

    path = tmp_path / "rows.csv"
    path.write_text("id,text\n" + "".join(f"{i},row number {i}\n" for i in range(120_000)), encoding="utf-8")
    seen = []
    dataset = read_dataset(path, progress=seen.append)
    assert dataset.num_rows == 120_000
    assert seen and seen[-1].done == seen[-1].total

    token = CancelToken()

    def cancel_after_first(info):
        token.cancel()

    with pytest.raises(Cancelled):
        read_dataset(path, progress=cancel_after_first, cancel=token)
