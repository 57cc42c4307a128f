"""Adapt the PII tagger to the analyst's own data: fine-tune it on their review decisions.

    examples = examples_from_project(project, dataset)          # fully reviewed records, text columns
    result = tune_tagger_from_project(project, dataset)          # -> sealed folder beside the project

What the analyst decided is the truth: in every fully reviewed record (the same records
privdesk.core.evaluate.gold counts as gold), the accepted spans (relabels and resizes applied,
added spans included) are entities and everything else in the record's text cells is not.

Tuning starts from the shipped tagger, never from scratch, and mixes in synthetic examples so the
tagger keeps what it knew about text the analyst has not reviewed. A fifth of the reviewed records
is held out and never trained on; the tagger is scored on them before and after, so the numbers
say how it does on records of this dataset it has not seen.

The tuned weights have seen the analyst's raw PII and can memorise it, so nothing of them is ever
written in clear: training, scoring and sealing happen in memory, and the folder holds only the
weights sealed with the project secret (AES-256-GCM, privdesk.core.train.sealing) and a plain
description (settings and metrics, no values). PiiTagger.load opens it in memory.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privdesk.core.atomic import atomic_write_text
from privdesk.core.errors import PrivDeskError, ProjectError
from privdesk.core.ner.data import TextExample
from privdesk.core.ner.model import (SEALED_FORMAT, SEALED_MANIFEST, SEALED_PURPOSE, SEALED_VERSION, SEALED_WEIGHTS,
                                     default_model_dir)
from privdesk.core.progress import CancelToken, Cancelled, ProgressCallback, ProgressInfo

log = logging.getLogger(__name__)

MIN_REVIEWED_RECORDS = 30  # below this the held-out fifth is too small to say anything
HOLDOUT_SHARE = 0.2
RUN_KIND = "tagger-tuning"
TAGGER_FOLDER_SUFFIX = ".tagger"
# Fine-tuning an already trained tagger: a third of the rate it was trained with from a fresh head.
DEFAULT_LEARNING_RATE = 2e-4


def tagger_folder(project: Any) -> Path:
    """Where a project's tuned tagger lives: beside the project file (`study.privdesk.tagger/`)."""
    path = Path(project.path)
    return path.with_name(path.name + TAGGER_FOLDER_SUFFIX)


# -- examples --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewedRecord:
    """One fully reviewed record: its non-empty text cells with the analyst's accepted spans."""

    record: int
    examples: tuple[TextExample, ...]


def reviewed_records(project: Any, dataset: Any) -> list[ReviewedRecord]:
    """Every fully reviewed record of the project, in record order, as training examples per text cell.

    "Fully reviewed" is privdesk.core.evaluate.gold's: a record whose detections are all decided.
    Records with text cells but no accepted span are kept: they teach what is *not* PII.
    """
    from privdesk.core.evaluate.gold import gold_from_project

    standard = gold_from_project(project)
    # A fully reviewed record has at least one decided span: an accepted one (in gold) or a
    # decided detection (in predictions, which gold_from_project limits to fully reviewed records).
    complete = {span.record for span in standard.gold} | {span.record for span in standard.predictions or ()}
    accepted: dict[tuple[int, str], list[tuple[int, int, str]]] = {}
    for span in standard.gold:
        accepted.setdefault((span.record, span.column), []).append((span.start, span.end, span.entity_type))
    columns = _text_columns(project, dataset)
    records = []
    for record in sorted(complete):
        if not 0 <= record < dataset.num_rows:
            raise ProjectError(f"the review decisions name record {record}, but the dataset has {dataset.num_rows} "
                               "records.", path=project.path,
                               hint="Open the dataset this project was reviewed on.")
        examples = []
        for column in columns:
            text = dataset.text(record, column)
            if not text.strip():
                continue
            spans = tuple(sorted(set(accepted.get((record, column), ()))))
            if any(end > len(text) for _start, end, _entity in spans):
                raise ProjectError(f"a decision in record {record}, column {column!r} reaches past the end of its "
                                   "text: the dataset is not the one the project was reviewed on.",
                                   path=project.path, hint="Open the dataset this project was reviewed on.")
            examples.append(TextExample(text, spans))
        if examples:
            records.append(ReviewedRecord(record, tuple(examples)))
    return records


