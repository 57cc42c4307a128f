"""Bad input: each problem is one DatasetError that names the file and says what is wrong, without
quoting the data (rows may be PII)."""

from __future__ import annotations

import builtins
import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from privdesk.core.dataset import DatasetError, ReadOptions, detect_format, inspect_dataset, read_dataset


def expect_error(path: Path, *fragments: str, options: ReadOptions | None = None) -> DatasetError:
    """read_dataset and inspect_dataset both fail with the same clear error."""
    errors = []
    for reader in (read_dataset, inspect_dataset):
        with pytest.raises(DatasetError) as raised:
            reader(path, options)
        errors.append(raised.value)
    message = errors[0].message
    assert errors[1].message == message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in message and "\n" not in message
    return errors[0]


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.csv", "does not exist")


@pytest.mark.parametrize("name", ["empty.csv", "empty.json", "empty.parquet", "empty.txt", "empty"])
def test_empty_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    if name == "empty":
        with pytest.raises(DatasetError, match="is empty"):
            detect_format(path)
    else:
        expect_error(path, "is empty")


def test_blank_lines_only(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n \n\t\n")
    expect_error(path, "only blank lines")


def test_binary_file_renamed_csv(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    expect_error(path, "binary data", "NUL")


def test_control_character_soup_without_nul_bytes(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(b for b in range(1, 256) if b not in (9, 10, 13)) * 50)
    expect_error(path, "binary file")


def test_gzip_file(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(b"name,email\nAnn,ann@example.org\n"))
    expect_error(path, "gzip", "Decompress")
    renamed = tmp_path / "data.csv"
    renamed.write_bytes(path.read_bytes())
    expect_error(renamed, "gzip")


def test_zip_archive_posing_as_csv(tmp_path):
    path = tmp_path / "workbook.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x14\x00" * 40)
    expect_error(path, "ZIP archive")


def test_parquet_posing_as_csv(tmp_path):
    path = tmp_path / "data.csv"
    pq.write_table(pa.table({"a": ["x"]}), path)
    expect_error(path, "is a Parquet file")


def test_ragged_csv_names_the_line(tmp_path):
    path = tmp_path / "ragged.csv"
    # The quoted newline in record 2 makes record 3 start on line 4 of the file.
    path.write_text('name,note\nAnn,"two\nlines"\nBob,ok,Secret Value\nCid,fine\n')
    error = expect_error(path, "line 4 has 3 fields but the header has 2")
    assert "Secret" not in error.message and "Bob" not in error.message  # no data in the message


def test_short_row_is_reported_too(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n")
    expect_error(path, "line 3 has 2 fields but the header has 3")


def test_ragged_row_deep_in_a_large_file(tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(f"{i},note {i}\n" for i in range(120_000))
    path.write_text("id,note\n" + rows + "oops,one,two\n")
    expect_error(path, "line 120002 has 3 fields")


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"name": "Ann"},\n  {"name": "Bob" "x": 1}\n]\n')
    expect_error(path, "not valid JSON", "line 3, column 18")


def test_truncated_json_array(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"name": "Ann"}, {"name": "Bo')
    expect_error(path, "not valid JSON", "line 1")


def test_json_array_without_closing_bracket(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"name": "Ann"}\n')
    expect_error(path, "ends before the closing ']'")


def test_invalid_json_lines_names_the_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2,}\n')
    expect_error(path, "line 3 is not valid JSON", "column 9")


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"name": "Ann", "email": "ann@example.org"}', "single JSON object, not an array of objects"),
    ('[1, 2, 3]', "record 1 of the array is a number, not an object"),
    ('[{"a": 1}, ["x"]]', "record 2 of the array is a list, not an object"),
    ('"just a string"', "expected '['"),
    ("[]", "holds no records"),
])
def test_json_that_is_not_an_array_of_objects(tmp_path, content, fragment):
    path = tmp_path / "shape.json"
    path.write_text(content)
    error = expect_error(path, fragment)
    assert "Ann" not in error.message


