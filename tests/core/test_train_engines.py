"""The gradient engines: fused clipping is exact, every DP engine updates what it should and nothing else.

Opacus #820 reported LoRA weights silently receiving wrong DP updates; these tests pin the update
itself: with no noise and a clipping norm no gradient reaches, a DP step must equal the plain step
(for full fine-tuning and LoRA, in every mode), and with noise the LoRA weights move while every
frozen weight stays bit-identical.
"""

from __future__ import annotations

import copy

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from privdesk.core.train.accounting import PrivacyLedger
from privdesk.core.train.config import TrainConfig
from privdesk.core.train.data import Collator, ExampleSet, model_inputs, per_sample_loss
from privdesk.core.train.dp import choose_mode, make_engine
from privdesk.core.train.fused import FusedClipping, unsupported_layers
from privdesk.core.train.models import LoadedModel, prepare_for_training, untie_embeddings

VOCAB = 64


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """As training does on a 2-core machine: OpenMP threads spinning on busy cores make tiny kernels crawl."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def tiny_gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=VOCAB, n_positions=32, n_embd=32, n_layer=2, n_head=2,
                                      resid_pdrop=0, embd_pdrop=0, attn_pdrop=0, bos_token_id=0, eos_token_id=0))


def tiny_llama() -> LlamaForCausalLM:
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False,
                                        bos_token_id=0, eos_token_id=0, pad_token_id=0))


def batch_of(lengths: tuple[int, ...], seed: int) -> dict:
    generator = torch.Generator().manual_seed(seed)
    return Collator(0)([torch.randint(1, VOCAB, (n,), generator=generator).tolist() for n in lengths])


def reference_clipped_sum(model, batch, max_grad_norm: float) -> dict[str, torch.Tensor]:
    """Σ_i min(1, C/‖g_i‖) g_i from one backward pass per sample: slow and obviously right."""
    total = {name: torch.zeros_like(p) for name, p in model.named_parameters() if p.requires_grad}
    for row in range(batch["input_ids"].shape[0]):
        model.zero_grad()
        one = {name: tensor[row:row + 1] for name, tensor in batch.items()}
        per_sample_loss(model(**model_inputs(one, "cpu")).logits, one["labels"]).sum().backward()
        grads = {name: p.grad for name, p in model.named_parameters() if p.requires_grad and p.grad is not None}
        norm = torch.sqrt(sum(g.pow(2).sum() for g in grads.values()))
        factor = min(1.0, max_grad_norm / (float(norm) + 1e-6))
        for name, grad in grads.items():
            total[name] += factor * grad
    model.zero_grad()
    return total


def lora(model):
    loaded = LoadedModel(model, None, {})
    return prepare_for_training(loaded, TrainConfig(data_path="unused.csv", lora=True, lora_rank=4))


def with_nonzero_lora_b(model):
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.1)
    return model


@pytest.mark.parametrize("build", [tiny_gpt2, tiny_llama, lambda: with_nonzero_lora_b(lora(tiny_gpt2()))],
                         ids=["gpt2", "llama", "gpt2-lora"])
@pytest.mark.parametrize("max_grad_norm", [1e6, 0.05])
def test_fused_clipping_equals_per_sample_reference(build, max_grad_norm):
    model = build()
    untie_embeddings(model)
    model.train()
    batch = batch_of((7, 12, 5, 12, 3), seed=1)
    expected = reference_clipped_sum(model, batch, max_grad_norm)
    clipping = FusedClipping(model, max_grad_norm)
    clipping.attach()
    try:
        clipping.backward(per_sample_loss(model(**model_inputs(batch, "cpu")).logits, batch["labels"]))
        sums = {id(p): g for p, g in clipping.take_sums()}
    finally:
        clipping.detach()
    assert all(p.requires_grad for p in clipping.params)  # detach() hands the weights back trainable
    for name, parameter in model.named_parameters():
        if name in expected:
            torch.testing.assert_close(sums[id(parameter)], expected[name], rtol=1e-4, atol=1e-6)
    if max_grad_norm < 1:
        assert float(clipping.last_norms.max()) > max_grad_norm  # the small norm really clipped


def test_tied_embeddings_are_refused_by_fused_clipping_until_untied():
    from transformers import GPT2Config as Config

    model = GPT2LMHeadModel(Config(vocab_size=VOCAB, n_positions=16, n_embd=16, n_layer=1, n_head=2))
    assert model.lm_head.weight is model.transformer.wte.weight
    assert any("shares a parameter" in problem for problem in unsupported_layers(model))
    assert choose_mode("auto", model, private=True)[0] == "ghost"
    assert untie_embeddings(model) and unsupported_layers(model) == []
    assert choose_mode("auto", model, private=True)[0] == "fused"


def engine_for(mode: str, model, *, noise_multiplier: float, max_grad_norm: float, seed: int = 0):
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    examples = ExampleSet([[1, 2, 3]] * 40)
    return make_engine(mode, model, optimizer, examples=examples, batch_size=4, expected_batch_size=4,
                       noise_multiplier=noise_multiplier, max_grad_norm=max_grad_norm, sample_rate=0.1,
                       noise_generator=torch.Generator().manual_seed(seed), ledger=PrivacyLedger())


def two_steps(engine) -> None:
    for seed in (1, 2):
        batch = batch_of((6, 9, 4, 9), seed)
        engine.backward(per_sample_loss(engine.model(**model_inputs(batch, "cpu")).logits, batch["labels"]))
        assert engine.step()


@pytest.mark.parametrize("use_lora", [False, True], ids=["full", "lora"])
@pytest.mark.parametrize("mode", ["fused", "ghost", "hooks"])
def test_dp_update_without_noise_or_clipping_equals_the_plain_update(mode, use_lora):
    base = tiny_gpt2()
    untie_embeddings(base)
    plain_model = lora(base) if use_lora else base
    private_model = copy.deepcopy(plain_model)
    plain_model.train(), private_model.train()
    plain = engine_for("non-private", plain_model, noise_multiplier=0.0, max_grad_norm=1e6)
    private = engine_for(mode, private_model, noise_multiplier=0.0, max_grad_norm=1e6)
    two_steps(plain)
    two_steps(private)
    private.close()
    assert private.mode == mode and len(private.ledger.history) == 1 and private.ledger.steps == 2
    for (name, expected), (_, got) in zip(plain_model.named_parameters(), private_model.named_parameters()):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6, msg=f"{mode}: {name} differs")


@pytest.mark.parametrize("mode", ["fused", "ghost", "hooks"])
def test_lora_with_dp_moves_every_adapter_weight_and_no_frozen_weight(mode):
    model = lora(tiny_gpt2())
    model.train()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in name for name in trained)
    engine = engine_for(mode, model, noise_multiplier=1.0, max_grad_norm=1.0)
    two_steps(engine)
    engine.close()
    for name, parameter in model.named_parameters():
        if name in trained:
            assert not torch.equal(parameter, before[name]), f"{mode}: LoRA weight {name} did not move"
        else:
            assert torch.equal(parameter, before[name]), f"{mode}: frozen weight {name} changed"


@pytest.mark.parametrize("mode", ["fused", "ghost", "hooks", "non-private"])
def test_an_empty_poisson_batch_is_still_a_counted_noisy_step(mode):
    model = tiny_gpt2()
    untie_embeddings(model)
    model.train()
    before = [p.detach().clone() for p in model.parameters()]
    engine = engine_for(mode, model, noise_multiplier=1.0, max_grad_norm=1.0)
    assert engine.empty_step()
    engine.close()
    moved = any(not torch.equal(p, b) for p, b in zip(model.parameters(), before))
    assert moved == (mode != "non-private")  # pure noise moves a private model; the baseline skips
    if mode != "non-private":
        assert engine.ledger.steps == 1


def test_physical_batches_split_large_logical_batches_and_keep_one_step_each():
    model = tiny_gpt2()
    untie_embeddings(model)
    model.train()
    engine = engine_for("fused", model, noise_multiplier=1.0, max_grad_norm=1.0)
    examples = ExampleSet([[1, 2, 3, 4]] * 200)
    physical, steps = [], 0
    for batch in engine.physical_batches(examples, Collator(0), sample_rate=0.25, steps=3,
                                         generator=torch.Generator().manual_seed(3), max_physical_batch_size=8):
        if batch is None:
            steps += engine.empty_step()
            continue
        physical.append(batch["input_ids"].shape[0])
        engine.backward(per_sample_loss(engine.model(**model_inputs(batch, "cpu")).logits, batch["labels"]))
        steps += engine.step()
    engine.close()
    assert steps == 3 and engine.ledger.steps == 3
    assert max(physical) <= 8 and len(physical) > 3 and 100 < sum(physical) < 200
