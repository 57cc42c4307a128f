"""`privdesk-cli train` plans a run once: one read of the dataset, one σ search, and the plan shown first."""

from __future__ import annotations

import pytest

from privdesk.cli import main
from privdesk.core.train import accounting, runner

from tests.core.test_train import write_notes


@pytest.mark.slow
def test_the_cli_reads_the_data_and_searches_sigma_once(tmp_path, capsys, monkeypatch):
    data = tmp_path / "notes.csv"
    write_notes(data, 120, seed=2)
    reads, searches = [], []
    read_data, bracket = runner._read_data, accounting._bracket_with_rdp
    monkeypatch.setattr(runner, "_read_data", lambda *args: reads.append(1) or read_data(*args))
    monkeypatch.setattr(accounting, "_bracket_with_rdp", lambda *args: searches.append(args) or bracket(*args))
    accounting.noise_multiplier_for.cache_clear()  # a σ cached by an earlier test would hide a second search

    code = main(["train", str(data), "--model", "tiny", "--epochs", "1", "--batch-size", "40", "--max-length", "16",
                 "--epsilon", "2.5", "--secret-file", str(tmp_path / "secret"), "-o", str(tmp_path / "run")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert len(reads) == 1 and len(searches) == 1
    assert out.err.count("σ = ") == 1 and "target ε = 2.5" in out.err  # the plan, printed before training
