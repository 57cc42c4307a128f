"""privdesk-cli synth: synthetic datasets full of fake PII, with gold spans."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from privdesk.commands.common import usage_error


def register(commands) -> None:
    parser = commands.add_parser("synth", help="generate a synthetic dataset with gold PII spans",
                                 description="Generate a synthetic dataset full of fake PII (Faker) with gold spans, "
                                             "for demos, tests and benchmarks. The gold spans go to FILE.gold.jsonl.")
    parser.add_argument("--kind", choices=["notes", "tickets", "transactions", "chat"], default="notes")
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--templates", choices=["dev", "heldout"], default="dev",
                        help="template set: 'heldout' sentence shapes are kept apart for benchmarks")
    parser.add_argument("--format", choices=["csv", "tsv", "json", "jsonl", "parquet", "txt"],
                        help="output format (default: from the extension)")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from privdesk.core.synth import generate_dataset, write_synth

    if args.rows < 1:
        return usage_error("--rows must be at least 1")
    data = generate_dataset(args.kind, rows=args.rows, seed=args.seed, template_set=args.templates)
    dataset_path, gold_path = write_synth(data, args.output, format=args.format)
    print(f"wrote {args.rows} {args.kind} records to {dataset_path}; gold spans in {gold_path}", file=sys.stderr)
    return 0
