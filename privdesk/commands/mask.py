"""privdesk-cli mask: mask a dataset with a policy, with an audit report and an optional re-identification vault."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from privdesk.commands.common import StderrProgress, add_read_options, read_options, usage_error

_EPILOG = """\
where the project secret comes from:
  Keyed operators (hash, encrypt, surrogate, date_shift) derive their keys from a 32-byte secret.
  Outside a project it lives in --secret-file: created with fresh random bytes (mode 0600) when the
  file does not exist, read when it does. The same secret file gives the same surrogates, hashes and
  ciphertexts in every run, so keep it (and apart from the output). Without --secret-file a
  throw-away secret is used: the output cannot be linked to other runs, and encrypted values can be
  restored only through a vault.

detections:
  DETECTIONS.jsonl has one line per record: {"record": i, "spans": [{"column", "start", "end",
  "entity_type", "score", "recognizer"}]} (the shape of the .gold.jsonl files next to the samples).
  Without --detections the dataset is scanned first with the default detection settings and the
  suggested column roles.

examples:
  privdesk-cli mask notes.csv --policy hipaa_safe_harbor --detections notes.gold.jsonl -o notes.masked.csv \\
      --report notes.report.html --vault notes.vault --passphrase-file pass.txt --secret-file project.secret
"""


def _preset_names() -> list[str]:
    # Listed from the folder: importing privdesk.core.mask here would slow every --help down.
    from privdesk.paths import resources_dir

    return sorted(path.stem for path in (resources_dir() / "policies").glob("*.yaml"))


def register(commands) -> None:
    parser = commands.add_parser(
        "mask", help="mask PII with a policy; write the sanitized dataset, an audit report and a vault",
        description="Mask the PII in a dataset with a policy (a YAML file or a preset: "
                    f"{', '.join(_preset_names())}) and write the sanitized dataset, streamed in bounded memory "
                    "and written atomically.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", type=Path, help="dataset file, or a folder of .txt files")
    add_read_options(parser)
    parser.add_argument("--policy", required=True, metavar="POLICY",
                        help="policy YAML file, or a preset name")
    parser.add_argument("--detections", type=Path, metavar="DETECTIONS.jsonl",
                        help="spans to mask, one JSON line per record (default: detect them first)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the sanitized dataset to write")
    parser.add_argument("--output-format", choices=["csv", "tsv", "json", "jsonl", "parquet", "txt"],
                        help="output format (default: from the output's extension, else the input's)")
    parser.add_argument("--report", type=Path, metavar="REPORT.html",
                        help="audit report to write (HTML, with the same report as JSON beside it)")
    parser.add_argument("--vault", type=Path, help="re-identification vault to write (needs --passphrase-file)")
    parser.add_argument("--passphrase-file", type=Path, metavar="F", help="file holding the vault passphrase")
    parser.add_argument("--secret-file", type=Path, metavar="F",
                        help="the project secret (32 bytes, created 0600 if missing); see below")
    parser.add_argument("--locale", help="Faker locale of surrogates (default: the policy's, else en_US)")
    parser.add_argument("--no-formula-guard", action="store_true",
                        help="CSV/TSV: do not prefix cells starting with = + - @ TAB CR with an apostrophe")
    parser.set_defaults(handler=run)


def _spans(args: argparse.Namespace, progress: StderrProgress):
    """(spans per record, where they came from)."""
    if args.detections is not None:
        from privdesk.core.synth import read_gold

        return read_gold(args.detections), "detections file"
    try:
        from privdesk.core.detect import DetectionEngine, DetectionSettings
    except ImportError:
        return None, "detector"
    from privdesk.core.dataset import inspect_dataset, iter_batches

    options = read_options(args)
    roles = {column.name: column.role for column in inspect_dataset(args.input, options).columns}

    def rows():
        for batch in iter_batches(args.input, options):
            yield from batch.to_pylist()

    engine = DetectionEngine(DetectionSettings())
    return engine.detect_records(rows(), roles, progress=progress), "detector"


def run(args: argparse.Namespace) -> int:
    from privdesk.core.mask import ReviewSummary, export_dataset, read_passphrase_file, resolve_policy
    from privdesk.core.mask.keying import SECRET_BYTES
    from privdesk.core.mask.secret_file import load_or_create_secret

    if args.vault is not None and args.passphrase_file is None:
        return usage_error("--vault needs --passphrase-file")
    if args.passphrase_file is not None and args.vault is None:
        return usage_error("--passphrase-file is only used with --vault")
    policy = resolve_policy(args.policy)
    passphrase = read_passphrase_file(args.passphrase_file) if args.passphrase_file is not None else None
    # Notes about the secret are printed after the export succeeds: an error stays one line on stderr.
    if args.secret_file is not None:
        secret, created = load_or_create_secret(args.secret_file)
        secret_source = "secret file"
        secret_note = (f"created a new secret file {args.secret_file} (mode 0600); keep it to get the same "
                       "surrogates, hashes and ciphertexts next time") if created else None
    else:
        import os

        secret = os.urandom(SECRET_BYTES)
        secret_source = "one-off secret"
        secret_note = "no --secret-file: used a one-off secret; this output's pseudonyms cannot be linked to other runs"
    progress = StderrProgress("mask")
    try:
        spans, source = _spans(args, StderrProgress("detect"))
        if spans is None:
            return usage_error("the detection engine is not available; pass --detections")
        summary = export_dataset(args.input, spans, policy, secret, args.output, format=args.output_format,
                                 read_options=read_options(args), report_path=args.report, vault_path=args.vault,
                                 passphrase=passphrase, review=ReviewSummary(source=source),
                                 secret_source=secret_source, neutralise_formulas=not args.no_formula_guard,
                                 locale=args.locale, progress=progress)
    finally:
        progress.close()
    if secret_note:
        print(secret_note, file=sys.stderr)
    counts = summary.counts
    print(f"masked {summary.rows:,} records: {summary.replacements:,} values replaced "
          f"({', '.join(f'{op} {n:,}' for op, n in counts.by_operator().items()) or 'none'}) with policy "
          f"'{policy.name}'; wrote {summary.output_path}", file=sys.stderr)
    if counts.fallbacks:
        print(f"{counts.fallbacks:,} values could not take their operator and were tagged or redacted instead",
              file=sys.stderr)
    if summary.formula_cells_guarded:
        print(f"{summary.formula_cells_guarded:,} cells that a spreadsheet would run as formulas got a leading "
              "apostrophe (--no-formula-guard to keep them as they are)", file=sys.stderr)
    for path in summary.report_paths:
        print(f"audit report: {path}", file=sys.stderr)
    if summary.vault_path is not None:
        print(f"vault ({summary.vault_entries:,} entries, mode 0600): {summary.vault_path}", file=sys.stderr)
    return 0
