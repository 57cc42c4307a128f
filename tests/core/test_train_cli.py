"""privdesk-cli train: a Tiny run end to end, inside a project; user errors exit 2 with one clear line."""

from __future__ import annotations

import json

from privdesk.cli import main
from privdesk.core.project import Project
from privdesk.core.train import read_run

from tests.core.test_train import write_notes

TINY = ["--model", "tiny", "--epochs", "1", "--batch-size", "40", "--max-length", "24", "--epsilon", "3"]


def test_cli_trains_inside_a_project_and_records_the_run(tmp_path, capsys):
    data = tmp_path / "notes.csv"
    texts = write_notes(data, 200, seed=5)
    project_path = tmp_path / "study.privdesk"
    Project.create(project_path).close()
    code = main(["train", str(data), *TINY, "--canaries", "1", "--canary-repeats", "2", "--project", str(project_path),
                 "-o", str(tmp_path / "run")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "ε = " in out.out and "model:" in out.out
    assert "σ = " in out.err and "steps" in out.err  # the plan is shown before training
    info = read_run(tmp_path / "run")
    assert info.status == "done" and info.model_path is not None and info.has_canaries
    with Project.open(project_path) as project:
        runs = project.runs("training")
        assert len(runs) == 1 and runs[0].status == "done"
        assert runs[0].results["epsilon_prv"] <= 3.0
        assert runs[0].artefacts["model"] == info.model_path.resolve()
        stored = json.dumps(runs[0].params) + json.dumps(runs[0].results)
    assert not any(text and text in stored for text in texts)


def test_cli_user_errors_exit_2_with_one_line(tmp_path, capsys):
    data = tmp_path / "notes.csv"
    write_notes(data, 120)
    cases = [
        (["train", str(data), *TINY, "--delta", "0.05", "--secret-file", str(tmp_path / "k"), "-o", str(tmp_path / "a")],
         "not below 1/N"),
        (["train", str(data), *TINY, "-o", str(tmp_path / "b")], "no key was given"),
        (["train", str(data), "--model", str(tmp_path / "missing"), "--secret-file", str(tmp_path / "k"),
          "-o", str(tmp_path / "c")], "is not a model folder"),
        (["train", str(data), *TINY, "--epsilon", "-1", "--secret-file", str(tmp_path / "k"), "-o", str(tmp_path / "d")],
         "epsilon must be a positive"),
        (["train", str(data), *TINY, "--secret-file", str(tmp_path / "k")], "-o RUN_DIR"),
        (["train", "--resume", str(tmp_path / "nothing"), "--secret-file", str(tmp_path / "k")], "has no training run"),
    ]
    for argv, expected in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len([line for line in err if line.startswith("privdesk-cli: error:")]) == 1, err
        assert expected in err[-1], err
