"""DP fine-tuning of the Tiny model end to end: plan, accounting, cancel/resume, baseline, keys, CLI, project.

Each run trains a two-layer GPT-2 on 300 synthetic records for a few dozen steps (seconds each).
"""

from __future__ import annotations

import csv
import json
import os
import random
import threading
from pathlib import Path

import pytest
import torch

from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.train import (PauseToken, SealKey, TrainConfig, TrainingError, load_canaries, plan, read_run,
                                 resume, train)
from privdesk.core.train import checkpoints
from privdesk.core.train.accounting import PrivacyLedger

NAMES = ("Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon")
CITIES = ("Boston", "Paris", "Lima", "Oslo", "Rome", "Kyiv", "Accra")
MOODS = ("well", "ill", "tired", "fine", "dizzy")


def write_notes(path: Path, rows: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "note"])
        for index in range(rows):
            text = (f"{rng.choice(NAMES)} visited {rng.choice(CITIES)} on day {rng.randint(1, 28)} "
                    f"and felt {rng.choice(MOODS)}.")
            if index == 7:
                text = ""  # an empty record: skipped, never trained on
            texts.append(text)
            writer.writerow([index, text])
    return texts


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("data") / "notes.csv"
    return path, write_notes(path, 300)


@pytest.fixture(scope="module")
def key() -> SealKey:
    return SealKey.from_secret(os.urandom(32))


def tiny_config(data: Path, **changes) -> TrainConfig:
    settings = dict(data_path=data, model="tiny", epochs=2, batch_size=30, physical_batch_size=16, max_length=32,
                    epsilon=4.0, tiny_vocab_size=400, canaries=2, canary_repeats=3, checkpoint_every_steps=5)
    settings.update(changes)
    return TrainConfig(**settings)


@pytest.fixture(scope="module")
def finished_run(notes, key, tmp_path_factory):
    """One complete DP run (fused clipping, canaries), shared by the tests that inspect its results."""
    run_dir = tmp_path_factory.mktemp("runs") / "dp"
    reports = []
    result = train(tiny_config(notes[0]), run_dir, key=key, progress=reports.append)
    return result, reports


def pld_epsilon(history: list[tuple[float, float, int]], delta: float) -> float:
    """ε of the composed Poisson-subsampled Gaussian steps by Google's dp_accounting PLD accountant."""
    import dp_accounting
    from dp_accounting.pld import pld_privacy_accountant

    accountant = pld_privacy_accountant.PLDAccountant(value_discretization_interval=1e-4)
    for sigma, rate, steps in history:
        accountant.compose(dp_accounting.SelfComposedDpEvent(
            dp_accounting.PoissonSampledDpEvent(rate, dp_accounting.GaussianDpEvent(sigma)), steps))
    return accountant.get_epsilon(delta)


# ---- plan -------------------------------------------------------------------------------------------------