def test_json_lines_saved_as_json_gets_a_hint(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text('{"a": 1}\n{"a": 2}\n')
    expect_error(path, "single JSON object", "JSON Lines")


def test_json_lines_with_a_non_object_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n')
    expect_error(path, "line 2 holds a list, not a JSON object")


def test_unknown_encoding_name(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a\nb\n")
    expect_error(path, "unknown text encoding 'klingon-8'", options=ReadOptions(encoding="klingon-8"))


def test_wrong_explicit_encoding(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes("Café\n".encode("cp1252"))
    expect_error(path, "cannot be decoded as utf-8", options=ReadOptions(encoding="utf-8"))
    path_csv = tmp_path / "data.csv"
    path_csv.write_bytes("name\nCafé\n".encode("cp1252"))
    expect_error(path_csv, "cannot be decoded", options=ReadOptions(encoding="utf-8"))


def test_unknown_format_and_bad_delimiter_options(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    expect_error(path, "unknown format 'xls'", options=ReadOptions(format="xls"))
    expect_error(path, "not a single character", options=ReadOptions(delimiter=";;"))


def test_folder_without_text_files(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "scan.png").write_bytes(b"\x89PNG")
    expect_error(folder, "holds no .txt files")


def test_folder_given_with_a_file_format(tmp_path):
    expect_error(tmp_path, "is a folder", options=ReadOptions(format="csv"))


def test_file_given_as_text_folder(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x")
    expect_error(path, "folder of .txt files was expected", options=ReadOptions(format="txtdir"))


def test_parquet_without_string_columns_warns(tmp_path):
    path = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"amount": [1.5, 2.0], "count": [1, 2]}), path)
    dataset = read_dataset(path)
    summary = inspect_dataset(path)
    for warnings in (dataset.warnings, summary.warnings):
        assert len(warnings) == 1 and "no text columns" in warnings[0] and "numbers.parquet" in warnings[0]
    assert "no text columns" in summary.to_text()


def test_truncated_parquet(tmp_path):
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"name": [f"person {i}" for i in range(1000)]}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    expect_error(path, "truncated Parquet file")


def test_damaged_parquet_footer(tmp_path):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"name": ["x"] * 10}), path)
    data = bytearray(path.read_bytes())
    data[-8:-4] = b"\xff\xff\xff\x7f"  # footer length pointing far outside the file
    path.write_bytes(bytes(data))
    expect_error(path, "damaged Parquet file")


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("name\nAnn\n")
    expect_error(path, "not a Parquet file")


def test_file_without_read_permission(tmp_path, monkeypatch):
    path = tmp_path / "secret.csv"
    path.write_text("a\n1\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == path else real_access(p, mode, *a, **k))
    expect_error(path, "no permission to read")


def test_permission_lost_after_the_check(tmp_path, monkeypatch):
    # Running as root, chmod does not stop reads: simulate the open() failing instead.
    path = tmp_path / "secret.jsonl"
    path.write_text('{"a": 1}\n')
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    expect_error(path, "permission denied")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_latin_utf16_without_bom_is_recognised_with_a_warning(tmp_path, encoding):
    path = tmp_path / "wide.csv"
    path.write_bytes("name,city\nAnn,Zürich\n".encode(encoding))
    for result in (read_dataset(path), inspect_dataset(path)):
        assert result.encoding == encoding
        assert len(result.warnings) == 1 and "no byte-order mark" in result.warnings[0]
    assert read_dataset(path).column_values("city") == ["Zürich"]


def test_utf16_without_bom_that_is_not_latin_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes("名前\n山田太郎\n".encode("utf-16-le"))  # no zero bytes to recognise it by
    error = expect_error(path, "binary data")
    assert "utf-16-le" in error.message
    dataset = read_dataset(path, ReadOptions(encoding="utf-16-le"))
    assert dataset.column_values("名前") == ["山田太郎"]


def test_bad_input_through_the_json_writer_round_trip_is_not_an_error(tmp_path):
    # A sanity check for the error helpers: a good file passes both readers.
    path = tmp_path / "good.json"
    path.write_text(json.dumps([{"a": "x"}]))
    assert read_dataset(path).num_rows == inspect_dataset(path).num_rows == 1


def test_a_line_spread_over_many_read_chunks_is_one_record(tmp_path, monkeypatch):
    from privdesk.core.dataset import text_reader

    monkeypatch.setattr(text_reader, "_CHUNK_CHARS", 7)  # every line crosses several chunks
    path = tmp_path / "lines.txt"
    lines = ["a" * 40, "", "b\r", "c" * 15 + "\r", "d" * 3]
    path.write_bytes("\n".join(lines).encode("utf-8"))
    expected = ["a" * 40, "", "b", "c" * 15, "d" * 3]  # "\r\n" ends a line; the last needs no terminator
    assert read_dataset(path).column_values("text") == expected