def reviewed_record_count(project: Any) -> int:
    """How many records are fully reviewed (one pass over the detections; no dataset needed)."""
    from privdesk.core.evaluate.gold import gold_from_project

    return gold_from_project(project).records


def read_project_dataset(project: Any, *, cancel: CancelToken | None = None) -> Any:
    """The project's dataset, read as the project recorded it; ProjectError when it is missing or changed
    (the decisions' offsets would then point at other text)."""
    from privdesk.core.dataset import ReadOptions, read_dataset

    ref = project.dataset_ref()
    if ref is None:
        raise ProjectError("the project has no dataset yet.", path=project.path,
                           hint="Load a dataset and review some records first.")
    status = project.dataset_status()
    if status != "ok":
        raise ProjectError(f"the project's dataset is {status}: the review decisions may not fit it.",
                           path=ref.path, hint="Put the original dataset back where the project expects it.")
    return read_dataset(ref.path, ReadOptions(**ref.options), cancel=cancel)


def _text_columns(project: Any, dataset: Any) -> list[str]:
    """The project's free-text columns (identifier columns are flagged whole by the engine, not tagged)."""
    roles = project.column_roles()
    if not roles:
        from privdesk.core.dataset import suggest_roles

        roles = suggest_roles({column: dataset.column_values(column, 0, 200) for column in dataset.columns})
    return [column for column, role in roles.items() if role.kind == "text" and column in dataset.columns]


def examples_from_project(project: Any, dataset: Any, *, min_records: int = MIN_REVIEWED_RECORDS) -> list[TextExample]:
    """Training examples from the analyst's decisions: the text cells of fully reviewed records with
    their accepted spans. Raises PrivDeskError when fewer than `min_records` records are fully reviewed."""
    records = reviewed_records(project, dataset)
    _check_enough(project, records, min_records)
    return [example for record in records for example in record.examples]


def _check_enough(project: Any, records: Sequence[ReviewedRecord], min_records: int) -> None:
    if len(records) < min_records:
        raise ProjectError(
            f"the tagger needs at least {min_records} fully reviewed records to learn from, and "
            f"{len(records)} {'is' if len(records) == 1 else 'are'} fully reviewed.", path=project.path,
            hint="In the Review tab, accept or reject every finding of more records (add what was missed), "
                 "then train again.")


def split_holdout(records: Sequence[ReviewedRecord], share: float = HOLDOUT_SHARE,
                  seed: int = 0) -> tuple[list[ReviewedRecord], list[ReviewedRecord]]:
    """(training records, held-out records): a seeded random `share` of the records, at least one, held out."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    count = min(len(shuffled) - 1, max(1, round(len(shuffled) * share)))
    held = sorted(shuffled[:count], key=lambda item: item.record)
    kept = sorted(shuffled[count:], key=lambda item: item.record)
    return kept, held


# -- tuning ------------------------------------------------------------------------------------------


@dataclass
class TuningResult:
    """What a tuning run did and how the tagger scores on the held-out records, before and after."""

    folder: Path
    run_id: int | None
    before: dict[str, dict[str, float]]  # privdesk.core.ner.metrics.span_scores of the starting tagger
    after: dict[str, dict[str, float]]  # ... and of the tuned one, on the same held-out records
    reviewed_records: int
    training_records: int
    holdout_records: int
    training_texts: int
    synthetic_texts: int
    holdout_texts: int
    steps: int
    seconds: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def improved(self) -> bool:
        return self.after["ALL"]["f1"] > self.before["ALL"]["f1"]

    def metrics(self) -> dict[str, Any]:
        """Counts and scores only (no values): what the project's run record keeps."""
        return {"before": self.before, "after": self.after, "reviewed_records": self.reviewed_records,
                "training_records": self.training_records, "holdout_records": self.holdout_records,
                "training_texts": self.training_texts, "synthetic_texts": self.synthetic_texts,
                "holdout_texts": self.holdout_texts, "steps": self.steps, "seconds": round(self.seconds, 1)}


