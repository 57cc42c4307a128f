"""privdesk-cli tune-tagger: fine-tune the transformer PII tagger on a project's reviewed records."""

from __future__ import annotations

import argparse
from pathlib import Path

from privdesk.commands.common import StderrProgress, usage_error

_EPILOG = """\
what it does:
  Starts from PrivDesk's shipped MiniLM tagger and fine-tunes it on the text columns of the records
  you fully reviewed (every finding accepted or rejected; accepted, relabelled, resized and added
  spans are the truth), mixed with synthetic text so it keeps what your data lacks. A fifth of the
  reviewed records is held out and never trained on; the tagger is scored on them before and after.

privacy:
  The tuned weights have seen your data, so they are sealed with the project secret (AES-256-GCM)
  into PROJECT.tagger/ beside the project; nothing of them is written in clear. Detection decrypts
  them in memory. The project's run log keeps the settings and scores, never values.

examples:
  privdesk-cli tune-tagger study.privdesk
  privdesk-cli tune-tagger study.privdesk --epochs 3 --max-minutes 20 --use
"""


def register(commands) -> None:
    parser = commands.add_parser(
        "tune-tagger", help="fine-tune the transformer PII tagger on a project's reviewed records",
        description="Fine-tune the MiniLM PII tagger on the analyst's review decisions, seal it with the "
                    "project secret, and print its span scores on held-out reviewed records before and after.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path, metavar="PROJECT", help="the project file (.privdesk)")
    parser.add_argument("--epochs", type=int, default=2, help="passes over the training texts (default 2)")
    parser.add_argument("--max-minutes", type=float, default=None, help="fit the training loop into this time")
    parser.add_argument("--min-records", type=int, default=None,
                        help="fully reviewed records needed (default 30)")
    parser.add_argument("--no-synthetic", action="store_true",
                        help="train on the reviewed records alone (the tagger may forget what they lack)")
    parser.add_argument("--synthetic-share", type=float, default=1.0,
                        help="synthetic texts per reviewed training text (default 1.0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--passphrase-file", type=Path, metavar="F", help="the project's passphrase, if it has one")
    parser.add_argument("--use", action="store_true",
                        help="switch the project's detection settings to the tuned tagger afterwards")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        return usage_error("--epochs must be at least 1")
    if args.min_records is not None and args.min_records < 2:
        return usage_error("--min-records must be at least 2 (one to train on, one to hold out)")
    if args.synthetic_share < 0:
        return usage_error("--synthetic-share must be zero or more")
    if args.max_minutes is not None and args.max_minutes <= 0:
        return usage_error("--max-minutes must be more than 0")
    return _tune(args)


def _tune(args: argparse.Namespace) -> int:
    from privdesk.core.errors import ProjectError
    from privdesk.core.ner.corrections import MIN_REVIEWED_RECORDS, read_project_dataset, tune_tagger_from_project
    from privdesk.core.project import Project

    passphrase = None
    if args.passphrase_file is not None:
        from privdesk.core.mask import read_passphrase_file

        passphrase = read_passphrase_file(args.passphrase_file)
    with Project.open(args.project) as project:
        if project.needs_passphrase and passphrase is None:
            raise ProjectError("the project secret is protected by a passphrase.", path=project.path,
                               hint="Give it with --passphrase-file.")
        if passphrase is not None:
            project.project_secret(passphrase)
        dataset = read_project_dataset(project)
        progress = StderrProgress("tune")
        progress_line = _ProgressLine(progress)
        try:
            result = tune_tagger_from_project(
                project, dataset, progress=progress_line, epochs=args.epochs,
                mix_synthetic=not args.no_synthetic, synthetic_share=args.synthetic_share,
                min_records=args.min_records or MIN_REVIEWED_RECORDS, max_minutes=args.max_minutes, seed=args.seed)
        finally:
            progress.close()
        print(format_result(result))
        if args.use:
            _use_tagger(project, result.folder)
            print(f"detection settings: the transformer is on and uses {result.folder}")
    return 0


class _ProgressLine:
    """Steps, message and ETA on the stderr progress line."""

    def __init__(self, line: StderrProgress):
        self.line = line

    def __call__(self, info) -> None:
        if not self.line.enabled:
            return
        parts = [f"tune: {info.message}"]
        if info.total:
            parts.append(f"{info.done}/{info.total}")
        if info.eta_s is not None and info.done:
            parts.append(f"ETA {info.eta_s:,.0f} s")
        self.line.show(parts)


def format_result(result) -> str:
    """Held-out scores before and after, per entity type with gold spans, and the totals."""
    lines = [f"held-out records: {result.holdout_records} of {result.reviewed_records} fully reviewed "
             f"({result.holdout_texts} texts, never trained on); trained on {result.training_texts} texts"
             + (f" + {result.synthetic_texts} synthetic" if result.synthetic_texts else "")
             + f", {result.steps} steps, {result.seconds:.0f} s",
             f"{'entity':<20} {'gold':>5}  {'F1 before':>9} {'F1 after':>9}  {'recall before':>13} {'recall after':>12}"]
    for entity in sorted(set(result.before) | set(result.after), key=lambda name: (name == "ALL", name)):
        before, after = result.before.get(entity), result.after.get(entity)
        reference = after or before
        gold = int(reference["tp"] + reference["fn"])
        if gold == 0 and entity != "ALL":
            continue
        lines.append(f"{entity:<20} {gold:>5}  {_value(before, 'f1'):>9} {_value(after, 'f1'):>9}  "
                     f"{_value(before, 'recall'):>13} {_value(after, 'recall'):>12}")
    lines.append(f"sealed with the project secret in {result.folder}")
    return "\n".join(lines)


def _value(row, key: str) -> str:
    return "-" if row is None else f"{row[key]:.3f}"


def _use_tagger(project, folder: Path) -> None:
    from dataclasses import replace

    from privdesk.core.detect.project_settings import read_detection_options, write_detection_options

    options = read_detection_options(project)
    write_detection_options(project, replace(options, use_transformer=True, transformer_model=str(folder)))
