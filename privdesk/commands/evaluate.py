"""privdesk-cli evaluate: detection quality, residual PII, model leakage and utility, as an HTML (and PDF) report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from privdesk.commands.common import StderrProgress, add_read_options, read_options, usage_error

_EPILOG = """\
what gets evaluated (any combination):
  a project (.privdesk)          detection quality from its review decisions (fully reviewed records);
                                 its training runs' leakage and utility; residual PII with --sanitized
  a run folder, or a folder      leakage (canary exposure, membership inference, PII extraction) and
  of run folders                 held-out perplexity, for each run and its base model
  --gold G --detections D        detection quality of D against G
  --gold G --dataset DATA        detection quality of the detector, run on DATA, against G
  --gold G (presidio-research)   detection quality of the detector, run on the file's own texts
  --sanitized OUT                residual PII in OUT: the original values of a project's accepted spans
                                 (or of --gold's spans, read from --dataset or the gold file's values),
                                 and what the detector still finds

gold and detections files:
  our JSON Lines ({"record": i, "spans": [{"column", "start", "end", "entity_type", "score"}]}, as
  `privdesk-cli detect` and `synth` write them) or presidio-research JSON (a list of {"full_text",
  "spans": [{"entity_type", "entity_value", "start_position", "end_position"}]}).

privacy:
  The report holds no value from the data unless --include-values is given: residual hits give
  record, column, offsets and type; canaries are numbered; generated text is counted, never shown.

examples:
  privdesk-cli evaluate study.privdesk --sanitized notes.masked.csv -o evaluation.html --pdf evaluation.pdf
  privdesk-cli evaluate runs/ --passphrase-file pass.txt -o leakage.html
  privdesk-cli evaluate --gold notes.gold.jsonl --detections notes.detections.jsonl -o detection.html
