"""privdesk-cli: the PrivDesk pipeline, headless, over the same core functions as the GUI.

Errors meant for the user print one line on stderr and exit with status 2; no traceback
unless --debug is given.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence

from privdesk import __version__

EXIT_USAGE = 2
log = logging.getLogger("privdesk.cli")


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["csv", "tsv", "json", "jsonl", "parquet", "txt", "txtdir"],
                        help="input format (default: from the extension, or the content)")
    parser.add_argument("--encoding", help="text encoding (default: detected)")
    parser.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    parser.add_argument("--split", choices=["line", "paragraph"], default="line",
                        help="plain text: one record per line or per blank-line paragraph (default: line)")


def _read_options(args: argparse.Namespace):
    from privdesk.core.dataset import ReadOptions

    return ReadOptions(format=args.format, encoding=args.encoding, delimiter=args.delimiter, text_split=args.split)


def cmd_inspect(args: argparse.Namespace) -> int:
    from privdesk.core.dataset import inspect_dataset

    summary = inspect_dataset(args.input, _read_options(args))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(summary.to_text())
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from privdesk.core.synth import generate_dataset, write_synth

    if args.rows < 1:
        raise SystemExit(_usage_error("--rows must be at least 1"))
    data = generate_dataset(args.kind, rows=args.rows, seed=args.seed, template_set=args.templates)
    dataset_path, gold_path = write_synth(data, args.output, format=args.format)
    print(f"wrote {args.rows} {args.kind} records to {dataset_path}; gold spans in {gold_path}", file=sys.stderr)
    return 0


def _usage_error(message: str) -> int:
    print(f"privdesk-cli: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privdesk-cli",
        description="PrivDesk, headless: inspect datasets, generate synthetic PII data, detect, mask, train, evaluate.",
    )
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging (never data values)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    inspect = commands.add_parser("inspect", help="print format, columns, suggested column roles and row count",
                                  description="Read a dataset (streaming, in bounded memory) and print its format, "
                                              "encoding, columns, suggested roles and row count.")
    inspect.add_argument("input", type=Path, help="dataset file, or a folder of .txt files")
    _add_read_options(inspect)
    inspect.add_argument("--json", action="store_true", help="print the summary as JSON")
    inspect.set_defaults(handler=cmd_inspect)

    synth = commands.add_parser("synth", help="generate a synthetic dataset with gold PII spans",
                                description="Generate a synthetic dataset full of fake PII (Faker) with gold spans, "
                                            "for demos, tests and benchmarks. The gold spans go to FILE.gold.jsonl.")
    synth.add_argument("--kind", choices=["notes", "tickets", "transactions", "chat"], default="notes")
    synth.add_argument("--rows", type=int, default=100)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--templates", choices=["dev", "heldout"], default="dev",
                       help="template set: 'heldout' sentence shapes are kept apart for benchmarks")
    synth.add_argument("--format", choices=["csv", "tsv", "json", "jsonl", "parquet", "txt"],
                       help="output format (default: from the extension)")
    synth.add_argument("-o", "--output", type=Path, required=True)
    synth.set_defaults(handler=cmd_synth)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from privdesk.core.errors import PrivDeskError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except PrivDeskError as error:
        if args.debug:
            raise
        print(f"privdesk-cli: error: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("privdesk-cli: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
