"""The CLI: help lists the subcommands; user errors print one line on stderr and exit 2, no traceback."""

import subprocess
import sys

import pytest

from privdesk.cli import build_parser, main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "privdesk.cli", *args], capture_output=True, text=True, timeout=300)


def test_help_lists_subcommands():
    help_text = build_parser().format_help()
    for command in ("synth", "inspect"):
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
