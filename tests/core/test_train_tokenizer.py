"""The Tiny model's tokenizer is public: nothing of the training data reaches its vocabulary or the run folder.

A value that masking missed and that recurs in many records is exactly what a BPE fitted on the data
would turn into a token, stored in the clear in RUN_DIR/model/tokenizer.json, outside the DP
guarantee. Here such a value is planted in a third of the records of a Tiny run.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from privdesk.core.train import SealKey, TrainConfig, TrainingError, plan, train
from privdesk.core.train.model_card import DATA_FITTED_VOCABULARY_WARNING, card_markdown, card_warnings
from privdesk.core.train.models import tiny_tokenizer_info, tokenizer_json
from privdesk.core.train.tiny_tokenizer import (PUBLIC_VOCAB_SIZE, TINY_SPECIAL, cut_vocabulary,
                                                fit_public_tokenizer, is_public_vocabulary, public_tiny_tokenizer,
                                                public_tokenizer_json, public_vocab_size, tiny_tokenizer_from_json)

CANARY_NAME = "Zorblax Quintavius"
CANARY_EMAIL = "zq-canary-7731@example.org"
# The values and the pieces of them that would still identify the record.
CANARY_FRAGMENTS = ("Zorblax", "Quintavius", "zq-canary-7731", "zq-canary", "7731", "Zorblax Quintavius")
SEALED = {"canaries.enc"}  # encrypted (AES-GCM): its bytes say nothing, and it holds planted canaries only


def _write_records(path: Path, rows: int, seed: int, with_canary: bool) -> None:
    from privdesk.core.synth import generate_dataset

    notes = list(generate_dataset("notes", rows=rows, seed=seed).columns["note_text"])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "note"])
        for index, note in enumerate(notes):
            if with_canary and index % 3 == 0:
                note += f" Contact {CANARY_NAME} at {CANARY_EMAIL}, ref 7731."
            writer.writerow([index, note])


def _config(data: Path, **changes) -> TrainConfig:
    settings = dict(data_path=data, model="tiny", dp=False, epochs=1, batch_size=40, physical_batch_size=40,
                    max_length=48, tiny_layers=1, tiny_hidden=32, tiny_heads=2, tiny_vocab_size=4000,
                    num_threads=1)
    settings.update(changes)
    return TrainConfig(**settings)


def _decoded_tokens(serialized: str) -> list[str]:
    """Every vocabulary entry as the text it stands for (byte-level symbols mapped back to characters)."""
    tokenizer = tiny_tokenizer_from_json(serialized)
    vocabulary = json.loads(serialized)["model"]["vocab"]
    return [tokenizer.convert_tokens_to_string([token]) for token in vocabulary]


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory) -> Path:
    """A finished Tiny run on 240 records, 80 of them carrying the same name, e-mail and number."""
    base = tmp_path_factory.mktemp("tokenizer")
    data = base / "notes.csv"
    _write_records(data, 240, seed=3, with_canary=True)
    result = train(_config(data), base / "run", key=SealKey.from_secret(os.urandom(32)))
    return result.run_dir


@pytest.mark.slow  # the shared run takes a few seconds
def test_no_unencrypted_file_of_the_run_holds_the_repeated_value(canary_run):
    files = [path for path in canary_run.rglob("*") if path.is_file() and path.name not in SEALED]
    assert any(path.name == "tokenizer.json" for path in files), "the model folder holds its tokenizer"
    for path in files:
        content = path.read_bytes().lower()
        for fragment in CANARY_FRAGMENTS:
            for encoding in ("utf-8", "utf-16-le"):
                assert fragment.lower().encode(encoding) not in content, (path.name, fragment)


@pytest.mark.slow  # the shared run takes a few seconds
def test_the_saved_vocabulary_is_the_public_one_and_has_no_canary_token(canary_run):
    saved = (canary_run / "model" / "tokenizer.json").read_text(encoding="utf-8")
    assert is_public_vocabulary(saved)
    public = json.loads(public_tokenizer_json(4000))["model"]
    assert json.loads(saved)["model"]["vocab"] == public["vocab"]
    tokens = {token.strip().lower() for token in _decoded_tokens(saved)}
    assert not tokens & {fragment.lower() for fragment in CANARY_FRAGMENTS}
    # No token is even a five-character piece of the planted values (the public text never had them).
    pieces = {value[i:i + 5].lower() for value in (CANARY_NAME, CANARY_EMAIL) for i in range(len(value) - 4)}
    assert not {token for token in tokens if len(token) >= 5} & pieces


@pytest.mark.slow  # the shared run takes a few seconds
def test_the_card_records_the_public_vocabulary_and_warns_of_nothing(canary_run):
    card = json.loads((canary_run / "model" / "model_card.json").read_text(encoding="utf-8"))
    tokenizer = card["model"]["tokenizer"]
    assert tokenizer["source"] == "public" and tokenizer["vocab_size"] == 4000
    assert "never on the training data" in card["model"]["tokenizer_note"]
    assert card_warnings(card) == []
    assert "Warning" not in (canary_run / "model" / "model_card.md").read_text(encoding="utf-8")


def test_the_vocabulary_does_not_depend_on_the_data(tmp_path):
    """Two datasets, with and without the planted value: the same tokenizer, token for token."""
    from privdesk.core.train.models import load_model

    tokenizers = []
    for seed, with_canary in ((1, True), (2, False)):
        data = tmp_path / f"data-{seed}.csv"
        _write_records(data, 30, seed=seed, with_canary=with_canary)
        tokenizers.append(tokenizer_json(load_model(_config(data, tiny_vocab_size=1024)).tokenizer))
    assert tokenizers[0] == tokenizers[1] == tokenizer_json(public_tiny_tokenizer(1024))


def test_the_public_tokenizer_is_cased_keeps_tags_whole_and_splits_digits():
    tokenizer = public_tiny_tokenizer(PUBLIC_VOCAB_SIZE)
    text = "Dr. Smith saw <PERSON_1> and <EMAIL_ADDRESS> on 2024-03-01: SSN 531-74-2968, café ok 🙂"
    ids = tokenizer(text)["input_ids"]
    pieces = [tokenizer.convert_tokens_to_string([token]) for token in tokenizer.convert_ids_to_tokens(ids)]
    assert tokenizer.decode(ids) == text  # byte-level: any text round-trips
    assert " <PERSON_1>" in pieces and " <EMAIL_ADDRESS>" in pieces
    assert " Smith" in pieces  # cased: a capitalised name keeps its case (and is one token)
    assert tokenizer.tokenize(" Smith") != tokenizer.tokenize(" smith")
    digits = [piece.strip() for piece in pieces if any(char.isdigit() for char in piece) and "<" not in piece]
    assert digits and all(len(piece) == 1 for piece in digits), digits
    assert tokenizer.eos_token == tokenizer.pad_token == TINY_SPECIAL


def test_a_smaller_vocabulary_is_the_shipped_one_cut_short():
    """BPE merges are learnt most frequent first: cutting the list is fitting with a smaller budget."""
    corpus = ["the clinic saw <PERSON_1> today", "call <PERSON_2> at the clinic tomorrow", "notes are short",
              "the patient felt fine", "Patient Dalton visited Boston"] * 3
    full = json.loads(fit_public_tokenizer(corpus, vocab_size=330))
    for size in (290, 300, 310):
        fitted = json.loads(fit_public_tokenizer(corpus, vocab_size=size))
        cut = cut_vocabulary(full, size)
        assert cut["model"]["vocab"] == fitted["model"]["vocab"], size
        assert cut["model"]["merges"] == fitted["model"]["merges"], size
    assert len(public_tiny_tokenizer(300)) == 300 and public_vocab_size() == PUBLIC_VOCAB_SIZE


def test_a_vocabulary_larger_than_the_public_one_is_refused_before_reading(tmp_path):
    with pytest.raises(TrainingError, match="at most 4,096 tokens"):
        plan(_config(tmp_path / "not-read.csv", tiny_vocab_size=PUBLIC_VOCAB_SIZE + 1))


def test_a_vocabulary_fitted_on_data_is_recognised_and_its_card_warns():
    """Runs made before the public vocabulary: their tokenizer still loads, and the card says what it risks."""
    fitted_on_data = fit_public_tokenizer([f"Contact {CANARY_NAME} today"] * 5 + ["the clinic"] * 5, vocab_size=300)
    assert not is_public_vocabulary(fitted_on_data)
    info = tiny_tokenizer_info(tiny_tokenizer_from_json(fitted_on_data))
    assert info["source"] == "training data"
    old_card = {"model": {"name": "Tiny GPT-2", "kind": "tiny", "source": "trained from scratch",
                          "architecture": "GPT2LMHeadModel", "parameters": 1, "method": "full fine-tuning",
                          "trainable_parameters": 1},  # written before cards recorded the tokenizer's source
                "privacy": {"dp": True, "epsilon_prv": 3.0, "epsilon_rdp": 3.4, "delta": 1e-5, "epsilon_target": 3.0,
                            "noise_multiplier": 1.0, "sample_rate": 0.1, "steps": 10, "max_grad_norm": 1.0,
                            "accountant": "prv"},
                "data": {"path": "x.csv", "sha256": "0" * 64, "records": 10, "text_columns": ["note"],
                         "train_records": 9, "held_out_records": 1, "skipped_records": 0, "split_seed": 0,
                         "truncated": 0},
                "training": {"grad_sample_mode": "fused", "epochs": 1, "batch_size": 4, "learning_rate": 0.003,
                             "training_time_s": 1.0, "final_train_loss": 2.0, "held_out_loss": 2.1, "max_length": 32},
                "canaries": {"count": 0, "repeats": 0}, "storage": "unencrypted", "privdesk_version": "0",
                "created_at": "2025-01-01"}
    assert card_warnings(old_card) == [DATA_FITTED_VOCABULARY_WARNING]
    assert "**Warning:** This Tiny model's tokenizer vocabulary was fitted on the training data" in card_markdown(old_card)
    resumed_old_run = dict(old_card, model=dict(old_card["model"], tokenizer=info))
    assert card_warnings(resumed_old_run) == [DATA_FITTED_VOCABULARY_WARNING]
    smollm2 = dict(old_card, model=dict(old_card["model"], kind="smollm2"))
    assert card_warnings(smollm2) == []


def test_a_model_save_removes_staging_folders_left_by_a_killed_save(tmp_path):
    import os
    import time

    from privdesk.core.train import models

    final = tmp_path / "model"
    stale = tmp_path / ".model.abc123.partial"
    fresh = tmp_path / ".model.def456.partial"
    stale.mkdir()
    (stale / "weights.bin").write_bytes(b"half")
    fresh.mkdir()
    old = time.time() - models.STALE_STAGING_S - 60
    os.utime(stale, (old, old))
    models._remove_stale_staging(final)
    assert not stale.exists() and fresh.exists()  # a recent one may belong to a save in progress
