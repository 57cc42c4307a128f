"""Leakage and utility of trained models: one run at a time, and a set of runs with their base models.

    results = evaluate_runs(runs, LeakageOptions(generations=200), training_pii=values, find_pii=finder)

Each measurement is optional and skipped (with a note) when its inputs are missing: exposure needs
canaries, membership inference needs members and held-out records, extraction needs training PII
values. Models are loaded one at a time and dropped when done.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from privdesk.core.evaluate.leakage import (
    DEFAULT_EXACT_LIMIT,
    DEFAULT_SAMPLE_SIZE,
    ExposureResult,
    ExtractionResult,
    MembershipResult,
    PiiFinder,
    canary_exposure,
    membership_inference,
    pii_extraction,
    sample_generations,
)
from privdesk.core.evaluate.runs import RunFolderError, TrainingRun, load_base_model, load_run_model, subsample
from privdesk.core.evaluate.scoring import sequence_losses
from privdesk.core.evaluate.utility import Perplexity, perplexity
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressInfo

log = logging.getLogger(__name__)

TrainingPii = Mapping[str, Sequence[str]]  # value -> entity types


@dataclass(frozen=True)
class LeakageOptions:
    exposure: bool = True
    membership: bool = True
    extraction: bool = True
    utility: bool = True
    base_model: bool = True  # perplexity and extraction of each run's base model, for reference
    generations: int = 100
    max_new_tokens: int = 48
    prompt_tokens: int = 4  # generations are prompted with this many first tokens of held-out records
    exact_limit: int = DEFAULT_EXACT_LIMIT
    sample_size: int = DEFAULT_SAMPLE_SIZE
    max_members: int | None = 2_000  # members scored for the attack (all non-members are)
    batch_size: int = 16
    seed: int = 0
    include_values: bool = False  # keep extracted training values (PII!) in the results


@dataclass
class ModelEvaluation:
    """What was measured on one model: a training run, or a base model (no exposure or membership)."""

    name: str
    kind: str  # "run" or "base"
    dp: bool | None = None
    epsilon: float | None = None
    delta: float | None = None
    status: str = ""
    card: dict[str, Any] | None = None
    perplexity: Perplexity | None = None
    exposure: ExposureResult | None = None
    membership: MembershipResult | None = None
    extraction: ExtractionResult | None = None
    base_model: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind == "base":
            return f"base: {self.name}"
        privacy = "non-private" if not self.dp else (f"ε={self.epsilon:.3g}" if self.epsilon is not None else "DP")
        return f"{self.name} ({privacy})"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "dp": self.dp, "epsilon": self.epsilon, "delta": self.delta,
                "status": self.status, "base_model": self.base_model,
                "perplexity": self.perplexity.to_dict() if self.perplexity else None,
                "exposure": self.exposure.to_dict() if self.exposure else None,
                "membership": self.membership.to_dict() if self.membership else None,
                "extraction": self.extraction.to_dict() if self.extraction else None, "notes": list(self.notes)}


def _stage(progress: ProgressCallback | None, label: str) -> ProgressCallback | None:
    if progress is None:
        return None

    def relay(info: ProgressInfo) -> None:
        progress(ProgressInfo(info.done, info.total, f"{label}: {info.message}" if info.message else label,
                              info.elapsed_s))

    return relay


def _extraction(model: Any, tokenizer: Any, options: LeakageOptions, run: TrainingRun, training_pii: TrainingPii | None,
                find_pii: PiiFinder | None, progress: ProgressCallback | None,
                cancel: CancelToken | None) -> ExtractionResult:
    # Held-out records were not trained on: their openings are fair prompts in the data's own style.
    prompts = [text for text in run.non_member_texts if text.strip()]
    generations = sample_generations(model, tokenizer, options.generations, prompts=prompts,
                                     prompt_tokens=options.prompt_tokens, max_new_tokens=options.max_new_tokens,
                                     batch_size=options.batch_size, seed=options.seed, progress=progress, cancel=cancel)
    return pii_extraction(generations, training_pii or {}, find_pii=find_pii, include_values=options.include_values)


def evaluate_model(model: Any, tokenizer: Any, result: ModelEvaluation, run: TrainingRun, options: LeakageOptions, *,
                   training_pii: TrainingPii | None = None, find_pii: PiiFinder | None = None,
                   progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> ModelEvaluation:
    """Fill `result` with what `options` asks and `run` allows, measured on `model`."""
    is_run = result.kind == "run"
    max_length = run.max_length
    if options.utility:
        if run.non_member_texts:
            result.perplexity = perplexity(model, tokenizer, run.non_member_texts, batch_size=options.batch_size,
                                           max_length=max_length, progress=_stage(progress, "held-out perplexity"),
                                           cancel=cancel)
        else:
            result.notes.append("No held-out texts: perplexity not measured.")
    if is_run and options.exposure:
        if run.canaries is not None and run.canaries.secrets:
            spec = run.canaries
            result.exposure = canary_exposure(
                model, tokenizer, spec.format, spec.secrets, alphabet=spec.alphabet, placeholder=spec.placeholder,
                exact_limit=options.exact_limit, sample_size=options.sample_size, seed=options.seed,
                batch_size=max(options.batch_size, 64), max_length=max_length, repeats=spec.repeats,
                progress=_stage(progress, "canary exposure"), cancel=cancel)
            result.notes.extend(result.exposure.notes)  # e.g. why the skew-normal fit fell back to sampled ranks
        elif run.canaries is None and not any("canar" in note for note in run.notes):
            result.notes.append("The run planted no canaries: exposure not measured.")
    if is_run and options.membership:
        if run.member_texts and run.non_member_texts:
            members = subsample(run.member_texts, options.max_members, options.seed)
            member_losses = sequence_losses(model, tokenizer, members, batch_size=options.batch_size,
                                            max_length=max_length, progress=_stage(progress, "member losses"),
                                            cancel=cancel)
            held_losses = sequence_losses(model, tokenizer, run.non_member_texts, batch_size=options.batch_size,
                                          max_length=max_length, progress=_stage(progress, "held-out losses"),
                                          cancel=cancel)
            result.membership = membership_inference(member_losses, held_losses)
            if result.membership.non_members < 1000:
                result.notes.append(f"Only {result.membership.non_members} held-out records: TPR at 0.1% FPR rests on "
                                    f"fewer than one false positive and is not meaningful.")
        else:
            result.notes.append("No members or no held-out records: membership inference not run.")
    if options.extraction and options.generations > 0:
        if training_pii:
            result.extraction = _extraction(model, tokenizer, options, run, training_pii, find_pii,
                                            _stage(progress, "sampling generations"), cancel)
        else:
            result.notes.append("No training PII values known: extraction not measured.")
    return result


def evaluate_runs(runs: Sequence[TrainingRun], options: LeakageOptions = LeakageOptions(), *,
                  training_pii: Callable[[TrainingRun], TrainingPii | None] | None = None,
                  find_pii: PiiFinder | None = None, progress: ProgressCallback | None = None,
                  cancel: CancelToken | None = None) -> list[ModelEvaluation]:
    """Each run's model, then (with options.base_model) each distinct base model once, in that order.

    `training_pii(run)` gives the PII values of the run's training members (for extraction).
    """
    results: list[ModelEvaluation] = []
    bases: dict[str, TrainingRun] = {}
    pii_by_run: dict[Any, TrainingPii | None] = {}  # a run and its base look for the same values: read them once
    for run in runs:
        if cancel is not None:
            cancel.raise_if_cancelled()
        result = ModelEvaluation(run.name, "run", dp=run.dp, epsilon=run.epsilon, delta=run.delta, status=run.status,
                                 card=run.card, base_model=run.base_model, notes=list(run.notes))
        results.append(result)
        if run.model_dir is None:
            continue
        try:
            model, tokenizer = load_run_model(run)
        except RunFolderError as error:
            result.notes.append(error.message)
            continue
        pii = pii_by_run[run.folder] = training_pii(run) if training_pii is not None else None
        log.info("evaluating run %s", run.name)
        evaluate_model(model, tokenizer, result, run, options, training_pii=pii, find_pii=find_pii,
                       progress=_stage(progress, run.name), cancel=cancel)
        del model
        gc.collect()
        bases.setdefault(run.base_model_key, run)
    if options.base_model:
        for run in bases.values():
            results.append(_evaluate_base(run, options, pii_by_run.get(run.folder), find_pii, progress, cancel))
    return results


def _evaluate_base(run: TrainingRun, options: LeakageOptions, pii: TrainingPii | None,
                   find_pii: PiiFinder | None, progress: ProgressCallback | None,
                   cancel: CancelToken | None) -> ModelEvaluation:
    label = run.base_model if run.base_model != "tiny" else f"tiny, untrained ({run.name})"
    result = ModelEvaluation(label, "base", base_model=run.base_model)
    try:
        model, tokenizer, name = load_base_model(run)
    except RunFolderError as error:
        result.notes.append(error.message)
        return result
    result.name = name if run.base_model != "tiny" else label
    evaluate_model(model, tokenizer, result, run, options, training_pii=pii, find_pii=find_pii,
                   progress=_stage(progress, f"base model {label}"), cancel=cancel)
    return result