def test_plan_gives_sigma_q_and_steps_before_training(notes):
    config = tiny_config(notes[0])
    planned = plan(config)
    examples = 269 + 2 * 3  # 300 records, one empty, 10% held out (30), plus 2 canaries x 3
    assert planned.train_records == 269 and planned.held_out_records == 30 and planned.skipped_records == 1
    assert planned.examples == examples
    assert planned.steps_per_epoch == -(-examples // 30)
    assert planned.sample_rate == pytest.approx(1 / planned.steps_per_epoch)
    assert planned.steps == 2 * planned.steps_per_epoch
    assert planned.delta < 1 / examples
    assert 0.3 < planned.noise_multiplier < 5
    assert planned.text_columns == ("note",)
    ledger = PrivacyLedger([(planned.noise_multiplier, planned.sample_rate, planned.steps)])
    assert config.epsilon - 0.02 <= ledger.epsilon_prv(planned.delta) <= config.epsilon


def test_delta_at_or_above_one_over_n_is_refused_with_the_reason(notes):
    with pytest.raises(TrainingError, match=r"not below 1/N") as error:
        plan(tiny_config(notes[0], delta=0.01))
    assert "publishes one whole record" in error.value.message


def test_bad_settings_are_refused_before_reading(notes):
    with pytest.raises(TrainingError, match="epsilon must be a positive"):
        tiny_config(notes[0], epsilon=0)
    with pytest.raises(TrainingError, match="four '#'"):
        tiny_config(notes[0], canary_format="PIN ###")
    with pytest.raises(TrainingError, match="no column 'text'"):
        plan(tiny_config(notes[0], text_columns=("text",)))


# ---- a finished DP run ---------------------------------------------------------------------------------------


def test_epsilon_is_within_target_and_matches_an_independent_accountant(finished_run):
    result, _ = finished_run
    history = [(result.plan.noise_multiplier, result.plan.sample_rate, result.plan.steps)]
    assert result.steps == result.plan.steps
    assert result.epsilon_prv <= result.plan.epsilon_target
    independent = pld_epsilon(history, result.plan.delta)
    assert result.epsilon_prv == pytest.approx(independent, rel=0.01)
    assert result.epsilon_rdp >= result.epsilon_prv  # RDP is the looser bound


def test_progress_reports_structured_metrics_every_step(finished_run):
    result, reports = finished_run
    training = [report for report in reports if report.phase == "training" and report.loss is not None]
    assert [report.step for report in training] == list(range(1, result.steps + 1))
    assert all(report.total_steps == result.steps for report in training)
    assert all(report.epsilon_prv is not None and report.noise_multiplier == result.plan.noise_multiplier
               for report in training)
    assert training[-1].epsilon_prv <= result.plan.epsilon_target
    assert reports[-1].phase == "done" and reports[-1].grad_sample_mode == "fused"
    assert [r.epsilon_prv for r in training] == sorted(r.epsilon_prv for r in training)  # ε only grows
    # ε is recomputed every few seconds; each report says at which step, and that step is never ahead
    assert all(r.epsilon_step is not None and r.epsilon_step <= r.step for r in training)
    assert training[-1].epsilon_step == training[-1].step
    assert training[-1].epsilon_prv == pytest.approx(result.epsilon_prv, rel=0.01)  # the result's is the final, finer PRV


def test_metrics_hold_epsilon_only_where_it_was_computed(finished_run):
    import json

    result, _ = finished_run
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    points = metrics if isinstance(metrics, list) else metrics["steps"]
    computed = [point["epsilon_prv"] for point in points if point["epsilon_prv"] is not None]
    assert computed and computed == sorted(computed)
    assert points[-1]["epsilon_prv"] == pytest.approx(result.epsilon_prv, rel=0.01)


def test_run_folder_tells_evaluate_members_canaries_and_model(finished_run, notes, key):
    from transformers import AutoModelForCausalLM

    result, _ = finished_run
    info = read_run(result.run_dir)
    assert info.status == "done"
    split = info.split
    assert set(split.train_records).isdisjoint(split.held_out_records)
    assert sorted(split.train_records + split.held_out_records + split.skipped_records) == list(range(300))
    assert split.skipped_records == (7,)
    canaries = load_canaries(result.run_dir, key)
    assert len(canaries.secrets) == 2 and canaries.repeats == 3 and canaries.candidate_space == 10**9
    assert all(text.startswith("My social security number is ") for text in canaries.texts)
    model = AutoModelForCausalLM.from_pretrained(info.model_path)
    assert model.config.n_layer == 2
    assert not (result.run_dir / "checkpoints").exists()  # a finished run cannot be resumed


def test_model_card_has_privacy_facts_and_no_data(finished_run, notes):
    result, _ = finished_run
    card = json.loads((result.model_dir / "model_card.json").read_text(encoding="utf-8"))
    markdown = (result.model_dir / "model_card.md").read_text(encoding="utf-8")
    privacy = card["privacy"]
    assert privacy["dp"] and privacy["accountant"] == "prv" and privacy["steps"] == result.steps
    assert privacy["epsilon_prv"] == result.epsilon_prv and privacy["noise_multiplier"] > 0
    assert card["canaries"] == {"count": 2, "repeats": 3}
    assert len(card["data"]["sha256"]) == 64 and card["data"]["records"] == 300
    assert card["training"]["final_train_loss"] > 0 and card["training"]["held_out_loss"] > 0
    assert "unencrypted" in card["storage"] and "ε = " in markdown
    everything = json.dumps(card) + markdown + (result.run_dir / "run.json").read_text(encoding="utf-8")
    assert not any(text and text in everything for text in notes[1])


# ---- cancel, pause, resume, keys ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cancelled_run(notes, key, tmp_path_factory):
    """The finished run's settings, cancelled after step 7 (checkpoints every 5 steps, and one on cancel)."""
    run_dir = tmp_path_factory.mktemp("runs") / "cancelled"
    cancel = CancelToken()

    def stop_at_seven(report):
        if report.phase == "training" and report.step == 7:
            cancel.cancel()

    with pytest.raises(Cancelled):
        train(tiny_config(notes[0]), run_dir, key=key, progress=stop_at_seven, cancel=cancel)
    return run_dir


def test_cancel_leaves_a_resumable_checkpoint(cancelled_run, key):
    assert read_run(cancelled_run).status == "cancelled"
    steps = [step for step, _ in checkpoints.list_checkpoints(cancelled_run)]
    assert steps == [5, 7]
    state = checkpoints.load_checkpoint(checkpoints.latest_checkpoint(cancelled_run), key)
    assert state["step"] == 7 and state["ledger"][0][2] == 7 and state["tiny_tokenizer"]


def test_checkpoints_need_the_key_and_hide_the_canaries(cancelled_run, key):
    path = checkpoints.latest_checkpoint(cancelled_run)
    wrong = SealKey.from_secret(os.urandom(32))
    with pytest.raises(TrainingError, match="cannot be decrypted with this project secret"):
        checkpoints.load_checkpoint(path, wrong)
    with pytest.raises(TrainingError, match="cannot be decrypted"):
        load_canaries(cancelled_run, wrong)
    with pytest.raises(TrainingError, match="cannot be decrypted"):
        resume(cancelled_run, key=wrong)
    assert read_run(cancelled_run).status == "cancelled"  # a wrong key does not spoil the run
    raw = path.read_bytes() + (cancelled_run / "canaries.enc").read_bytes()
    for canary_text, secret in zip(load_canaries(cancelled_run, key).texts, load_canaries(cancelled_run, key).secrets):
        assert canary_text.encode() not in raw and secret.encode() not in raw
        assert f"{secret[:3]}-{secret[3:5]}-{secret[5:]}".encode() not in raw
    damaged = bytearray(path.read_bytes())
    damaged[-5] ^= 1
    copy = path.with_name("step-000000099.ckpt")
    copy.write_bytes(bytes(damaged))
    try:
        with pytest.raises(TrainingError, match="damaged or changed"):
            checkpoints.load_checkpoint(copy, key)
    finally:
        copy.unlink()


def test_resume_finishes_with_the_accounting_of_an_uninterrupted_run(cancelled_run, finished_run, key):
    reports = []
    result = resume(cancelled_run, key=key, progress=reports.append)
    uninterrupted, _ = finished_run
    assert result.steps == uninterrupted.steps
    training_steps = [r.step for r in reports if r.phase == "training" and not r.message]
    assert training_steps == list(range(8, result.steps + 1))  # picks up after step 7
    assert result.epsilon_prv == pytest.approx(uninterrupted.epsilon_prv, abs=1e-9)
    assert result.epsilon_rdp == pytest.approx(uninterrupted.epsilon_rdp, abs=1e-9)
    metrics = json.loads((cancelled_run / "metrics.json").read_text())
    assert [row["step"] for row in metrics] == list(range(1, result.steps + 1))
    assert read_run(cancelled_run).status == "done"
    with pytest.raises(TrainingError, match="finished run"):
        resume(cancelled_run, key=key)


def test_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one(notes, key, tmp_path, monkeypatch):
    """Sampler, noise and dropout generators, optimizer state and step all come back from the checkpoint:
    given the same secret seeds, stopping and resuming changes nothing at all."""
    from safetensors.torch import load_file

    from privdesk.core.train import runner

    def same_seeds():
        seeds = iter(range(1000, 1010))
        monkeypatch.setattr(runner, "_secret_seed", lambda: next(seeds))

    config = tiny_config(notes[0], canaries=0, epochs=1)
    same_seeds()
    straight = train(config, tmp_path / "straight", key=key)
    same_seeds()
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        train(config, tmp_path / "stopped", key=key, cancel=cancel,
              progress=lambda r: cancel.cancel() if r.phase == "training" and r.step == 4 else None)
    resumed = resume(tmp_path / "stopped", key=key)
    expected, got = load_file(straight.model_dir / "model.safetensors"), load_file(resumed.model_dir / "model.safetensors")
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[name], got[name]) for name in expected)
    assert resumed.final_train_loss == straight.final_train_loss


