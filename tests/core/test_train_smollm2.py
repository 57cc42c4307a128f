"""Smoke test of the default model: SmolLM2-135M loaded offline from the GGUF file, then two DP steps.

Slow (parsing the GGUF takes half a minute on a CPU) but kept in the suite: it is the model real runs use.
"""

from __future__ import annotations

import os
import time

import pytest
import torch

from privdesk.core.train import SealKey, TrainConfig, train
from privdesk.core.train.models import SMOLLM2_NAME, load_smollm2, smollm2_gguf_path

from tests.core.test_train import write_notes


@pytest.mark.slow
def test_smollm2_loads_from_gguf_and_takes_two_dp_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVDESK_CACHE_DIR", str(tmp_path / "cache"))  # parse the GGUF itself, not a cached copy
    assert smollm2_gguf_path().stat().st_size > 50_000_000
    data = tmp_path / "notes.csv"
    write_notes(data, 22)
    config = TrainConfig(data_path=data, model="smollm2", lora=True, epochs=1, batch_size=10, physical_batch_size=10,
                         max_length=16, epsilon=8.0, delta=1e-3, held_out_fraction=0.1)
    result = train(config, tmp_path / "run", key=SealKey.from_secret(os.urandom(32)))
    assert result.steps == 2 and result.plan.steps == 2
    assert result.grad_sample_mode == "fused"
    assert 0 < result.epsilon_prv <= 8.0
    assert result.card["model"]["name"] == SMOLLM2_NAME and result.card["model"]["architecture"] == "LlamaForCausalLM"
    assert result.card["model"]["trainable_parameters"] < result.card["model"]["parameters"] / 20  # LoRA only
    assert (result.model_dir / "model.safetensors").is_file()
    # The converted model is cached: the next load skips the GGUF and gives the same weights.
    started = time.monotonic()
    cached = load_smollm2()
    assert time.monotonic() - started < 20
    assert cached.model.config.vocab_size == 49152 and cached.tokenizer.eos_token_id is not None
    with torch.no_grad():
        ids = cached.tokenizer("Hello there", return_tensors="pt")["input_ids"]
        assert torch.isfinite(cached.model(input_ids=ids).logits).all()
