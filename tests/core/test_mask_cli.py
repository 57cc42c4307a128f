"""privdesk-cli mask and reidentify: the pipeline headless, and one-line errors with exit status 2."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from privdesk.cli import build_parser, main
from privdesk.core.mask import vault as vault_module
from privdesk.core.synth import generate_dataset, write_synth


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Path]:
    return write_synth(generate_dataset("tickets", rows=40, seed=9), tmp_path / "tickets.jsonl")


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text("a long and secret phrase\n", encoding="utf-8")
    return path


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_help_documents_both_commands_and_the_secret_file(capsys):
    help_text = build_parser().format_help()
    assert "mask" in help_text and "reidentify" in help_text
    with pytest.raises(SystemExit):
        main(["mask", "--help"])
    mask_help = capsys.readouterr().out
    assert "--secret-file" in mask_help and "0600" in mask_help and "created" in mask_help
    assert "hipaa_safe_harbor" in mask_help and "llm_training" in mask_help


def test_mask_then_reidentify_gives_the_input_back(tmp_path, data, passphrase_file, capsys):
    dataset, gold = data
    secret = tmp_path / "project.secret"
    output, vault, report = tmp_path / "masked.jsonl", tmp_path / "masked.vault", tmp_path / "report.html"
    status = main(["mask", str(dataset), "--policy", "gdpr_pseudonymisation", "--detections", str(gold),
                   "-o", str(output), "--report", str(report), "--vault", str(vault),
                   "--passphrase-file", str(passphrase_file), "--secret-file", str(secret)])
    err = capsys.readouterr().err
    assert status == 0, err
    assert f"created a new secret file {secret}" in err and "masked 40 records" in err
    assert secret.stat().st_size == 32 and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    assert report.exists() and report.with_suffix(".json").exists()
    restored = tmp_path / "restored.jsonl"
    assert main(["reidentify", str(output), "--vault", str(vault), "--passphrase-file", str(passphrase_file),
                 "-o", str(restored), "--secret-file", str(secret)]) == 0
    assert "restored" in capsys.readouterr().err
    assert restored.read_bytes() == dataset.read_bytes()


def test_the_same_secret_file_gives_the_same_output(tmp_path, data, capsys):
    dataset, gold = data
    secret = tmp_path / "s.secret"
    outputs = []
    for run in range(2):
        output = tmp_path / f"run{run}.jsonl"
        assert main(["mask", str(dataset), "--policy", "llm_training", "--detections", str(gold), "-o", str(output),
                     "--secret-file", str(secret)]) == 0
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]
    assert "created a new secret file" not in capsys.readouterr().err.split("masked 40")[1]
    one_off = tmp_path / "one_off.jsonl"
    assert main(["mask", str(dataset), "--policy", "llm_training", "--detections", str(gold), "-o", str(one_off)]) == 0
    assert "one-off secret" in capsys.readouterr().err
    assert one_off.read_bytes() != outputs[0]


def test_a_policy_file_works_like_a_preset(tmp_path, data):
    dataset, gold = data
    policy = tmp_path / "mine.yaml"
    policy.write_text("name: mine\ndefault: redact\nentities: {EMAIL_ADDRESS: {operator: hash, length: 12}}\n")
    output = tmp_path / "out.csv"
    assert main(["mask", str(dataset), "--policy", str(policy), "--detections", str(gold), "-o", str(output)]) == 0
    assert output.read_text(encoding="utf-8").startswith("ticket_id,customer_email,phone,subject,body")


@pytest.mark.parametrize(("extra", "words"), [
    (["--policy", "hipaa"], "neither a policy file nor a preset"),
    (["--policy", "pci_dss", "--vault", "v.vault"], "--vault needs --passphrase-file"),
    (["--policy", "bad.yaml"], "line 4, field 'entities.PERSON.operator'"),
    (["--policy", "pci_dss", "--secret-file", "short.secret"], "not a PrivDesk secret file"),
])
def test_user_errors_are_one_line(tmp_path, data, capsys, monkeypatch, extra, words):
    dataset, gold = data
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("name: bad\ndefault: tag\nentities:\n  PERSON: {operator: scramble}\n")
    (tmp_path / "short.secret").write_bytes(b"too short")
    status = main(["mask", str(dataset), "--detections", str(gold), "-o", str(tmp_path / "o.csv"), *extra])
    assert status == 2
    assert words in one_error_line(capsys)
    assert not (tmp_path / "o.csv").exists()


def test_reidentify_errors_are_one_line(tmp_path, data, passphrase_file, capsys):
    dataset, gold = data
    output, vault = tmp_path / "m.jsonl", tmp_path / "m.vault"
    assert main(["mask", str(dataset), "--policy", "pci_dss", "--detections", str(gold), "-o", str(output),
                 "--vault", str(vault), "--passphrase-file", str(passphrase_file)]) == 0
    capsys.readouterr()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not it\n")
    assert main(["reidentify", str(output), "--vault", str(vault), "--passphrase-file", str(wrong),
                 "-o", str(tmp_path / "r.jsonl")]) == 2
    assert "passphrase is wrong" in one_error_line(capsys)
    other_secret = tmp_path / "other.secret"
    other_secret.write_bytes(os.urandom(32))
    assert main(["reidentify", str(output), "--vault", str(vault), "--passphrase-file", str(passphrase_file),
                 "--secret-file", str(other_secret), "-o", str(tmp_path / "r.jsonl")]) == 2
    assert "another project" in one_error_line(capsys)
    assert not (tmp_path / "r.jsonl").exists()


def test_errors_from_a_real_process_have_no_traceback(tmp_path, data):
    dataset, gold = data
    result = subprocess.run([sys.executable, "-m", "privdesk.cli", "mask", str(dataset), "--policy", "nope",
                             "-o", str(tmp_path / "o.csv"), "--detections", str(gold)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.slow
def test_without_detections_the_data_is_detected_first(tmp_path, capsys):
    dataset = tmp_path / "small.csv"
    dataset.write_text('id,note\n1,"Call Jane Roe at 612-928-6690 or mail jane.roe@example.com"\n2,"Nothing here"\n',
                       encoding="utf-8")
    output = tmp_path / "small.masked.csv"
    assert main(["mask", str(dataset), "--policy", "hipaa_safe_harbor", "-o", str(output)]) == 0, capsys.readouterr().err
    text = output.read_text(encoding="utf-8")
    assert "612-928-6690" not in text and "jane.roe@example.com" not in text
    assert "<PHONE_NUMBER>" in text and "<EMAIL_ADDRESS>" in text and "Nothing here" in text
