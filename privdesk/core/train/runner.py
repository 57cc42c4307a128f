"""Training runs: plan one, start it, pause, cancel and resume it, and leave a model with its card.

The Train tab and `privdesk-cli train` both call:

    plan(config)                                   -> TrainPlan     (σ, q, steps, δ: before any training)
    train(config, run_dir, key=..., project=...,
          progress=..., cancel=..., pause=...)      -> TrainResult
    resume(run_dir, key=..., ...)                  -> TrainResult   (after a cancel or a crash)

`progress` receives a TrainProgress after every optimizer step (and at phase changes); `cancel`
(privdesk.core.progress.CancelToken) makes the loop write a checkpoint and raise Cancelled; `pause`
(PauseToken) holds the loop between steps.

train() and resume() plan the run themselves, from the data they read once, and report the plan
(phase "planned", TrainProgress.plan) before loading the model: a caller that wants to show it need
not call plan() first. The σ search, the costly part of planning, is cached by its inputs
(accounting.noise_multiplier_for), so a plan() before train() in the same process is cheap too.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import torch

from privdesk import __version__
from privdesk.core.progress import CancelToken, Cancelled, ProgressInfo
from privdesk.core.train import checkpoints
from privdesk.core.train.accounting import (PrivacyLedger, default_delta, noise_multiplier_for, sample_rate_for,
                                            steps_per_epoch)
from privdesk.core.train.canaries import load_canaries, make_canaries, save_canaries
from privdesk.core.train.config import TrainConfig
from privdesk.core.train.data import (Collator, DataSplit, ExampleSet, choose_text_columns, model_inputs,
                                      per_sample_loss, record_texts, split_records, tokenize_texts)
from privdesk.core.train.dp import Engine, choose_mode, make_engine
from privdesk.core.train.errors import TrainingError
from privdesk.core.train.model_card import tokenizer_note, write_model_card
from privdesk.core.train.models import (final_model, load_model, prepare_for_training, save_model_folder,
                                        tokenizer_json, trainable_parameters)
from privdesk.core.train.pause import PauseToken
from privdesk.core.train.run_folder import (METRICS_FILE, MODEL_FOLDER, RUN_FILE, RUN_FORMAT, SPLIT_FILE, read_json,
                                            write_json)
from privdesk.core.train.sealing import SealKey
from privdesk.core.train.tiny_tokenizer import public_vocab_size

if TYPE_CHECKING:
    from privdesk.core.project import Project

EPSILON_REFRESH_S = 3.0  # PRV takes up to a second: recompute ε at most this often while training
PERIODIC_EVAL_EXAMPLES = 256
EVAL_BATCH = 16


# ---- plain records handed to callers -------------------------------------------------------------------


@dataclass(frozen=True)
class TrainPlan:
    """What a run will do, known before it starts: the Train tab shows it next to the Start button."""

    records: int
    train_records: int
    held_out_records: int
    skipped_records: int
    canary_examples: int
    examples: int  # N: training records plus canary copies; the sampling population
    batch_size: int
    sample_rate: float
    steps_per_epoch: int
    epochs: int
    steps: int
    dp: bool
    epsilon_target: float | None
    delta: float | None
    noise_multiplier: float
    max_grad_norm: float | None
    accountant: str
    grad_sample_mode: str  # the requested mode; TrainResult.grad_sample_mode says which one ran
    text_columns: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["text_columns"] = list(self.text_columns)
        return data

    def summary(self) -> str:
        privacy = (f"σ = {self.noise_multiplier:.4g}, q = {self.sample_rate:.4g}, {self.steps} steps, "
                   f"target ε = {self.epsilon_target:g} at δ = {self.delta:.3g}, clipping norm {self.max_grad_norm:g}"
                   if self.dp else "non-private baseline (no clipping, no noise)")
        return (f"{self.examples:,} training examples ({self.train_records:,} records + {self.canary_examples} canary "
                f"copies), {self.held_out_records:,} held out; {self.epochs} epoch{'s' if self.epochs != 1 else ''} of "
                f"{self.steps_per_epoch} steps; "
                + privacy)


@dataclass(frozen=True)
class TrainProgress:
    """One report from the training loop. Numbers only, never data."""

    phase: str  # reading, planned, loading, training, paused, checkpoint, evaluating, saving, done, cancelled
    step: int
    total_steps: int
    elapsed_s: float
    loss: float | None = None  # mean training loss of the last logical batch (not privatised: for the analyst)
    held_out_loss: float | None = None
    epsilon_prv: float | None = None
    epsilon_rdp: float | None = None
    delta: float | None = None
    noise_multiplier: float | None = None
    sample_rate: float | None = None
    grad_sample_mode: str | None = None
    message: str = ""
    steps_per_epoch: int = 0
    epsilon_step: int | None = None  # the step ε was computed at: it is refreshed every few seconds, not every step
    plan: TrainPlan | None = None  # on the "planned" report: what the run will do

    @property
    def epoch(self) -> float:
        """Epochs done so far (fractional)."""
        return 0.0 if not self.steps_per_epoch else self.step / self.steps_per_epoch

    @property
    def eta_s(self) -> float | None:
        if self.step <= 0 or self.phase != "training":
            return None
        return self.elapsed_s / self.step * (self.total_steps - self.step)

    def as_info(self) -> ProgressInfo:
        """The same report as a generic ProgressInfo (for StderrProgress and generic progress bars)."""
        return ProgressInfo(self.step, self.total_steps, self.message or self.phase, self.elapsed_s)


TrainProgressCallback = Callable[[TrainProgress], None]


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    model_dir: Path
    card: dict[str, Any]
    plan: TrainPlan
    grad_sample_mode: str
    epsilon_prv: float | None
    epsilon_rdp: float | None
    steps: int
    final_train_loss: float | None
    held_out_loss: float | None
    training_time_s: float


# ---- data preparation shared by plan() and train() -------------------------------------------------------


@dataclass
class _Data:
    path: Path
    sha256: str
    records: int
    columns: tuple[str, ...]
    texts: list[str]
    split: DataSplit


def _read_data(config: TrainConfig, progress: TrainProgressCallback | None, cancel: CancelToken | None) -> _Data:
    from privdesk.core.dataset import ReadOptions, read_dataset, sha256_file

    started = time.monotonic()

    def relay(info: ProgressInfo) -> None:
        if progress is not None:
            progress(TrainProgress("reading", 0, 0, time.monotonic() - started, message=info.message))

    try:
        options = ReadOptions(**config.read_options)
    except TypeError as error:
        raise TrainingError(f"bad read options {config.read_options} ({error}).") from None
    dataset = read_dataset(config.data_path, options, progress=relay, cancel=cancel)
    columns = choose_text_columns(dataset, config.text_columns)
    texts = record_texts(dataset, columns)
    split = split_records(texts, config.held_out_fraction, config.split_seed)
    if not split.train_records:
        raise TrainingError("has no record with text to train on.", path=config.data_path,
                            hint=f"Check the text columns ({', '.join(columns)}).")
    return _Data(config.data_path, sha256_file(config.data_path), dataset.num_rows, columns, texts, split)


def _make_plan(config: TrainConfig, data: _Data) -> TrainPlan:
    if config.model_kind == "local" and not Path(config.model).expanduser().is_dir():
        raise TrainingError("is not a model folder (it does not exist or is a file).", path=config.model,
                            hint="Choose tiny, smollm2, or a folder holding a Hugging Face causal language model.")
    canary_examples = config.canaries * config.canary_repeats
    examples = len(data.split.train_records) + canary_examples
    if config.batch_size > examples:
        raise TrainingError(f"the batch size {config.batch_size} is larger than the {examples} training examples.",
                            hint="Choose a batch size below the number of training records.")
    rate = sample_rate_for(examples, config.batch_size)
    per_epoch = steps_per_epoch(examples, config.batch_size)
    steps = per_epoch * config.epochs
    delta = sigma = None
    if config.dp:
        delta = config.delta if config.delta is not None else default_delta(examples)
        if delta >= 1.0 / examples:
            raise TrainingError(
                f"δ = {delta:g} is not below 1/N = {1.0 / examples:.3g} (N = {examples:,} training examples). "
                "A mechanism that publishes one whole record in the clear already satisfies (ε, δ) with δ = 1/N, "
                "so such a δ promises nothing.", hint=f"Choose δ ≤ {default_delta(examples):g} (at most 1/(10 N)).")
        sigma = noise_multiplier_for(float(config.epsilon), float(delta), rate, steps)
    return TrainPlan(records=data.records, train_records=len(data.split.train_records),
                     held_out_records=len(data.split.held_out_records), skipped_records=len(data.split.skipped_records),
                     canary_examples=canary_examples, examples=examples, batch_size=config.batch_size,
                     sample_rate=rate, steps_per_epoch=per_epoch, epochs=config.epochs, steps=steps, dp=config.dp,
                     epsilon_target=config.epsilon if config.dp else None, delta=delta,
                     noise_multiplier=sigma if sigma is not None else 0.0,
                     max_grad_norm=config.max_grad_norm if config.dp else None, accountant="prv" if config.dp else "none",
                     grad_sample_mode=config.grad_sample_mode if config.dp else "non-private", text_columns=data.columns)


def _check_new_run(config: TrainConfig) -> None:
    """Settings only a new run must meet (a resumed run keeps what it started with)."""
    if config.model_kind == "tiny" and config.tiny_vocab_size > public_vocab_size():
        raise TrainingError(f"the Tiny model's vocabulary has at most {public_vocab_size():,} tokens (asked for "
                            f"{config.tiny_vocab_size:,}).",
                            hint=f"Choose a tiny vocabulary size of at most {public_vocab_size():,}.")


def plan(config: TrainConfig, *, progress: TrainProgressCallback | None = None,
         cancel: CancelToken | None = None) -> TrainPlan:
    """Read the data and settle N, q, steps, δ and σ, without loading a model or training."""
    _check_new_run(config)
    return _make_plan(config, _read_data(config, progress, cancel))


# ---- the run ------------------------------------------------------------------------------------------


def train(config: TrainConfig, run_dir: str | Path, *, key: SealKey, project: "Project | None" = None,
          progress: TrainProgressCallback | None = None, cancel: CancelToken | None = None,
          pause: PauseToken | None = None) -> TrainResult:
    """Start a new run in `run_dir` (absent or empty). Raises Cancelled after writing a checkpoint when cancelled."""
    run_dir = Path(run_dir)
    if (run_dir / RUN_FILE).exists():
        raise TrainingError("already holds a training run.", path=run_dir,
                            hint="Resume it, or choose a new folder for a new run.")
    if run_dir.exists() and not run_dir.is_dir():
        raise TrainingError("is a file, not a folder for the run.", path=run_dir)
    _check_new_run(config)
    return _Run(config, run_dir, key, project, progress, cancel, pause, resuming=False).execute()


def resume(run_dir: str | Path, *, key: SealKey, project: "Project | None" = None,
           progress: TrainProgressCallback | None = None, cancel: CancelToken | None = None,
           pause: PauseToken | None = None) -> TrainResult:
    """Continue a cancelled or crashed run from its newest checkpoint, with the settings it started with."""
    run_dir = Path(run_dir)
    record = read_json(run_dir / RUN_FILE, "training run record")
    if record.get("status") == "done":
        raise TrainingError("is a finished run; there is nothing to resume.", path=run_dir)
    config = TrainConfig.from_json(record["config"])
    return _Run(config, run_dir, key, project, progress, cancel, pause, resuming=True).execute()


class _Run:
    def __init__(self, config: TrainConfig, run_dir: Path, key: SealKey, project: "Project | None",
                 progress: TrainProgressCallback | None, cancel: CancelToken | None, pause: PauseToken | None,
                 *, resuming: bool):
        self.config, self.run_dir, self.key, self.project = config, run_dir, key, project
        self.progress_callback, self.cancel, self.pause = progress, cancel, pause
        self.resuming = resuming
        self.started = time.monotonic()
        self.elapsed_before = 0.0
        self.record: dict[str, Any] = {}
        self.project_run_id: int | None = None
        self.metrics: list[dict[str, Any]] = []
        self.ledger = PrivacyLedger()
        self.step = 0
        self.mode = "non-private"
        self.epsilon: tuple[float | None, float | None] = (None, None)
        self.epsilon_at = -math.inf
        self.epsilon_step: int | None = None
        self.last_loss: float | None = None
        self.held_out_loss: float | None = None

    # ---- reporting --------------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return self.elapsed_before + time.monotonic() - self.started

    def report(self, phase: str, message: str = "") -> None:
        if self.progress_callback is None:
            return
        plan = getattr(self, "plan", None)
        self.progress_callback(TrainProgress(
            phase, self.step, plan.steps if plan else 0, self.elapsed, self.last_loss, self.held_out_loss,
            self.epsilon[0], self.epsilon[1], plan.delta if plan else None,
            plan.noise_multiplier if plan else None, plan.sample_rate if plan else None, self.mode, message,
            plan.steps_per_epoch if plan else 0, self.epsilon_step, plan if phase == "planned" else None))

    def refresh_epsilon(self, *, force: bool = False, final: bool = False) -> None:
        if not self.config.dp:
            return
        now = time.monotonic()
        if force or now - self.epsilon_at >= EPSILON_REFRESH_S:
            delta = self.plan.delta
            self.epsilon = (self.ledger.epsilon_prv(delta, final=final), self.ledger.epsilon_rdp(delta))
            self.epsilon_at = now
            self.epsilon_step = self.step

    # ---- the whole run ----------------------------------------------------------------------------

    def execute(self) -> TrainResult:
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.config.num_threads or max(1, (os.cpu_count() or 2) - 1))
        engine: Engine | None = None
        try:
            self.report("reading", "reading the dataset")
            self.data = _read_data(self.config, self.progress_callback, self.cancel)
            self.plan = _make_plan(self.config, self.data)
            self.report("planned", self.plan.summary())
            state = self._open_run_folder()
            self.report("loading", "loading the model")
            engine = self._build(state)
            self._loop(engine)
            return self._finish(engine)
        except Cancelled:
            if self.record:
                self._set_status("cancelled")
            self.report("cancelled", "cancelled; resume from the last checkpoint")
            raise
        except BaseException:
            if self.record:
                self._set_status("failed")
            raise
        finally:
            if engine is not None:
                engine.close()
            torch.set_num_threads(previous_threads)

    # ---- run folder and project record ---------------------------------------------------------------

    def _open_run_folder(self) -> dict[str, Any] | None:
        """Write (or check, when resuming) run.json and split.json; plant or reload canaries. Returns the checkpoint."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.resuming:
            # self.record stays empty until the checkpoint opened: a wrong key must not mark the run failed.
            record = read_json(self.run_dir / RUN_FILE, "training run record")
            if record["dataset"]["sha256"] != self.data.sha256:
                raise TrainingError("has changed since this run started (its SHA-256 differs); resuming would train "
                                    "on other data than the privacy accounting assumes.", path=self.data.path,
                                    hint="Restore the original file, or start a new run.")
            stored_split = DataSplit.from_json(read_json(self.run_dir / SPLIT_FILE, "train/held-out split"))
            if stored_split != self.data.split:
                raise TrainingError("holds a different train/held-out split than the data gives now.",
                                    path=self.run_dir / SPLIT_FILE)
            checkpoint_path = checkpoints.latest_checkpoint(self.run_dir)
            if checkpoint_path is None:
                raise TrainingError("has no checkpoint to resume from (the run stopped before its first one).",
                                    path=self.run_dir, hint="Start a new run.")
            state = checkpoints.load_checkpoint(checkpoint_path, self.key)
            self.canaries = load_canaries(self.run_dir, self.key)
            self.record = record
            self.project_run_id = (self.record.get("project") or {}).get("run_id")
            if self.project is not None and self.project_run_id is None:
                self.project_run_id = self.project.add_run("training", self._project_params(), status="running")
            self._set_status("running")
            return state
        self.canaries = (make_canaries(self.config.canaries, self.config.canary_repeats, self.config.canary_format)
                         if self.config.canaries else None)
        if self.canaries is not None:
            save_canaries(self.run_dir, self.key, self.canaries)
        write_json(self.run_dir / SPLIT_FILE, self.data.split.to_json())
        if self.project is not None:
            self.project_run_id = self.project.add_run("training", self._project_params(), status="running")
        self.record = {
            "format": RUN_FORMAT, "privdesk_version": __version__, "status": "running",
            "created_at": _now(), "config": self.config.to_json(), "plan": self.plan.to_json(),
            "dataset": {"path": str(self.data.path.resolve()), "sha256": self.data.sha256, "records": self.data.records,
                        "text_columns": list(self.data.columns)},
            "key_origin": self.key.origin,
            "project": ({"path": str(self.project.path), "run_id": self.project_run_id} if self.project else None),
            "results": {},
        }
        write_json(self.run_dir / RUN_FILE, self.record)
        return None

    def _project_params(self) -> dict[str, Any]:
        return {"config": self.config.to_json(), "plan": self.plan.to_json(), "run_dir": str(self.run_dir.resolve())}

    def _set_status(self, status: str, results: dict[str, Any] | None = None,
                    artefacts: dict[str, str] | None = None) -> None:
        self.record["status"] = status
        self.record["updated_at"] = _now()
        if results is not None:
            self.record["results"] = results
        if artefacts is not None:
            self.record["artefacts"] = artefacts
        write_json(self.run_dir / RUN_FILE, self.record)
        if self.project is not None and self.project_run_id is not None:
            self.project.update_run(self.project_run_id, status=status, results=results,
                                    artefacts={"run_dir": str(self.run_dir.resolve()), **(artefacts or {})})

    # ---- model, data, engine ------------------------------------------------------------------------

    def _build(self, state: dict[str, Any] | None) -> Engine:
        config = self.config
        train_texts = [self.data.texts[index] for index in self.data.split.train_records]
        # A resumed run keeps the tokenizer it started with (runs made before the public vocabulary have one
        # fitted on their data, and their weights fit it); a new run gets the public one.
        self.loaded = load_model(config, tiny_tokenizer_json=state.get("tiny_tokenizer") if state else None)
        model = prepare_for_training(self.loaded, config).to(config.device)
        model.train()
        self.model = model
        tokenizer = self.loaded.tokenizer
        canary_texts = self.canaries.training_texts() if self.canaries else []
        tokenized = tokenize_texts(tokenizer, train_texts + canary_texts, config.max_length)
        self.truncated = tokenized.truncated
        self.examples = ExampleSet(tokenized.sequences)
        held_out = [self.data.texts[index] for index in self.data.split.held_out_records]
        self.held_out = ExampleSet(tokenize_texts(tokenizer, held_out, config.max_length).sequences)
        self.collator = Collator(tokenizer.pad_token_id)
        params = trainable_parameters(model)
        self.trainable_count = sum(p.numel() for p in params)
        self.optimizer = torch.optim.AdamW(params, lr=config.default_learning_rate(), weight_decay=0.0)
        self.sampler_generator = torch.Generator()
        self.noise_generator = torch.Generator(device=config.device)
        if state is None:
            # Fresh secret seeds: the batches drawn and the noise added must be unpredictable to anyone.
            self.sampler_generator.manual_seed(_secret_seed())
            self.noise_generator.manual_seed(_secret_seed())
            torch.manual_seed(_secret_seed())
        else:
            self._restore(state)
        mode, why = choose_mode(config.grad_sample_mode, model, private=config.dp)
        if state is not None and state["mode"] != mode:
            mode = state["mode"]  # a resumed run keeps the gradient mode it started with
        engine = make_engine(mode, model, self.optimizer, examples=self.examples, batch_size=config.batch_size,
                             expected_batch_size=max(1, int(len(self.examples) * self.plan.sample_rate)),
                             noise_multiplier=self.plan.noise_multiplier, max_grad_norm=config.max_grad_norm,
                             sample_rate=self.plan.sample_rate, noise_generator=self.noise_generator, ledger=self.ledger)
        self.mode = engine.mode
        self.mode_reason = why if engine.mode == mode else f"{why}; ghost clipping was refused, so per-sample hooks"
        self.record.setdefault("results", {})["grad_sample_mode"] = self.mode
        self.refresh_epsilon(force=True)
        self.report("training", f"gradient mode: {self.mode} ({self.mode_reason})")
        return engine

    def _restore(self, state: dict[str, Any]) -> None:
        if state["noise_multiplier"] != self.plan.noise_multiplier or state["sample_rate"] != self.plan.sample_rate:
            raise TrainingError("the checkpoint was trained with other privacy settings than this run's plan.",
                                path=self.run_dir)
        missing = set(state["model"]) - {name for name, _ in self.model.named_parameters()}
        if missing:
            raise TrainingError(f"the checkpoint holds weights this model does not have ({len(missing)}).",
                                path=self.run_dir)
        self.model.load_state_dict(state["model"], strict=False)
        self.optimizer.load_state_dict(state["optimizer"])
        self.ledger.history = PrivacyLedger.from_json(state["ledger"]).history
        self.step = int(state["step"])
        self.metrics = list(state["metrics"])
        self.elapsed_before = float(state["elapsed_s"])
        self.last_loss = state.get("last_loss")
        self.sampler_generator.set_state(state["sampler_rng"])
        self.noise_generator.set_state(state["noise_rng"])
        torch.set_rng_state(state["torch_rng"])

    # ---- the loop ----------------------------------------------------------------------------------

    def _loop(self, engine: Engine) -> None:
        config = self.config
        remaining = self.plan.steps - self.step
        last_checkpoint = time.monotonic()
        loss_sum, loss_count = 0.0, 0
        batches: Iterator = engine.physical_batches(
            self.examples, self.collator, sample_rate=self.plan.sample_rate, steps=remaining,
            generator=self.sampler_generator, max_physical_batch_size=config.physical_batch_size) if remaining else iter(())
        for batch in batches:
            if batch is None:
                stepped = engine.empty_step()
            else:
                outputs = engine.model(**model_inputs(batch, config.device))
                losses = per_sample_loss(outputs.logits, batch["labels"].to(config.device))
                engine.backward(losses)
                loss_sum += float(losses.detach().sum())
                loss_count += losses.shape[0]
                del outputs, losses
                stepped = engine.step()
            if not stepped:
                continue
            self.step += 1
            self.last_loss = loss_sum / loss_count if loss_count else self.last_loss
            loss_sum, loss_count = 0.0, 0
            final_step = self.step == self.plan.steps
            self.refresh_epsilon(force=final_step)
            if config.eval_every_steps and self.step % config.eval_every_steps == 0 and not final_step:
                self.held_out_loss = self._held_out_loss(PERIODIC_EVAL_EXAMPLES)
            fresh = self.epsilon_step == self.step  # a stale ε would under-state what this step has spent
            self.metrics.append({"step": self.step, "loss": self.last_loss,
                                 "epsilon_prv": self.epsilon[0] if fresh else None,
                                 "epsilon_rdp": self.epsilon[1] if fresh else None, "held_out_loss": self.held_out_loss,
                                 "elapsed_s": round(self.elapsed, 3)})
            self.report("training")
            if final_step:
                break
            due = ((config.checkpoint_every_steps and self.step % config.checkpoint_every_steps == 0)
                   or time.monotonic() - last_checkpoint >= config.checkpoint_every_s)
            if due:
                self._checkpoint(engine)
                last_checkpoint = time.monotonic()
            self._between_steps(engine)

    def _between_steps(self, engine: Engine) -> None:
        if self.pause is not None and self.pause.paused and not (self.cancel and self.cancel.cancelled):
            self.report("paused", "paused")
            paused_at = time.monotonic()
            self.pause.wait_while_paused(self.cancel)
            self.elapsed_before -= time.monotonic() - paused_at  # paused time is not training time
            self.report("training", "resumed")
        if self.cancel is not None and self.cancel.cancelled:
            self._checkpoint(engine)
            raise Cancelled()

    def _checkpoint(self, engine: Engine) -> None:
        self.report("checkpoint", f"writing checkpoint at step {self.step}")
        trainable = self._trained_names()
        state = {
            "step": self.step, "mode": engine.mode, "noise_multiplier": self.plan.noise_multiplier,
            "sample_rate": self.plan.sample_rate, "ledger": self.ledger.to_json(),
            "model": {name: tensor.detach().cpu().clone() for name, tensor in self.model.state_dict().items()
                      if name in trainable},
            "optimizer": self.optimizer.state_dict(), "metrics": self.metrics, "elapsed_s": self.elapsed,
            "last_loss": self.last_loss, "sampler_rng": self.sampler_generator.get_state(),
            "noise_rng": self.noise_generator.get_state(), "torch_rng": torch.get_rng_state(),
            "tiny_tokenizer": tokenizer_json(self.loaded.tokenizer) if self.config.model == "tiny" else None,
        }
        checkpoints.save_checkpoint(self.run_dir, self.key, state)
        write_json(self.run_dir / METRICS_FILE, self.metrics)

    def _trained_names(self) -> set[str]:
        # Fused clipping keeps trained weights at requires_grad=False while it runs: ask the optimizer instead.
        trained = {id(p) for group in self.optimizer.param_groups for p in group["params"]}
        return {name for name, p in self.model.named_parameters() if id(p) in trained}

    @torch.no_grad()
    def _held_out_loss(self, limit: int | None = None) -> float | None:
        sequences = self.held_out.sequences[:limit] if limit else self.held_out.sequences
        if not sequences:
            return None
        was_training = self.model.training
        self.model.eval()
        total = 0.0
        try:
            for start in range(0, len(sequences), EVAL_BATCH):
                batch = self.collator(sequences[start:start + EVAL_BATCH])
                logits = self.model(**model_inputs(batch, self.config.device)).logits
                total += float(per_sample_loss(logits, batch["labels"].to(self.config.device)).sum())
        finally:
            self.model.train(was_training)
        return total / len(sequences)

    # ---- the end -------------------------------------------------------------------------------------

    def _finish(self, engine: Engine) -> TrainResult:
        self.report("evaluating", "held-out loss")
        self.refresh_epsilon(force=True, final=True)
        self.held_out_loss = self._held_out_loss()
        training_time = self.elapsed
        engine.close()
        self.report("saving", "saving the model")
        model_dir = self.run_dir / MODEL_FOLDER
        save_model_folder(model_dir, final_model(self.model, self.config), self.loaded.tokenizer)
        card = self._card(training_time)
        write_model_card(model_dir, card)
        write_json(self.run_dir / METRICS_FILE, self.metrics)
        results = {"grad_sample_mode": self.mode, "epsilon_prv": self.epsilon[0], "epsilon_rdp": self.epsilon[1],
                   "delta": self.plan.delta, "noise_multiplier": self.plan.noise_multiplier,
                   "sample_rate": self.plan.sample_rate, "steps": self.step, "final_train_loss": self.last_loss,
                   "held_out_loss": self.held_out_loss, "training_time_s": round(training_time, 3),
                   "truncated": self.truncated}
        self._set_status("done", results, {"model": str(model_dir.resolve()),
                                           "model_card": str((model_dir / "model_card.md").resolve())})
        shutil.rmtree(checkpoints.checkpoint_dir(self.run_dir), ignore_errors=True)  # the run cannot be resumed now
        self.report("done", "finished")
        return TrainResult(self.run_dir, model_dir, card, self.plan, self.mode, self.epsilon[0], self.epsilon[1],
                           self.step, self.last_loss, self.held_out_loss, training_time)

    def _card(self, training_time: float) -> dict[str, Any]:
        config, info, plan = self.config, self.loaded.info, self.plan
        policy_sha = None
        if self.project is not None and self.project.policy() is not None:
            import hashlib

            policy_sha = hashlib.sha256(self.project.policy()[0].encode("utf-8")).hexdigest()
        tokenizer = info.get("tokenizer") if config.model == "tiny" else None
        return {
            "privdesk_version": __version__, "created_at": _now(),
            "model": {"name": info["name"], "kind": info["kind"], "source": info["source"],
                      "architecture": info["architecture"], "parameters": info["parameters"],
                      "method": info["method"], "trainable_parameters": self.trainable_count,
                      "untied_embeddings": bool(info.get("untied_embeddings")), "tokenizer": tokenizer,
                      "tokenizer_note": tokenizer_note(tokenizer)},
            "data": {"path": str(self.data.path.resolve()), "sha256": self.data.sha256, "records": self.data.records,
                     "text_columns": list(self.data.columns), "train_records": plan.train_records,
                     "held_out_records": plan.held_out_records, "skipped_records": plan.skipped_records,
                     "split_seed": config.split_seed, "truncated": self.truncated, "policy_sha256": policy_sha},
            "privacy": {"dp": config.dp, "epsilon_target": plan.epsilon_target, "epsilon_prv": self.epsilon[0],
                        "epsilon_rdp": self.epsilon[1], "delta": plan.delta,
                        "noise_multiplier": plan.noise_multiplier if config.dp else None,
                        "sample_rate": plan.sample_rate, "steps": self.step,
                        "max_grad_norm": plan.max_grad_norm, "accountant": plan.accountant,
                        "unit": "one training record (one example per record)"},
            "training": {"grad_sample_mode": self.mode, "epochs": config.epochs, "batch_size": config.batch_size,
                         "physical_batch_size": config.physical_batch_size, "max_length": config.max_length,
                         "learning_rate": config.default_learning_rate(), "optimizer": "AdamW",
                         "training_time_s": round(training_time, 3), "final_train_loss": self.last_loss,
                         "held_out_loss": self.held_out_loss},
            "canaries": {"count": config.canaries, "repeats": config.canary_repeats if config.canaries else 0},
            "storage": ("The model folder is stored unencrypted: its weights are the output of differentially "
                        "private training and carry the guarantee above. Checkpoints were encrypted (AES-256-GCM) "
                        "and are removed when the run finishes." if config.dp else
                        "The model folder is stored unencrypted and is NOT private: protect it like the data."),
        }


def _secret_seed() -> int:
    """A seed nobody can guess (never stored in the clear; the generator states go into sealed checkpoints)."""
    return int.from_bytes(os.urandom(8), "little")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