def test_pause_holds_the_loop_and_cancel_works_while_paused(notes, key, tmp_path):
    pause, cancel = PauseToken(), CancelToken()
    phases = []

    def on_report(report):
        phases.append((report.phase, report.step))
        if report.phase == "training" and report.step == 2:
            pause.pause()
            threading.Timer(0.3, cancel.cancel).start()

    with pytest.raises(Cancelled):
        train(tiny_config(notes[0], canaries=0), tmp_path / "paused", key=key, progress=on_report, cancel=cancel,
              pause=pause)
    assert ("paused", 2) in phases
    assert not any(phase == "training" and step > 2 for phase, step in phases)
    assert [step for step, _ in checkpoints.list_checkpoints(tmp_path / "paused")] == [2]


def test_a_used_run_folder_is_refused(finished_run, notes, key):
    with pytest.raises(TrainingError, match="already holds a training run"):
        train(tiny_config(notes[0]), finished_run[0].run_dir, key=key)


# ---- baseline -----------------------------------------------------------------------------------------------


def test_non_private_baseline_runs_the_same_loop_and_learns(notes, key, tmp_path):
    reports = []
    result = train(tiny_config(notes[0], dp=False, canaries=0, epochs=3), tmp_path / "baseline", key=key,
                   progress=reports.append)
    assert result.grad_sample_mode == "non-private" and result.epsilon_prv is None
    losses = [r.loss for r in reports if r.phase == "training" and r.loss is not None]
    assert len(losses) == result.plan.steps
    assert losses[-1] < 0.7 * losses[0]
    card = json.loads((result.model_dir / "model_card.json").read_text())
    assert card["privacy"]["dp"] is False and "NOT private" in card["storage"]
    assert "Not private" in (result.model_dir / "model_card.md").read_text()


def test_passphrase_keys_open_only_with_the_same_passphrase(tmp_path):
    sealed = tmp_path / "secret.enc"
    SealKey.from_passphrase("correct horse", tmp_path).seal_to_file(sealed, b"x" * 10_000_000, "checkpoint")
    assert SealKey.from_passphrase("correct horse", tmp_path).open_file(sealed, "checkpoint") == b"x" * 10_000_000
    with pytest.raises(TrainingError, match="cannot be decrypted with this passphrase"):
        SealKey.from_passphrase("wrong horse", tmp_path).open_file(sealed, "checkpoint")
    with pytest.raises(TrainingError, match="cannot be decrypted"):  # a checkpoint is not a canaries file
        SealKey.from_passphrase("correct horse", tmp_path).open_file(sealed, "canaries")
    assert b"correct" not in (tmp_path / "key.json").read_bytes()
