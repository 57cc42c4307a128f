"""The CLI: help lists the subcommands; user errors print one line on stderr and exit 2, no traceback."""

import subprocess
import sys

import pytest

from privdesk.cli import build_parser, main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "privdesk.cli", *args], capture_output=True, text=True, timeout=300)


def test_help_lists_subcommands():
    help_text = build_parser().format_help()
    for command in ("synth", "inspect", "detect"):
        assert command in help_text


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_missing_file_is_a_clean_error():
    result = run_cli("inspect", "/no/such/file.csv")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "/no/such/file.csv" in result.stderr
    assert result.stderr.count("\n") == 1


def test_binary_file_is_a_clean_error(tmp_path):
    bad = tmp_path / "photo.csv"
    bad.write_bytes(bytes(range(256)) * 40)
    result = run_cli("inspect", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "photo.csv" in result.stderr


def test_inspect_prints_columns_and_rows(tmp_path):
    data = tmp_path / "people.csv"
    data.write_text(
        "id,email,note\n"
        '1,ann@example.org,"Ann Smith called from Boston about her invoice, twice."\n'
        '2,bob@example.com,"Bob Jones asked for a refund of his last payment."\n',
        encoding="utf-8",
    )
    result = run_cli("inspect", str(data))
    assert result.returncode == 0, result.stderr
    assert "email" in result.stdout and "note" in result.stdout
    assert "2" in result.stdout


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_synth_then_inspect(tmp_path, fmt):
    out = tmp_path / f"notes.{fmt}"
    result = run_cli("synth", "--kind", "notes", "--rows", "25", "--seed", "3", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.exists()
    assert (tmp_path / "notes.gold.jsonl").exists()
    inspected = run_cli("inspect", "--json", str(out))
    assert inspected.returncode == 0, inspected.stderr
    import json

    summary = json.loads(inspected.stdout)
    assert summary["num_rows"] == 25


def _bad_inputs(tmp_path):
    """One file per bad-input case the Foundation issue lists, with a fragment its message must hold."""
    cases = {}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    cases["empty"] = (empty, [], "empty")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02\xff" * 500)
    cases["binary"] = (binary, [], "binary")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    cases["ragged"] = (ragged, [], "line 3")
    invalid = tmp_path / "invalid.json"
    invalid.write_text('[{"a": 1}, {"a": ]', encoding="utf-8")
    cases["invalid json"] = (invalid, [], "JSON")
    not_array = tmp_path / "scalar.json"
    not_array.write_text('"just a string"', encoding="utf-8")
    cases["not an array of objects"] = (not_array, [], "array")
    encoded = tmp_path / "latin.csv"
    encoded.write_text("a\nb\n", encoding="utf-8")
    cases["unknown encoding"] = (encoded, ["--encoding", "klingon-8"], "klingon-8")
    cases["missing"] = (tmp_path / "missing.csv", [], "does not exist")
    folder = tmp_path / "no_texts"
    folder.mkdir()
    (folder / "image.png").write_bytes(b"\x89PNG")
    cases["folder without txt"] = (folder, [], ".txt")
    return cases


@pytest.mark.parametrize("case", ["empty", "binary", "ragged", "invalid json", "not an array of objects",
                                  "unknown encoding", "missing", "folder without txt"])
def test_bad_input_gives_one_line_and_exit_2(tmp_path, capsys, case):
    path, extra, fragment = _bad_inputs(tmp_path)[case]
    assert main(["inspect", *extra, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("privdesk-cli: error: ")
    assert str(path) in err and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unreadable_file_gives_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import os

    path = tmp_path / "locked.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(path) else real_access(p, mode, **kw))
    real_open = open

    def refuse(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "permission" in err.lower()


def test_parquet_without_text_columns_is_inspected_with_a_warning(tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]}), path)
    assert main(["inspect", str(path)]) == 0
    assert "no text columns" in capsys.readouterr().out