@dataclass
class _Phases:
    """One progress bar over the whole run: loading, training steps, scoring, sealing."""

    callback: ProgressCallback | None
    started: float = field(default_factory=time.monotonic)

    def restart_clock(self) -> None:
        """Time from here on: the ETA then follows the pace of the training steps, not of loading."""
        self.started = time.monotonic()

    def report(self, done: int, total: int, message: str) -> None:
        if self.callback is not None:
            self.callback(ProgressInfo(done, total, message, time.monotonic() - self.started))


def tune_tagger_from_project(project: Any, dataset: Any, output_dir: str | Path | None = None, *,
                             progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                             epochs: int = 2, mix_synthetic: bool = True, synthetic_share: float = 1.0,
                             min_records: int = MIN_REVIEWED_RECORDS, holdout_share: float = HOLDOUT_SHARE,
                             learning_rate: float = DEFAULT_LEARNING_RATE, max_steps: int | None = None,
                             max_minutes: float | None = None, seed: int = 0,
                             base_dir: str | Path | None = None) -> TuningResult:
    """Fine-tune the tagger on the project's fully reviewed records and seal it into `output_dir`
    (default: tagger_folder(project)); return the before/after scores on the held-out records.

    `mix_synthetic`: add synthetic examples, `synthetic_share` times as many as the training texts,
    so the tagger does not forget what the analyst's data lacks. `base_dir`: the tagger to start
    from (default: the shipped one). `max_steps` / `max_minutes` cap the training loop.
    Records the run in the project (kind "tagger-tuning": settings and metrics, never values).
    Raises ProjectError when too few records are reviewed, Cancelled when `cancel` fires (the
    folder is then left as it was).
    """
    if epochs < 1:
        raise PrivDeskError(f"epochs must be at least 1 (got {epochs}).")
    if not 0.0 < holdout_share < 1.0:
        raise PrivDeskError(f"the held-out share must lie between 0 and 1 (got {holdout_share}).")
    check = cancel.raise_if_cancelled if cancel is not None else (lambda: None)
    folder = Path(output_dir) if output_dir is not None else tagger_folder(project)
    base = Path(base_dir) if base_dir is not None else default_model_dir()
    started = time.monotonic()
    phases = _Phases(progress)
    phases.report(0, 0, "reading the review decisions")

    records = reviewed_records(project, dataset)
    _check_enough(project, records, min_records)
    train_records, holdout = split_holdout(records, holdout_share, seed)
    # The project secret first: a locked project should fail before minutes of training, not after.
    secret = project.project_secret()
    train_set = [example for record in train_records for example in record.examples]
    holdout_set = [example for record in holdout for example in record.examples]
    synthetic = _synthetic_examples(len(train_set), synthetic_share, seed) if mix_synthetic else []
    params = {"epochs": epochs, "learning_rate": learning_rate, "seed": seed, "mix_synthetic": mix_synthetic,
              "synthetic_share": synthetic_share if mix_synthetic else 0.0, "holdout_share": holdout_share,
              "min_records": min_records, "max_steps": max_steps, "max_minutes": max_minutes,
              "base": "shipped" if base_dir is None else str(base)}
    run_id = project.add_run(RUN_KIND, {**params, "reviewed_records": len(records),
                                        "training_records": len(train_records), "holdout_records": len(holdout)},
                             status="running")
    log.info("tuning the tagger on %d reviewed records (%d held out), %d synthetic texts; run %d",
             len(train_records), len(holdout), len(synthetic), run_id)
    try:
        check()
        result = _tune(train_set, synthetic, holdout_set, base, folder, secret, project, phases, check,
                       epochs=epochs, learning_rate=learning_rate, max_steps=max_steps, max_minutes=max_minutes,
                       seed=seed)
    except Cancelled:
        project.update_run(run_id, status="cancelled")
        raise
    except BaseException as error:
        project.update_run(run_id, status="failed", results={"error": type(error).__name__})
        raise
    tuning = TuningResult(folder=folder, run_id=run_id, before=result["before"], after=result["after"],
                          reviewed_records=len(records), training_records=len(train_records),
                          holdout_records=len(holdout), training_texts=len(train_set),
                          synthetic_texts=len(synthetic), holdout_texts=len(holdout_set), steps=result["steps"],
                          seconds=time.monotonic() - started, params=params)
    project.update_run(run_id, status="done", results=tuning.metrics(), artefacts={"tagger": folder})
    log.info("tagger tuned in %.0f s: held-out F1 %.3f -> %.3f", tuning.seconds, tuning.before["ALL"]["f1"],
             tuning.after["ALL"]["f1"])
    return tuning


