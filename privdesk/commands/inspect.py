"""privdesk-cli inspect: format, encoding, columns, suggested roles and row count, in bounded memory."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from privdesk.commands.common import add_read_options, read_options


def register(commands) -> None:
    parser = commands.add_parser("inspect", help="print format, columns, suggested column roles and row count",
                                 description="Read a dataset (streaming, in bounded memory) and print its format, "
                                             "encoding, columns, suggested roles and row count.")
    parser.add_argument("input", type=Path, help="dataset file, or a folder of .txt files")
    add_read_options(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from privdesk.core.dataset import inspect_dataset

    summary = inspect_dataset(args.input, read_options(args))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(summary.to_text())
    return 0
