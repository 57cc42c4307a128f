"""privdesk-cli train: differentially private fine-tuning of a causal language model on a dataset's text."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator

from privdesk.commands.common import StderrProgress, add_read_options, usage_error

PASSPHRASE_ENV = "PRIVDESK_PASSPHRASE"


def register(commands) -> None:
    parser = commands.add_parser(
        "train", help="fine-tune a language model with differential privacy (DP-SGD)",
        description="Fine-tune a causal language model on the text of DATA with DP-SGD (Opacus; Poisson sampling, "
                    "per-sample clipping, Gaussian noise calibrated to a target ε and δ). Checkpoints are encrypted "
                    "with the project secret (--project), a secret file (--secret-file) or a passphrase read from "
                    f"${PASSPHRASE_ENV}.")
    parser.add_argument("input", type=Path, nargs="?", help="dataset file (a sanitized export); not needed with --resume")
    add_read_options(parser)
    parser.add_argument("-o", "--output", type=Path, help="run folder to create (model, card, split, checkpoints)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a cancelled or crashed run")
    parser.add_argument("--model", default="smollm2", help="smollm2 (default), tiny, or a local Hugging Face model folder")
    parser.add_argument("--lora", action="store_true", help="train LoRA adapters instead of all weights")
    parser.add_argument("--lora-rank", type=int, default=8)
    parser.add_argument("--column", action="append", dest="columns", metavar="NAME",
                        help="text column to train on (repeatable; default: columns whose role is text)")
    parser.add_argument("--epsilon", type=float, default=8.0, help="target ε (default 8)")
    parser.add_argument("--delta", type=float, help="δ (default: the largest power of ten ≤ 1/(10 N))")
    parser.add_argument("--clip", type=float, default=1.0, dest="max_grad_norm", help="per-sample clipping norm C")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16, help="expected (logical) batch size")
    parser.add_argument("--physical-batch-size", type=int, default=16, help="most examples in memory at once")
    parser.add_argument("--max-length", type=int, default=128, help="tokens per record (longer ones are truncated)")
    parser.add_argument("--lr", type=float, dest="learning_rate", help="learning rate (default: by model kind)")
    parser.add_argument("--held-out", type=float, default=0.1, dest="held_out_fraction",
                        help="fraction of records kept aside for evaluation (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, dest="split_seed", help="seed of the train/held-out split")
    parser.add_argument("--canaries", type=int, default=0, help="plant this many secret canary records")
    parser.add_argument("--canary-repeats", type=int, default=1, help="copies of each canary")
    parser.add_argument("--canary-format", help="canary template, '#' for each random digit")
    parser.add_argument("--no-dp", action="store_true", help="non-private baseline (same loop, no clipping or noise)")
    parser.add_argument("--grad-mode", choices=["auto", "fused", "ghost", "hooks"], default="auto",
                        help="how per-sample gradients are clipped (default auto: fused where possible, else ghost)")
    parser.add_argument("--checkpoint-every", type=int, metavar="STEPS", help="checkpoint interval in steps")
    parser.add_argument("--project", type=Path, help="project file: its secret keys the checkpoints, the run is recorded")
    parser.add_argument("--secret-file", type=Path, help="32-byte secret file keying the checkpoints (created when missing)")
    parser.add_argument("--plan-only", action="store_true", help="print σ, q, steps and δ, then stop")
    parser.set_defaults(handler=run)


def _config(args: argparse.Namespace):
    from privdesk.core.train import TrainConfig

    read_options = {"format": args.format, "encoding": args.encoding, "delimiter": args.delimiter, "text_split": args.split}
    extra = {"canary_format": args.canary_format} if args.canary_format else {}
    return TrainConfig(data_path=args.input, model=args.model, text_columns=args.columns, read_options=read_options,
                       lora=args.lora, lora_rank=args.lora_rank, dp=not args.no_dp, epsilon=args.epsilon,
                       delta=args.delta, max_grad_norm=args.max_grad_norm, epochs=args.epochs,
                       batch_size=args.batch_size, physical_batch_size=args.physical_batch_size,
                       max_length=args.max_length, learning_rate=args.learning_rate,
                       held_out_fraction=args.held_out_fraction, split_seed=args.split_seed, canaries=args.canaries,
                       canary_repeats=args.canary_repeats, grad_sample_mode=args.grad_mode,
                       checkpoint_every_steps=args.checkpoint_every, **extra)


def _key(args: argparse.Namespace, run_dir: Path):
    """The checkpoint key and the open project (or None), from --project, --secret-file or the passphrase variable."""
    from privdesk.core.train import SealKey, TrainingError

    chosen = [name for name, given in (("--project", args.project), ("--secret-file", args.secret_file),
                                       (f"${PASSPHRASE_ENV}", os.environ.get(PASSPHRASE_ENV))) if given]
    if not chosen:
        raise TrainingError("checkpoints and canaries are encrypted, and no key was given.",
                            hint=f"Give --project PROJECT.privdesk, or --secret-file FILE, or set ${PASSPHRASE_ENV}.")
    if args.project:
        from privdesk.core.project import Project

        project = Project.open(args.project)
        passphrase = os.environ.get(PASSPHRASE_ENV) if project.needs_passphrase else None
        return SealKey.from_secret(project.project_secret(passphrase)), project
    if args.secret_file:
        from privdesk.core.mask.secret_file import load_or_create_secret

        secret, created = load_or_create_secret(args.secret_file)
        if created:
            print(f"privdesk-cli: created secret file {args.secret_file} (keep it: the run cannot be resumed without it)",
                  file=sys.stderr)
        return SealKey.from_secret(secret, origin="secret file"), None
    return SealKey.from_passphrase(os.environ[PASSPHRASE_ENV], run_dir), None


class _TerminalProgress(StderrProgress):
    """The plan, once, on stderr; then one updating stderr line (when stderr is a terminal): phase, step, loss,
    ε so far, ETA."""

    def __init__(self, stream=None):
        super().__init__("train", stream)

    def __call__(self, report) -> None:
        if report.phase == "planned" and report.plan is not None:
            # The run plans from the data it reads: printing its plan costs no second read and no second σ search.
            lead = "\n" if self.enabled else ""  # end the progress line the reading phase left
            print(lead + report.plan.summary(), file=self.stream, flush=True)
        if not self.enabled:
            return
        parts = [f"train {report.phase}: step {report.step:,}/{report.total_steps:,}"]
        if report.loss is not None:
            parts.append(f"loss {report.loss:.3f}")
        if report.epsilon_prv is not None:
            parts.append(f"ε {report.epsilon_prv:.3g} (RDP {report.epsilon_rdp:.3g})")
        if report.eta_s is not None:
            parts.append(f"ETA {report.eta_s:,.0f} s")
        self.show(parts)


@contextlib.contextmanager
def _ctrl_c_cancels(cancel) -> Iterator[None]:
    """The first Ctrl+C asks the loop to checkpoint and stop after the current step; a second one interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum, frame) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("\nprivdesk-cli: stopping after this step (checkpoint first); Ctrl+C again to abort",
              file=sys.stderr)
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run(args: argparse.Namespace) -> int:
    from privdesk.core.progress import CancelToken, Cancelled
    from privdesk.core.train import plan, resume, train

    if args.resume is None and args.input is None:
        return usage_error("give the dataset to train on (or --resume RUN_DIR)")
    if args.resume is None and args.output is None and not args.plan_only:
        return usage_error("give the run folder to create with -o RUN_DIR")
    if args.plan_only:
        if args.input is None:
            return usage_error("--plan-only needs the dataset")
        print(plan(_config(args)).summary())
        return 0
    run_dir = args.resume or args.output
    key, project = _key(args, run_dir)
    progress = _TerminalProgress()
    cancel = CancelToken()
    try:
        with _ctrl_c_cancels(cancel):
            if args.resume is not None:
                result = resume(args.resume, key=key, project=project, progress=progress, cancel=cancel)
            else:
                result = train(_config(args), args.output, key=key, project=project, progress=progress,
                               cancel=cancel)
    except (Cancelled, KeyboardInterrupt):
        progress.close()
        print(f"privdesk-cli: stopped; continue with: privdesk-cli train --resume {run_dir} (same key)", file=sys.stderr)
        return 130
    finally:
        if project is not None:
            project.close()
    progress.close()
    if result.epsilon_prv is not None:
        privacy = f"ε = {result.epsilon_prv:.3f} (PRV), {result.epsilon_rdp:.3f} (RDP) at δ = {result.plan.delta:g}"
    else:
        privacy = "not private (baseline)"
    print(f"trained {result.steps} steps in {result.training_time_s:.1f} s with {result.grad_sample_mode} gradients; "
          f"{privacy}; held-out loss {result.held_out_loss if result.held_out_loss is None else round(result.held_out_loss, 4)}")
    print(f"model: {result.model_dir}")
    return 0
