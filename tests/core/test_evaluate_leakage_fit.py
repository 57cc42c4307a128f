"""Canary exposure when the skew-normal fit fails: the evaluation completes and says how it measured.

A barely trained model (one layer, 32 wide, a few steps) can score every candidate secret alike, and
scipy's skew-normal fit then raises FitError. Exposure falls back to the canary's rank within the
sampled candidates, and the result names that method and its limit.
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from privdesk.core.evaluate import LeakageOptions, canary_exposure, evaluate_runs, read_training_run  # noqa: E402
from privdesk.core.evaluate.leakage import (  # noqa: E402
    SAMPLED_RANK_METHOD,
    SkewNormalFitError,
    exact_ranks,
    exposure_from_rank,
    sampled_rank_exposures,
    skewnorm_exposures,
)

CANARY_FORMAT = "my code is ######"  # 10^6 candidates: more than the exact limit below, so the fit is used
SPACE = 10 ** 6


def _fit_fails(*args, **kwargs):
    from scipy.stats import FitError

    raise FitError("Optimization converged to parameters that are outside the range allowed by the distribution.")


# ---- the fit and its fallback, on numbers -----------------------------------------------------------------------


def test_a_sample_of_equal_scores_cannot_be_fitted():
    with pytest.raises(SkewNormalFitError, match="same log-perplexity"):
        skewnorm_exposures([40.0], np.full(500, 40.0), SPACE)
    with pytest.raises(SkewNormalFitError, match="at least 10"):
        skewnorm_exposures([40.0], [1.0, 2.0, math.nan], SPACE)


def test_scipy_fit_errors_and_degenerate_parameters_become_one_error(monkeypatch):
    from scipy.stats import skewnorm

    sample = np.random.default_rng(0).normal(40.0, 3.0, 500)
    monkeypatch.setattr(skewnorm, "fit", _fit_fails)
    with pytest.raises(SkewNormalFitError, match="FitError"):
        skewnorm_exposures([35.0], sample, SPACE)
    monkeypatch.setattr(skewnorm, "fit", lambda data: (math.nan, 0.0, 1.0))
    with pytest.raises(SkewNormalFitError, match="degenerate"):
        skewnorm_exposures([35.0], sample, SPACE)
    monkeypatch.setattr(skewnorm, "fit", lambda data: (0.0, 0.0, 0.0))
    with pytest.raises(SkewNormalFitError, match="degenerate"):
        skewnorm_exposures([35.0], sample, SPACE)


def test_the_sampled_rank_tracks_the_exact_rank_and_knows_its_limit():
    rng = np.random.default_rng(3)
    space = rng.normal(40.0, 3.0, 100_000)
    sample = rng.choice(space, 2_000, replace=False)
    canaries = np.quantile(space, [0.5, 0.1, 0.01])
    exact = [exposure_from_rank(rank, space.size) for rank in exact_ranks(canaries, space)]
    errors = np.abs(sampled_rank_exposures(canaries, sample, space.size) - exact)
    assert errors[0] < 0.1 and errors[1] < 0.2  # the 1% tail rests on about 20 sampled candidates: noisier
    assert errors[2] < 0.7
    # Beyond every sampled candidate: log2(n + 1) bits, all a sample of n can show (not log2|R|).
    assert sampled_rank_exposures([0.0], sample, space.size)[0] == pytest.approx(math.log2(2_001))
    # A model that scores every candidate alike has memorised nothing: about one bit, not the maximum.
    assert sampled_rank_exposures([40.0], np.full(2_000, 40.0), SPACE)[0] == pytest.approx(1.0, abs=0.01)
    assert math.isnan(sampled_rank_exposures([math.nan], sample, SPACE)[0])
    assert math.isnan(sampled_rank_exposures([30.0], [math.nan], SPACE)[0])


# ---- on models -------------------------------------------------------------------------------------------------


def _uniform_model(tokenizer):
    """A GPT-2 whose output layer is zero: every token equally likely, so every candidate scores the same."""
    from transformers import GPT2Config, GPT2LMHeadModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=32, n_embd=16, n_layer=1, n_head=2,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        model.lm_head.weight.zero_()
    return model


def test_a_model_that_scores_every_candidate_alike_gets_the_sampled_rank_not_a_crash():
    from privdesk.core.train.tiny_tokenizer import public_tiny_tokenizer

    tokenizer = public_tiny_tokenizer(300)
    result = canary_exposure(_uniform_model(tokenizer), tokenizer, CANARY_FORMAT, ["123456", "908172"],
                             exact_limit=1_000, sample_size=300, batch_size=64, max_length=32)
    assert result.method == SAMPLED_RANK_METHOD and result.candidates_scored == 300
    assert [c.exposure for c in result.canaries] == pytest.approx([1.0, 1.0], abs=0.01)
    assert any("skew-normal fit failed" in note and "8.2 bits" in note for note in result.notes)
    assert result.to_dict()["notes"] == result.notes


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A finished Tiny run with two canaries of a 6-digit format: 1 layer, 32 wide, 4 steps, no DP (no σ search)."""
    from privdesk.core.train import SealKey, TrainConfig, train

    base = tmp_path_factory.mktemp("fit")
    data = base / "notes.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note"])
        writer.writerows([f"visit {index}: the patient felt fine and went home"] for index in range(80))
    secret = os.urandom(32)
    config = TrainConfig(data_path=data, model="tiny", dp=False, epochs=1, batch_size=20, physical_batch_size=20,
                         max_length=24, tiny_layers=1, tiny_hidden=32, tiny_heads=2, tiny_vocab_size=300,
                         canaries=2, canary_repeats=1, canary_format=CANARY_FORMAT, num_threads=1)
    result = train(config, base / "run", key=SealKey.from_secret(secret))
    return result.run_dir, secret


@pytest.mark.slow
def test_evaluate_completes_and_reports_the_fallback_when_the_fit_fails(small_run, monkeypatch):
    from scipy.stats import skewnorm

    from privdesk.core.evaluate import Evaluation
    from privdesk.core.evaluate.report import render_html

    run_dir, secret = small_run
    run = read_training_run(run_dir, secret=secret)
    assert run.canaries is not None and run.canaries.candidate_space == SPACE
    monkeypatch.setattr(skewnorm, "fit", _fit_fails)
    options = LeakageOptions(exact_limit=1_000, sample_size=200, generations=0, base_model=False, batch_size=32)
    [evaluated] = evaluate_runs([run], options)
    exposure = evaluated.exposure
    assert exposure is not None and exposure.method == SAMPLED_RANK_METHOD
    assert all(0.0 <= c.exposure <= math.log2(201) + 1e-9 for c in exposure.canaries)
    assert evaluated.membership is not None and evaluated.perplexity is not None  # the rest was measured too
    html = render_html(Evaluation(models=[evaluated]))
    assert SAMPLED_RANK_METHOD in html
