"""Leakage and utility metrics against hand-computed values, and on a tiny GPT-2 that memorised a canary.

The tiny models (2 layers, 32 wide, a 300-token BPE vocabulary) train in a few seconds on one
thread; the helpers here are shared with test_evaluate_report.py.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from privdesk.core.evaluate import (  # noqa: E402
    canary_exposure,
    membership_inference,
    perplexity,
    pii_extraction,
    roc_curve,
    sample_generations,
    sequence_losses,
    token_losses,
)
from privdesk.core.evaluate.leakage import (  # noqa: E402
    exact_ranks,
    exposure_from_rank,
    render_canary,
    skewnorm_exposures,
)

CANARY_FORMAT = "the secret code is ####"
MEMORISED = ("4821", "0930")  # planted and trained on
NEVER_SEEN = ("7765", "1204", "5581")
FILLER = ["patient Zorblax Quintero was seen today", "the weather is fine and the notes are short",
          "call the clinic tomorrow morning"]


def tiny_tokenizer(texts):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    core.train_from_iterator(list(texts) * 5, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   pad_token="<|endoftext|>", unk_token="<|endoftext|>")


def tiny_model(tokenizer, seed: int = 0):
    from transformers import GPT2Config, GPT2LMHeadModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32, n_layer=2, n_head=2, resid_pdrop=0.0,
                        embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(seed)
    return GPT2LMHeadModel(config).eval()


def train_on(model, tokenizer, texts, steps: int = 250, lr: float = 3e-3):
    """Full-batch Adam on `texts` (tokenized as evaluation scores them): memorises them."""
    from privdesk.core.evaluate.scoring import encode_texts

    sequences = encode_texts(tokenizer, texts, 64)
    length = max(map(len, sequences))
    ids = torch.full((len(sequences), length), tokenizer.pad_token_id)
    labels = torch.full((len(sequences), length), -100)
    mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, :len(seq)] = torch.tensor(seq)
        labels[row, :len(seq)] = torch.tensor(seq)
        mask[row, :len(seq)] = 1
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    torch.manual_seed(1)
    for _ in range(steps):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval()


@pytest.fixture(scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # two busy cores: more threads only contend
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def models(one_thread):
    """(tokenizer, untrained model, model trained on the memorised canaries and filler)."""
    canaries = [render_canary(CANARY_FORMAT, secret) for secret in MEMORISED]
    # The tokenizer never sees a secret: BPE merges of its digits would make it likelier to any model.
    tokenizer = tiny_tokenizer(FILLER + [CANARY_FORMAT.replace("####", "")] + list("0123456789"))
    untrained = tiny_model(tokenizer, seed=0)
    trained = train_on(tiny_model(tokenizer, seed=0), tokenizer, canaries + FILLER)
    return tokenizer, untrained, trained


# ---- pure metrics ------------------------------------------------------------------------------------------


def test_exposure_from_rank_and_exact_ranks():
    assert exposure_from_rank(1, 1024) == 10.0
    assert exposure_from_rank(1024, 1024) == 0.0
    assert exposure_from_rank(256, 1024) == 2.0
    with pytest.raises(ValueError):
        exposure_from_rank(0, 10)
    assert exact_ranks([2.5, 0.5, 4.0], [1.0, 2.0, 3.0, 4.0]).tolist() == [3, 1, 4]


def test_skew_normal_exposure_is_close_to_exact_exposure_on_an_enumerable_space():
    from scipy.stats import skewnorm

    rng = np.random.default_rng(5)
    space = skewnorm.rvs(4.0, loc=30.0, scale=6.0, size=100_000, random_state=rng)
    canaries = np.quantile(space, [0.5, 0.05, 0.002, 0.0001])
    exact = [exposure_from_rank(rank, space.size) for rank in exact_ranks(canaries, space)]
    estimated = skewnorm_exposures(canaries, rng.choice(space, 2_000, replace=False), space.size)
    assert exact == pytest.approx([1.0, 4.32, 8.97, 13.15], abs=0.05)  # rank 11 of 100,000 at the top
    assert np.abs(np.array(exact) - estimated).max() < 0.6
    # far beyond every candidate: capped at log2|R|, as a rank cannot go below 1
    assert skewnorm_exposures([0.0], space[:2_000], space.size)[0] == pytest.approx(math.log2(space.size))


def test_membership_inference_auc_for_identical_separated_and_hand_computed_losses():
    same = membership_inference([2.0, 2.0, 2.0], [2.0, 2.0])
    assert same.auc == 0.5 and same.advantage == 0.0 and same.tpr_at_fpr[0.01] == 0.0
    rng = np.random.default_rng(0)
    losses = rng.normal(3.0, 0.5, 400)
    assert membership_inference(losses, losses.copy()).auc == pytest.approx(0.5)
    apart = membership_inference([0.1, 0.2, 0.3], [1.0, 1.5, 2.0, 2.5])
    assert apart.auc == 1.0 and apart.advantage == 1.0 and apart.tpr_at_fpr == {0.01: 1.0, 0.001: 1.0}
    # members lose less in 5 of 6 pairs; best threshold (loss <= 2) gives TPR 2/3 at FPR 0
    mixed = membership_inference([1.0, 2.0, 3.0], [2.5, 4.0])
    assert mixed.auc == pytest.approx(5 / 6) and mixed.advantage == pytest.approx(2 / 3)
    assert membership_inference([1.0, 2.0], [2.0, 3.0]).auc == pytest.approx(3.5 / 4)  # a tie counts half
    dropped = membership_inference([1.0, float("nan")], [2.0])
    assert (dropped.members, dropped.dropped, dropped.lowest_measurable_fpr) == (1, 1, 1.0)


def test_roc_curve_points():
    fpr, tpr, thresholds = roc_curve([3.0, 1.0], [2.0, 0.0])
    assert fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert thresholds[0] == np.inf
    with pytest.raises(ValueError):
        roc_curve([], [1.0])


def test_pii_extraction_counts_precision_and_recall_by_hand():
    generations = ["Ann Lee met Bob", "call 555-0100 now", "Zed Ox", "Annals of 555-01000"]
    training = {"Ann Lee": {"PERSON"}, "555-0100": {"PHONE_NUMBER"}, "Carl Diaz": {"PERSON"}, "Al": {"PERSON"}}
    found = {0: [("Ann Lee", "PERSON"), ("Bob", "PERSON")], 1: [("555-0100", "PHONE_NUMBER")], 2: [("Zed Ox", "PERSON")],
             3: []}
    result = pii_extraction(generations, training, find_pii=lambda texts: [found[i] for i in range(len(texts))])
    assert (result.training_pii, result.extracted) == (3, 2)  # "Al" is too short to search for
    assert result.recall == pytest.approx(2 / 3)
    assert (result.generated_pii, result.generated_from_training, result.precision) == (4, 2, 0.5)
    assert result.extracted_by_type == {"PERSON": 1, "PHONE_NUMBER": 1}
    assert result.extracted_values is None and "Ann Lee" not in str(result.to_dict())
    assert pii_extraction(generations, training, include_values=True).extracted_values == ["555-0100", "Ann Lee"]
    assert math.isnan(pii_extraction(generations, training).precision)


# ---- on models ---------------------------------------------------------------------------------------------


def test_sequence_losses_match_the_models_own_loss(models):
    tokenizer, untrained, _ = models
    text = FILLER[0]
    ids = torch.tensor([tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]])
    with torch.no_grad():
        expected = float(untrained(input_ids=ids, labels=ids).loss)
    losses = sequence_losses(untrained, tokenizer, [text, "", FILLER[1]], batch_size=2)
    assert losses[0] == pytest.approx(expected, rel=1e-5)
    assert math.isnan(losses[1])  # only the end token: nothing to predict
    alone = sequence_losses(untrained, tokenizer, [FILLER[1]])[0]
    assert losses[2] == pytest.approx(alone, rel=1e-5)  # padding in a batch changes nothing


def test_perplexity_is_exp_of_the_token_weighted_nll(models):
    tokenizer, untrained, trained = models
    raw = token_losses(untrained, tokenizer, FILLER)
    result = perplexity(untrained, tokenizer, FILLER)
    assert result.tokens == int(raw.counts.sum()) and result.texts == 3
    assert result.perplexity == pytest.approx(math.exp(raw.sums.sum() / raw.counts.sum()))
    assert len(tokenizer) / 3 < result.perplexity < len(tokenizer) * 3  # an untrained model guesses uniformly
    assert perplexity(trained, tokenizer, FILLER).perplexity < 2.0  # memorised
    assert math.isnan(perplexity(untrained, tokenizer, [""]).perplexity)


@pytest.mark.slow
def test_a_memorised_canary_has_high_exposure_and_an_untrained_model_none(models):
    tokenizer, untrained, trained = models
    secrets = MEMORISED + NEVER_SEEN
    memorised = canary_exposure(trained, tokenizer, CANARY_FORMAT, secrets, batch_size=256)
    assert memorised.method == "exact" and memorised.candidate_space == 10_000
    assert memorised.max_exposure == pytest.approx(math.log2(10_000))
    for canary in memorised.canaries[:2]:
        assert canary.exposure > memorised.max_exposure - 1.5  # ranked among the first few of 10,000
    random = canary_exposure(untrained, tokenizer, CANARY_FORMAT, secrets, batch_size=256)
    assert random.mean_exposure < 3.0  # ~1.44 bits expected from a uniform rank
    assert [c.index for c in random.canaries] == [0, 1, 2, 3, 4]
    assert "4821" not in str(memorised.to_dict())

    estimated = canary_exposure(trained, tokenizer, CANARY_FORMAT, secrets, exact_limit=100, sample_size=1_500)
    assert estimated.method == "skew-normal" and estimated.candidates_scored == 1_500
    for exact, approx in zip(memorised.canaries, estimated.canaries):
        assert abs(exact.exposure - approx.exposure) < 2.0
    assert estimated.canaries[0].exposure > estimated.max_exposure - 2.0


def test_membership_inference_on_models_tells_members_from_others(models):
    tokenizer, untrained, trained = models
    members = [render_canary(CANARY_FORMAT, s) for s in MEMORISED] + FILLER
    others = [render_canary(CANARY_FORMAT, s) for s in NEVER_SEEN] + ["a brand new sentence about lunch"]
    assert membership_inference(sequence_losses(trained, tokenizer, members),
                                sequence_losses(trained, tokenizer, others)).auc == 1.0
    untrained_auc = membership_inference(sequence_losses(untrained, tokenizer, members),
                                         sequence_losses(untrained, tokenizer, others)).auc
    assert untrained_auc < 0.9


def test_generations_reproduce_memorised_pii_and_are_seeded(models):
    tokenizer, untrained, trained = models
    prompts = ["patient", "the weather is"]
    generations = sample_generations(trained, tokenizer, 12, prompts=prompts, max_new_tokens=12, seed=3, batch_size=5)
    assert len(generations) == 12
    assert generations == sample_generations(trained, tokenizer, 12, prompts=prompts, max_new_tokens=12, seed=3,
                                             batch_size=5)
    assert not any(text.startswith(("patient", "the weather")) for text in generations)  # continuations only
    training_pii = {"Zorblax Quintero": {"PERSON"}, "Carl Diaz": {"PERSON"}}
    names = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")

    def finder(texts):
        return [[(m.group(), "PERSON") for m in names.finditer(text)] for text in texts]

    extracted = pii_extraction(generations, training_pii, find_pii=finder)
    assert extracted.extracted == 1 and extracted.recall == 0.5
    assert extracted.generated_from_training == 1 and extracted.precision > 0
    baseline = pii_extraction(sample_generations(untrained, tokenizer, 12, prompts=prompts, max_new_tokens=12, seed=3),
                              training_pii, find_pii=finder)
    assert len(sample_generations(untrained, tokenizer, 3, max_new_tokens=4)) == 3  # unprompted, from the start token
    assert baseline.extracted == 0
