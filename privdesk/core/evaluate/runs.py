"""Training run folders, as Evaluate needs them: members, non-members, canaries, the model, the base model.

A run folder is what privdesk.core.train writes (see privdesk/core/train/run_folder.py):
run.json (settings, status, results, the dataset's path and hash, the key's origin), split.json
(which records were trained on and which held out), canaries.enc (the planted canaries, sealed
with the project secret or a passphrase) and model/ (a Hugging Face folder with model_card.json).

Member and non-member texts are rebuilt from the training dataset the way training built them
(its text columns joined by newlines), after checking the file still has the recorded SHA-256:
other text would make every membership number meaningless.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from privdesk.core.errors import PrivDeskError

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
CARD_FILE = "model_card.json"


class RunFolderError(PrivDeskError):
    """A training run folder that cannot be evaluated as it is."""


@dataclass(frozen=True)
class CanarySpec:
    """The planted canaries: a format whose placeholders the secrets fill. Never print the secrets."""

    format: str
    secrets: tuple[str, ...]
    alphabet: str = "0123456789"
    placeholder: str = "#"
    repeats: int | None = None

    def __repr__(self) -> str:
        return f"CanarySpec(count={len(self.secrets)}, repeats={self.repeats})"

    @property
    def candidate_space(self) -> int:
        return len(self.alphabet) ** self.format.count(self.placeholder)


@dataclass
class TrainingRun:
    """One run folder, read. Texts are the training data (sanitized); keep them out of logs and reports."""

    folder: Path
    status: str
    dp: bool
    epsilon: float | None
    delta: float | None
    config: dict[str, Any]
    results: dict[str, Any]
    card: dict[str, Any] | None
    model_dir: Path | None
    dataset_path: Path
    dataset_records: int | None
    member_records: tuple[int, ...]
    non_member_records: tuple[int, ...]
    member_texts: list[str] = field(default_factory=list, repr=False)
    non_member_texts: list[str] = field(default_factory=list, repr=False)
    canaries: CanarySpec | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def base_model(self) -> str:
        return str(self.config.get("model", ""))

    @property
    def max_length(self) -> int:
        return int(self.config.get("max_length", 128))

    @property
    def base_model_key(self) -> str:
        """Runs with the same key share a base model. Tiny models are built per run (their tokenizer is)."""
        return f"tiny:{self.folder}" if self.base_model == "tiny" else self.base_model


def find_run_folders(path: str | Path) -> list[Path]:
    """`path` itself when it is a run folder, else its sub-folders that are (sorted by name)."""
    path = Path(path)
    if (path / RUN_FILE).is_file():
        return [path]
    if path.is_dir():
        return sorted(child for child in path.iterdir() if (child / RUN_FILE).is_file())
    return []


def project_run_folders(project: Any) -> list[Path]:
    """The folders of the training runs a project recorded (those still on disk)."""
    folders = []
    for run in project.runs("training"):
        folder = run.artefacts.get("run_dir") or run.params.get("run_dir")
        if folder and (Path(folder) / RUN_FILE).is_file():
            folders.append(Path(folder))
    return folders


def read_training_run(run_dir: str | Path, *, secret: bytes | None = None, passphrase: str | None = None,
                      load_texts: bool = True) -> TrainingRun:
    """Read a run folder. The canaries need the key the run was sealed with: the project `secret`
    (Project.project_secret()) or the run's `passphrase`; without it the run has no canaries and a note says why."""
    from privdesk.core.train import TrainingError, read_run

    folder = Path(run_dir)
    try:
        info = read_run(folder)
        record = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except TrainingError as error:
        raise RunFolderError(error.problem, path=error.path, hint=error.hint) from None
    except (OSError, ValueError) as error:
        raise RunFolderError(f"cannot be read ({error}).", path=folder / RUN_FILE) from None
    card = _read_card(info.model_path)
    results = dict(info.results)
    privacy = (card or {}).get("privacy", {})
    epsilon = results.get("epsilon_prv", privacy.get("epsilon_prv"))
    run = TrainingRun(
        folder=folder, status=info.status, dp=bool(info.config.dp), epsilon=epsilon if info.config.dp else None,
        delta=results.get("delta", privacy.get("delta")), config=info.config.to_json(), results=results, card=card,
        model_dir=info.model_path, dataset_path=Path(info.dataset.get("path", info.config.data_path)),
        dataset_records=info.dataset.get("records"), member_records=tuple(info.split.train_records),
        non_member_records=tuple(info.split.held_out_records))
    if card:
        from privdesk.core.train.model_card import card_warnings

        run.notes.extend(card_warnings(card))  # e.g. a Tiny vocabulary fitted on the training data (older runs)
    if info.model_path is None:
        run.notes.append("The run has no saved model (it did not finish): nothing to evaluate but its settings.")
    if info.has_canaries:
        run.canaries = _read_canaries(folder, record.get("key_origin"), secret, passphrase, run.notes)
    if load_texts:
        _load_texts(run, info, record)
    return run