"""


def register(commands) -> None:
    parser = commands.add_parser(
        "evaluate", help="evaluate detection quality, residual PII, model leakage and utility; write a report",
        description="Evaluate what PrivDesk did: how well PII was detected, whether any original value is left in "
                    "the sanitized export, and what trained models leak (canary exposure, membership inference, PII "
                    "extraction) at what cost in perplexity. Writes a self-contained HTML report.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", type=Path, metavar="PROJECT_OR_RUN_DIR",
                        help="a project file, training run folders, or folders holding run folders")
    parser.add_argument("--gold", type=Path, metavar="FILE", help="gold spans (JSONL or presidio-research JSON)")
    parser.add_argument("--detections", type=Path, metavar="FILE", help="predicted spans to score against --gold")
    parser.add_argument("--dataset", type=Path, metavar="FILE",
                        help="the original dataset --gold refers to (to run the detector on, and for original values)")
    add_read_options(parser)
    parser.add_argument("--sanitized", type=Path, metavar="FILE", help="the sanitized export to scan for residual PII")
    parser.add_argument("--audit", type=Path, metavar="FILE",
                        help="the masking audit report (JSON); default: the one beside --sanitized")
    parser.add_argument("--match", choices=["exact", "iou", "overlap"], default="iou",
                        help="span matching for the headline numbers (default iou: IoU >= --min-iou)")
    parser.add_argument("--min-iou", type=float, default=0.9, help="IoU a match needs (default 0.9)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="score predictions only at or above this confidence (the sweep covers all)")
    parser.add_argument("--gold-column", default="text", metavar="COL",
                        help="column of presidio-research spans (default text)")
    parser.add_argument("--map", action="append", default=[], metavar="GOLD=OURS",
                        help="rename a gold entity type, e.g. PER=PERSON (repeatable)")
    parser.add_argument("--passphrase-file", type=Path, metavar="F",
                        help="the project's passphrase, or the runs' passphrase (to unseal canaries)")
    parser.add_argument("--no-detector", action="store_true",
                        help="do not load the detector (no detector findings in the export, no extraction precision)")
    parser.add_argument("--no-models", action="store_true", help="skip training runs")
    parser.add_argument("--generations", type=int, default=100, help="samples per model for PII extraction (default 100)")
    parser.add_argument("--max-members", type=int, default=2000,
                        help="training records scored for membership inference (default 2000)")
    parser.add_argument("--include-values", action="store_true",
                        help="put PII values (residual hits, findings, extracted values) into the report")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT.html", help="the HTML report")
    parser.add_argument("--pdf", type=Path, metavar="REPORT.pdf", help="also write the report as PDF")
    parser.add_argument("--json", type=Path, metavar="RESULTS.json", help="also write the numbers as JSON")
    parser.set_defaults(handler=run)


class _UsageError(Exception):
    pass


def _entity_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        gold, sep, ours = item.partition("=")
        if not sep or not gold or not ours:
            raise _UsageError(f"--map {item!r}: write GOLD=OURS, e.g. PER=PERSON")
        mapping[gold] = ours
    return mapping


def _split_targets(targets: list[Path]) -> tuple[Path | None, list[Path]]:
    from privdesk.core.evaluate import find_run_folders
    from privdesk.core.project import PROJECT_SUFFIX

    project, runs = None, []
    for target in targets:
        if (target.is_file() and target.suffix == PROJECT_SUFFIX) or Path(f"{target}{PROJECT_SUFFIX}").is_file():
            if project is not None:
                raise _UsageError("give at most one project")
            project = target
            continue
        found = find_run_folders(target)
        if not found:
            raise _UsageError(f"{target}: neither a project file nor a training run folder (no run.json in it "
                              "or in its sub-folders)")
        runs.extend(found)
    return project, runs


def _engine(args: argparse.Namespace):
    if args.no_detector:
        return None
    try:
        from privdesk.core.detect import DetectionEngine, DetectionSettings
    except ImportError:
        return None
    return DetectionEngine(DetectionSettings())


def _detect_dataset(engine, path: Path, options) -> list:
    from privdesk.core.dataset import inspect_dataset, iter_batches

    roles = {column.name: column.role for column in inspect_dataset(path, options).columns if column.role.kind != "ignore"}

    def rows():
        for batch in iter_batches(path, options):
            yield from batch.to_pylist()

    return [span for spans in engine.detect_records(rows(), roles, progress=StderrProgress("detect")) for span in spans]


def _detect_texts(engine, texts: list[str], column: str) -> list:
    from privdesk.core.types import Span

    spans = []
    for record, found in enumerate(engine.analyze_texts(texts)):
        spans.extend(Span(record, column, s.start, s.end, s.entity_type, s.score, s.recognizer) for s in found)
    return spans


def _file_detection(args: argparse.Namespace, engine_factory):
    """Detection quality from --gold with --detections, --dataset, or the gold file's own texts."""
    from privdesk.core.evaluate import evaluate_detection, read_span_file

    standard = read_span_file(args.gold, column=args.gold_column, entity_map=_entity_map(args.map))
    if args.detections is not None:
        predictions = read_span_file(args.detections, column=args.gold_column).gold
        source = f"{args.gold.name} against {args.detections.name}"
    elif args.dataset is not None or standard.texts is not None:
        engine = engine_factory()
        if engine is None:
            raise _UsageError("the detector is needed to score --gold without --detections; drop --no-detector")
        if args.dataset is not None:
            predictions = _detect_dataset(engine, args.dataset, read_options(args))
            source = f"{args.gold.name} against the detector on {args.dataset.name}"
        else:
            predictions = _detect_texts(engine, standard.texts or [], args.gold_column)
            source = f"{args.gold.name} against the detector on its texts"
    else:
        raise _UsageError("--gold needs --detections or --dataset (or a presidio-research file, which holds its texts)")
    if args.threshold is not None:
        predictions = [span for span in predictions if span.score >= args.threshold]
    quality = evaluate_detection(standard.gold, predictions, mode=args.match, min_iou=args.min_iou,
                                 records=standard.records, source=source)
    quality.notes.extend(standard.notes)
    return quality, standard


def _gold_values(args: argparse.Namespace, standard) -> dict[str, set[str]]:
    """Original values for the residual scan without a project: from --dataset, else the gold file's "value"s."""
    from privdesk.core.evaluate import original_values

    if args.dataset is not None:
        by_record: dict[int, list] = {}
        for span in standard.gold:
            by_record.setdefault(span.record, []).append(span)
        records = max(by_record, default=-1) + 1
        return original_values(args.dataset, [by_record.get(r, []) for r in range(records)], read_options=read_options(args))
    values: dict[str, set[str]] = {}
    for span in standard.gold:
        value = span.extra.get("value") if span.extra else None
        if value is None and standard.texts is not None:
            value = standard.texts[span.record][span.start:span.end]
        if value:
            values.setdefault(value, set()).add(span.entity_type)
    if not values:
        raise _UsageError("--sanitized without a project needs the original values: give --dataset, or a gold file "
                          "whose spans carry their values")
    return values


