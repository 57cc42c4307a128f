"""No network: the whole pipeline runs, and passes, with every outbound socket refused.

In process (the `no_network` fixture patches this process's sockets): load, detect with the real
engine in-process (jobs=1: worker processes would not inherit the patch), review actions, mask and
export with a preset and a vault, re-identify, train a tiny DP model, evaluate, write the report.
Through privdesk-cli (subprocesses whose sitecustomize installs the same refusal, inherited by
spawned children, so detect runs with --jobs 2 there): inspect, detect, mask, reidentify, train,
evaluate. Any attempt fails the test with the stack that made it.
"""

from __future__ import annotations

import socket

import pytest

from privdesk.core.mask import vault as vault_module
from privdesk.core.synth import write_synth

from tests.reliability.network_refusal import NetworkRefusal
from tests.reliability.pipeline import canary_dataset, canary_spans, run_pipeline


def test_the_refusal_records_each_attempt_with_its_stack():
    attempts = []
    before = socket.getaddrinfo  # PrivDesk's own guard may be installed by an earlier in-process CLI call
    with NetworkRefusal(attempts.append):
        with pytest.raises(ConnectionRefusedError):
            socket.getaddrinfo("example.com", 443)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            assert sock.connect_ex  # patched methods are still reachable as attributes
            with pytest.raises(ConnectionRefusedError):
                sock.connect(("127.0.0.1", 9))  # even loopback: the pipeline needs no TCP at all
        left_alone = socket.socketpair()  # Unix sockets stay allowed
        for end in left_alone:
            end.close()
    assert [a.function for a in attempts] == ["socket.getaddrinfo", "socket.connect"]
    assert "test_the_refusal_records_each_attempt_with_its_stack" in attempts[0].stack
    assert socket.getaddrinfo is before  # uninstalled: what was there before is back


@pytest.mark.slow
def test_the_whole_pipeline_in_process_without_network(no_network, tmp_path, monkeypatch):
    from privdesk.core.dataset import read_dataset
    from privdesk.core.detect import DetectionEngine, DetectionSettings
    from privdesk.core.project import Project
    from privdesk.core.train import read_run

    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)  # the vault's KDF cost is not what this test is about
    data = canary_dataset(rows=40)
    dataset, _ = write_synth(data, tmp_path / "inputs" / "notes.csv")
    with DetectionEngine(DetectionSettings(jobs=1)) as engine:
        outputs = run_pipeline(tmp_path / "work", dataset, engine=engine, canary_spans=canary_spans(data))

    assert outputs.detections > 20
    actions = [action for action, _ in outputs.decisions]
    assert {"accept", "reject", "relabel", "add"} <= set(actions)
    assert all(state == "active" for _, state in outputs.decisions)  # undone, then redone
    assert outputs.restored.read_bytes() == dataset.read_bytes()
    assert read_dataset(outputs.export).table.num_rows == data.num_rows
    assert [path.suffix for path in outputs.audit_reports] == [".html", ".json"]
    result = outputs.train_result
    assert result.steps == result.plan.steps and result.epsilon_prv <= 4.0
    assert read_run(outputs.run_dir).status == "done" and (result.model_dir / "model_card.json").exists()
    evaluation = outputs.evaluation
    assert evaluation.detection is not None and evaluation.detection.records > 0
    assert evaluation.residual is not None
    assert len(evaluation.runs) == 1 and evaluation.runs[0].exposure is not None
    assert all(path.stat().st_size > 0 for path in outputs.reports)
    assert "data:image/png;base64," in outputs.reports[0].read_text(encoding="utf-8")  # the charts
    with Project.open(outputs.project) as project:
        assert [run.kind for run in project.runs()] == ["detection", "training"]
    assert no_network == []


@pytest.mark.slow
def test_the_cli_pipeline_in_subprocesses_without_network(cli_pipeline_run):
    outputs, guard = cli_pipeline_run.outputs, cli_pipeline_run.guard
    assert not outputs.failures(), "\n\n".join(outputs.failures())
    assert [argv[0] for argv, _ in outputs.commands] == ["inspect", "detect", "mask", "reidentify", "train", "evaluate"]
    assert guard.attempts() == [], guard.report()

    guarded = guard.guarded_processes()
    pids = {entry["pid"] for entry in guarded}
    assert len(pids) >= len(outputs.commands) + 1
    # detect --jobs 2 started a worker process ("spawn"): the refusal was installed in it too.
    assert any(entry["ppid"] in pids for entry in guarded), "no child process of a CLI command installed the refusal"

    assert outputs.restored.read_bytes() == outputs.dataset.read_bytes()
    folder = outputs.folder
    for name in ("detections.jsonl", "audit.html", "audit.json", "evaluation.html", "evaluation.pdf",
                 "evaluation.json", "runs/tiny-cli/model/model_card.md"):
        assert (folder / name).stat().st_size > 0, name