def _synthetic_examples(count: int, share: float, seed: int) -> list[TextExample]:
    """About `count * share` synthetic free-text examples of every synth kind ("dev" templates only)."""
    from privdesk.core.ner.train import SYNTH_KINDS, synth_examples

    wanted = int(count * share)
    if wanted <= 0:
        return []
    rows = max(1, math.ceil(wanted / len(SYNTH_KINDS)))
    # Free-text cells only (identifier_share 0): those are what the engine hands the tagger.
    examples = synth_examples(rows, seed + 104729, identifier_share=0.0)
    random.Random(seed).shuffle(examples)
    return examples[:wanted]


def _tune(train_set: list[TextExample], synthetic: list[TextExample], holdout_set: list[TextExample], base: Path,
          folder: Path, secret: bytes, project: Any, phases: _Phases, check, *, epochs: int, learning_rate: float,
          max_steps: int | None, max_minutes: float | None, seed: int) -> dict[str, Any]:
    import torch

    from privdesk.core.ner.data import batches, encode_windows
    from privdesk.core.ner.metrics import span_scores
    from privdesk.core.ner.model import PiiTagger
    from privdesk.core.ner.network import (NetworkSpec, apply_trained_state, build_network, load_tokenizer,
                                           read_weights, trained_state)
    from privdesk.core.ner.train import TrainConfig, _optimizer, _StepPlan, training_step

    rng = random.Random(seed)
    phases.report(0, 0, "loading the tagger")
    base_spec = NetworkSpec.read(base)
    base_state = read_weights(base)
    spec = NetworkSpec(method=base_spec.method, entity_types=base_spec.entity_types, lora_rank=base_spec.lora_rank,
                       lora_alpha=base_spec.lora_alpha, top_layers=base_spec.top_layers,
                       max_length=base_spec.max_length, stride=base_spec.stride,
                       supported_entities=base_spec.supported_entities)
    config = TrainConfig(epochs=epochs, seed=seed, method=spec.method, top_layers=spec.top_layers,
                         lora_rank=spec.lora_rank, learning_rate=learning_rate, max_length=spec.max_length,
                         stride=spec.stride, max_steps=max_steps, max_minutes=max_minutes)
    config.validate()
    tokenizer = load_tokenizer()
    # One network throughout (building one costs seconds): scored as loaded, trained, scored again.
    model = build_network(spec, seed=seed, dropout=config.dropout)
    apply_trained_state(model, spec, base_state, where=base)
    tagger = PiiTagger(model, tokenizer, spec)
    check()
    phases.report(0, 0, "scoring the current tagger on the held-out records")
    holdout_gold = [example.spans for example in holdout_set]
    holdout_texts = [example.text for example in holdout_set]
    model.eval()
    before = span_scores(holdout_gold, tagger.predict(holdout_texts))
    check()

    texts = train_set + synthetic
    windows = encode_windows(tokenizer, texts, spec.scheme, max_length=spec.max_length, stride=spec.stride)
    model.train()
    plan = _StepPlan(len(batches(windows, config.batch_tokens)) * epochs, max_steps, max_minutes)
    optimizer = _optimizer(model, spec, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, plan.learning_rate_factor)
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    # Scoring and sealing after training cost about as much as a tenth of the steps: count them in.
    extra = max(2, plan.total // 10)
    step, running_loss, loop_started = 0, None, time.monotonic()
    phases.restart_clock()
    for epoch in range(epochs):
        for group in batches(windows, config.batch_tokens, rng):
            if step >= plan.total:
                break
            check()
            loss = training_step(model, tokenizer, group, optimizer, scheduler, trainable)
            step += 1
            running_loss = loss.item() if running_loss is None else 0.95 * running_loss + 0.05 * loss.item()
            plan.after_step(step, time.monotonic() - loop_started)
            phases.report(step, plan.total + extra, f"training: epoch {epoch + 1}/{epochs}, loss {running_loss:.3f}")
    check()
    del optimizer
    state = trained_state(model, spec)
    # Scored with the fp16 tensors that get sealed put back in, so the numbers describe what is stored.
    apply_trained_state(model, spec, state)
    model.eval()
    phases.report(step, step + extra, "scoring the tuned tagger on the held-out records")
    after = span_scores(holdout_gold, tagger.predict(holdout_texts))
    check()
    support = Counter(entity for example in train_set for _start, _end, entity in example.spans)
    spec.training = {
        "data": "the project's fully reviewed records" + (" and synthetic texts" if synthetic else ""),
        "texts": len(train_set), "synthetic_texts": len(synthetic), "holdout_texts": len(holdout_set),
        "windows": len(windows), "steps": step, "final_loss": round(running_loss or 0.0, 4),
        "learning_rate": learning_rate, "epochs": epochs, "seed": seed,
        "init_from": "shipped pii-minilm" if base == default_model_dir() else "another tagger",
        "span_support": dict(sorted(support.items())), "holdout_before": before, "holdout_after": after,
    }
    phases.report(step + extra - 1, step + extra, "sealing the tuned tagger")
    write_sealed_tagger(folder, spec, state, secret, project_id=project.project_id, project_file=project.path.name)
    phases.report(step + extra, step + extra, "done")
    return {"before": before, "after": after, "steps": step}


# -- sealed folder -------------------------------------------------------------------------------------


def write_sealed_tagger(folder: str | Path, spec: Any, state: dict, secret: bytes, *, project_id: str,
                        project_file: str) -> None:
    """Seal a tagger's tensors (and its description) with the project secret into `folder`.

    The sealed file holds the safetensors bytes, with the description in their metadata, so the
    weights and the description they fit are replaced together in one atomic write. The manifest
    beside it (settings, metrics, the project's id; no values) lets the tagger be described and
    matched to its project without the key. A previous tuned tagger in the folder is replaced.
    """
    from safetensors.torch import save

    from privdesk.core.train.sealing import SealKey

    folder = Path(folder)
    payload = save(state, metadata={"format": "privdesk-ner", "spec": spec.to_json()})
    folder.mkdir(parents=True, exist_ok=True)
    SealKey.from_secret(secret).seal_to_file(folder / SEALED_WEIGHTS, payload, SEALED_PURPOSE)
    del payload
    manifest = {"format": SEALED_FORMAT, "version": SEALED_VERSION, "project_id": project_id,
                "project_file": project_file, "cipher": "AES-256-GCM, key from the project secret (HKDF-SHA256)",
                "spec": json.loads(spec.to_json())}
    atomic_write_text(folder / SEALED_MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")

