"""Atomic writes: the final name holds the old content or the new, never half of either."""

import os
import stat

import pytest

from privdesk.core.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_text


def test_write_replaces_content(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_failure_midway_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("a,b\n1,2\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write("x,y\n" * 1000)
            raise RuntimeError("disk on fire")
    assert target.read_text() == "a,b\n1,2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failure_on_new_file_leaves_nothing(tmp_path):
    target = tmp_path / "new.parquet"
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"partial")
            raise ValueError("writer failed")
    assert list(tmp_path.iterdir()) == []


def test_new_file_gets_umask_permissions_not_0600(tmp_path):
    target = tmp_path / "export.jsonl"
    atomic_write_bytes(target, b"{}\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_replacing_keeps_existing_mode(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    atomic_write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_creates_missing_folder(tmp_path):
    target = tmp_path / "a" / "b" / "c.txt"
    atomic_write_text(target, "hello")
    assert target.read_text() == "hello"


def test_atomic_paths_commit_together_or_not_at_all(tmp_path):
    from privdesk.core.atomic import atomic_paths

    first, second = tmp_path / "out.csv", tmp_path / "out.vault"
    first.write_text("old output")
    second.write_text("old vault")
    with pytest.raises(RuntimeError):
        with atomic_paths(first, second) as (tmp_first, tmp_second):
            tmp_first.write_text("new output")
            tmp_second.write_text("new vault")
            raise RuntimeError("failed after writing both")
    assert (first.read_text(), second.read_text()) == ("old output", "old vault")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.vault"]
    with atomic_paths(first, second) as (tmp_first, tmp_second):
        tmp_first.write_text("new output")
        tmp_second.write_text("new vault")
        assert (first.read_text(), second.read_text()) == ("old output", "old vault")
    assert (first.read_text(), second.read_text()) == ("new output", "new vault")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.vault"]