def _passphrase(args: argparse.Namespace) -> str | None:
    if args.passphrase_file is None:
        return None
    from privdesk.core.mask import read_passphrase_file

    return read_passphrase_file(args.passphrase_file)


def run(args: argparse.Namespace) -> int:
    from privdesk.core.evaluate import (Evaluation, LeakageOptions, evaluate_run_folders, find_audit_report,
                                        read_audit_report, scan_export)
    from privdesk.core.evaluate.report import summary_lines, write_pdf, write_report

    try:
        project_path, run_folders = _split_targets(args.targets)
        if args.detections is not None and args.gold is None:
            raise _UsageError("--detections needs --gold to score against")
        if project_path is None and not run_folders and args.gold is None:
            raise _UsageError("nothing to evaluate: give a project, run folders, or --gold")
        if args.generations < 0 or args.max_members < 1:
            raise _UsageError("--generations must be >= 0 and --max-members >= 1")
        if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
            raise _UsageError("--threshold must be between 0 and 1")
        if not 0.0 < args.min_iou <= 1.0:
            raise _UsageError("--min-iou must be above 0 and at most 1")
        _entity_map(args.map)
    except _UsageError as error:
        return usage_error(str(error))
    engine_holder: list = []

    def engine_factory():
        if not engine_holder:
            engine_holder.append(_engine(args))
        return engine_holder[0]

    passphrase = _passphrase(args)
    options = LeakageOptions(generations=args.generations, max_members=args.max_members,
                             include_values=args.include_values)
    progress = StderrProgress("evaluate")
    try:
        evaluation = Evaluation(include_values=args.include_values, detection_threshold=args.threshold)
        standard = None
        if project_path is not None:
            evaluation = _evaluate_project(project_path, run_folders, args, passphrase, options, engine_factory,
                                           progress)
            run_folders = []
        if args.gold is not None:
            evaluation.detection, standard = _file_detection(args, engine_factory)
        if args.sanitized is not None and project_path is None:
            if standard is None:
                raise _UsageError("--sanitized needs a project or --gold (to know the original values)")
            evaluation.residual = scan_export(args.sanitized, _gold_values(args, standard), engine=engine_factory(),
                                              include_values=args.include_values, progress=progress)
            evaluation.audit = find_audit_report(args.sanitized)
        if args.audit is not None:
            evaluation.audit = read_audit_report(args.audit)
            if evaluation.audit is None:
                raise _UsageError(f"{args.audit}: not a PrivDesk masking audit report (JSON)")
        if run_folders and not args.no_models:
            evaluation.models = evaluate_run_folders(run_folders, passphrase=passphrase, engine=engine_factory(),
                                                     options=options, progress=progress)
        evaluation.detection_threshold = args.threshold
    except _UsageError as error:
        return usage_error(str(error))
    finally:
        progress.close()
        for engine in engine_holder:
            if engine is not None:
                engine.close()
    write_report(evaluation, args.output)
    if args.pdf is not None:
        write_pdf(evaluation, args.pdf)
    if args.json is not None:
        from privdesk.core.atomic import atomic_write_text

        atomic_write_text(args.json, json.dumps(evaluation.to_dict(), indent=2, ensure_ascii=False, default=_plain) + "\n")
    for line in summary_lines(evaluation)[2:]:
        print(line)
    written = [args.output] + [path for path in (args.pdf, args.json) if path is not None]
    print(f"wrote {', '.join(str(path) for path in written)}", file=sys.stderr)
    return 0


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _evaluate_project(project_path: Path, run_folders: list[Path], args: argparse.Namespace, passphrase: str | None,
                      options, engine_factory, progress):
    from privdesk.core.evaluate import evaluate_project, project_run_folders
    from privdesk.core.project import Project

    with Project.open(project_path, passphrase=passphrase if _needs_passphrase(project_path) else None) as project:
        folders = None
        if run_folders:
            folders = project_run_folders(project) + [f for f in run_folders if f not in project_run_folders(project)]
        needs_engine = args.sanitized is not None or (not args.no_models and bool(folders or project.runs("training")))
        evaluation = evaluate_project(
            project, export_path=args.sanitized, engine=engine_factory() if needs_engine else None,
            run_folders=folders, options=options, match_mode=args.match, min_iou=args.min_iou, threshold=args.threshold,
            models=not args.no_models, include_values=args.include_values, progress=progress)
    return evaluation


def _needs_passphrase(project_path: Path) -> bool:
    from privdesk.core.project import Project

    with Project.open(project_path) as probe:
        return probe.needs_passphrase