def _read_card(model_dir: Path | None) -> dict[str, Any] | None:
    if model_dir is None or not (model_dir / CARD_FILE).is_file():
        return None
    try:
        return json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_canaries(folder: Path, origin: str | None, secret: bytes | None, passphrase: str | None,
                   notes: list[str]) -> CanarySpec | None:
    from privdesk.core.train import SealKey, TrainingError, load_canaries
    from privdesk.core.train.sealing import KEY_FILE

    if origin == "passphrase":
        if passphrase is None:
            notes.append("The canaries are sealed with the run's passphrase; give it to measure exposure.")
            return None
        if not (folder / KEY_FILE).is_file():  # from_passphrase would create one: never write into a run
            notes.append(f"The run's {KEY_FILE} is missing, so its passphrase cannot unseal the canaries.")
            return None
        key = SealKey.from_passphrase(passphrase, folder)
    else:
        if secret is None:
            notes.append("The canaries are sealed with the project secret; open the run's project to measure exposure.")
            return None
        key = SealKey.from_secret(secret)
    try:
        canaries = load_canaries(folder, key)
    except TrainingError as error:
        notes.append(f"The canaries could not be unsealed ({error.problem.rstrip('.')}).")
        return None
    if canaries is None:
        return None
    return CanarySpec(canaries.format, tuple(canaries.secrets), canaries.alphabet, "#", canaries.repeats)


def _load_texts(run: TrainingRun, info: Any, record: dict[str, Any]) -> None:
    from privdesk.core.dataset import ReadOptions, read_dataset, sha256_file
    from privdesk.core.train.data import record_texts

    path = run.dataset_path
    expected = (record.get("dataset") or {}).get("sha256")
    if not path.exists():
        run.notes.append(f"The training data {path.name} is not where the run found it: membership inference, "
                         "extraction and held-out perplexity need it.")
        return
    if expected and sha256_file(path) != expected:
        run.notes.append(f"The training data {path.name} changed since the run (its SHA-256 differs): membership "
                         "inference, extraction and held-out perplexity were skipped.")
        return
    columns = (record.get("dataset") or {}).get("text_columns") or list(info.config.text_columns or [])
    dataset = read_dataset(path, ReadOptions(**info.config.read_options))
    texts = record_texts(dataset, columns)
    run.member_texts = [texts[index] for index in run.member_records]
    run.non_member_texts = [texts[index] for index in run.non_member_records]


# ---- models -----------------------------------------------------------------------------------------------


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _ready(model: Any, tokenizer: Any) -> tuple[Any, Any]:
    if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    return model, tokenizer


def load_run_model(run: TrainingRun) -> tuple[Any, Any]:
    """The trained model and its tokenizer, from the run's model folder (offline)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if run.model_dir is None:
        raise RunFolderError("has no trained model.", path=run.folder, hint="Finish or resume the run first.")
    _quiet_transformers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(run.model_dir, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(run.model_dir, local_files_only=True, dtype=torch.float32)
    except (OSError, ValueError, KeyError) as error:
        raise RunFolderError(f"cannot be loaded as a causal language model ({type(error).__name__}).",
                             path=run.model_dir) from None
    return _ready(model, tokenizer)


def load_base_model(run: TrainingRun) -> tuple[Any, Any, str]:
    """The model the run started from, with the tokenizer it uses: (model, tokenizer, name).

    For "tiny" (trained from scratch) that is the untrained network the run's seed gives, with the
    run's own tokenizer. Raises RunFolderError when the base model is not available offline.
    """
    from privdesk.core.train import TrainConfig, TrainingError
    from privdesk.core.train.models import build_tiny, load_model

    config = TrainConfig.from_json(dict(run.config))
    try:
        if config.model == "tiny":
            _, tokenizer = load_run_model(run)
            loaded = build_tiny(config, tokenizer)
        else:
            loaded = load_model(config)
    except TrainingError as error:
        raise RunFolderError(f"its base model cannot be loaded ({error.problem.rstrip('.')}).", path=run.folder,
                             hint=error.hint) from None
    model, tokenizer = _ready(loaded.model, loaded.tokenizer)
    return model, tokenizer, str(loaded.info.get("name", config.model))


def subsample(items: Sequence[str], limit: int | None, seed: int) -> list[str]:
    """At most `limit` items, drawn without replacement by a seeded generator (all of them when fewer)."""
    import numpy as np

    if limit is None or len(items) <= limit:
        return list(items)
    chosen = np.sort(np.random.default_rng(seed).choice(len(items), size=limit, replace=False))
    return [items[int(index)] for index in chosen]
