"""The model card written beside a trained model: the same facts as JSON (for tools) and Markdown (for people).

It holds settings, counts, hashes and metrics only: never a record's text, never a canary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from privdesk.core.atomic import atomic_write_text

JSON_NAME = "model_card.json"
MARKDOWN_NAME = "model_card.md"


def write_model_card(folder: str | Path, card: dict[str, Any]) -> tuple[Path, Path]:
    folder = Path(folder)
    json_path, markdown_path = folder / JSON_NAME, folder / MARKDOWN_NAME
    atomic_write_text(json_path, json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(markdown_path, card_markdown(card))
    return json_path, markdown_path


DATA_FITTED_VOCABULARY_WARNING = (
    "This Tiny model's tokenizer vocabulary was fitted on the training data (PrivDesk did so before it shipped a "
    "public vocabulary). The vocabulary is NOT covered by the differential-privacy guarantee: tokenizer.json, "
    "stored unencrypted in the model folder, can hold any string that occurs in two or more training records. "
    "Protect the model folder like the data, or train a new run (new runs use the public vocabulary).")


def tokenizer_note(tokenizer: dict[str, Any] | None) -> str | None:
    """One line on where a Tiny model's vocabulary comes from (None for other models: theirs is the base model's)."""
    if tokenizer is None:
        return None
    if tokenizer.get("source") == "public":
        return (f"{tokenizer['name']}, {tokenizer['vocab_size']:,} tokens (vocabulary SHA-256 "
                f"{tokenizer['vocabulary_sha256'][:16]}…), fitted on public text shipped with PrivDesk, never on the "
                "training data: it reveals nothing about the data.")
    return ("byte-level BPE fitted on the training split. The vocabulary is NOT covered by the DP guarantee and can "
            "reveal strings that occur in two or more records.")


def card_warnings(card: dict[str, Any]) -> list[str]:
    """What a reader of the card must know before sharing the model, beyond the ε it states.

    A Tiny model whose card does not record the public vocabulary was trained with a tokenizer fitted on
    its training data: cards written before the public vocabulary record no tokenizer source at all.
    """
    model = card.get("model", {})
    if model.get("kind") == "tiny" and (model.get("tokenizer") or {}).get("source") != "public":
        return [DATA_FITTED_VOCABULARY_WARNING]
    return []


def _number(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def card_markdown(card: dict[str, Any]) -> str:
    privacy, data, model, training = card["privacy"], card["data"], card["model"], card["training"]
    lines = [f"# Model card: {model['name']}", ""]
    if privacy["dp"]:
        lines += [f"Fine-tuned with differentially private SGD: **(ε = {_number(privacy['epsilon_prv'], 3)}, "
                  f"δ = {_number(privacy['delta'])})** by the PRV accountant (target ε = {_number(privacy['epsilon_target'])}; "
                  f"RDP gives ε = {_number(privacy['epsilon_rdp'], 3)}). The guarantee is per training record.", ""]
    else:
        lines += ["**Not private.** This is the non-private baseline (no clipping, no noise): it can reproduce "
                  "training records. Use it only to measure what differential privacy costs in utility.", ""]
    lines += [line for warning in card_warnings(card) for line in (f"**Warning:** {warning}", "")]
    lines += ["## Base model", "",
              f"- Model: {model['name']} ({model['architecture']}, {_number(model['parameters'])} parameters)",
              f"- Source: {model['source']}",
              f"- Method: {model['method']}; trainable parameters: {_number(model['trainable_parameters'])}"]
    if model.get("untied_embeddings"):
        lines.append("- The output layer was untied from the input embeddings so that each is clipped once per sample.")
    if model.get("tokenizer_note"):
        lines.append(f"- Tokenizer: {model['tokenizer_note']}")
    lines += ["", "## Data", "",
              f"- Dataset: `{data['path']}` (SHA-256 `{data['sha256']}`), {_number(data['records'])} records",
              f"- Text columns: {', '.join(data['text_columns'])}",
              f"- Trained on {_number(data['train_records'])} records; {_number(data['held_out_records'])} held out "
              f"(split seed {data['split_seed']}); {_number(data['skipped_records'])} empty records skipped; "
              f"{_number(data['truncated'])} truncated at {training['max_length']} tokens",
              f"- Masking policy SHA-256: {data.get('policy_sha256') or 'not known (trained outside a project)'}",
              f"- Canaries planted: {_number(card['canaries']['count'])} (each {card['canaries']['repeats']}×)", "",
              "## Privacy and training", "",
              "| setting | value |", "| --- | --- |"]
    rows = [("differential privacy", "yes" if privacy["dp"] else "no (baseline)"),
            ("ε (PRV) / ε (RDP)", f"{_number(privacy['epsilon_prv'], 3)} / {_number(privacy['epsilon_rdp'], 3)}"),
            ("δ", _number(privacy["delta"])), ("noise multiplier σ", _number(privacy["noise_multiplier"])),
            ("sampling rate q", _number(privacy["sample_rate"])), ("steps", _number(privacy["steps"])),
            ("clipping norm C", _number(privacy["max_grad_norm"])), ("accountant", privacy["accountant"]),
            ("gradient mode", training["grad_sample_mode"]), ("epochs", _number(training["epochs"])),
            ("expected batch size", _number(training["batch_size"])), ("learning rate", _number(training["learning_rate"])),
            ("training time", f"{training['training_time_s']:.1f} s"),
            ("final training loss", _number(training["final_train_loss"])),
            ("held-out loss", _number(training["held_out_loss"]))]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "## Storage", "", card["storage"], "", f"Written by PrivDesk {card['privdesk_version']} on {card['created_at']}.", ""]
    return "\n".join(lines)
