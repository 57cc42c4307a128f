"""Benchmark: masking given spans with PrivDesk's Masker vs presidio-anonymizer's BatchAnonymizerEngine.

Both get the same input in the same run: the synthetic clinical notes (the bundled sample's kind),
scaled up to --rows records, with their gold spans as the detections. Each method masks every
cell that has spans, in memory (reading and writing files is left out, so only masking is timed),
and the table shows records and values per second:

  tag / replace     PrivDesk tag (<PERSON>)                  Presidio replace (<PERSON>); outputs compared
  keyed hash        PrivDesk HMAC-SHA-256 (project key)       Presidio hash (plain SHA-256, unkeyed)
  encrypt           PrivDesk AES-SIV (authenticated)          Presidio encrypt (AES-CBC, unauthenticated)
  surrogates        PrivDesk llm_training preset (consistent, format-preserving fakes)
                                                              Presidio custom operator calling Faker per value
                                                              (neither consistent nor format-preserving)
  HIPAA preset      PrivDesk hipaa_safe_harbor (numbered tags, year-only dates, age bands, ZIP3)
  export to file    PrivDesk export_dataset CSV -> CSV with audit report (streamed, atomic), for scale

Usage: python bench/mask_speed.py [--rows N] [--seed S]
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privdesk.core.mask import Masker, OperatorSpec, Policy, export_dataset, load_preset  # noqa: E402
from privdesk.core.synth import generate_dataset, write_synth  # noqa: E402

SECRET = hashlib.sha256(b"mask benchmark").digest()


def privdesk_runner(policy: Policy, columns: dict[str, list], spans_by_record: list) -> Callable[[], list[dict]]:
    names = list(columns)

    def run() -> list[dict]:
        masker = Masker(policy, SECRET)  # a fresh one per run: no surrogate cache carried over
        results = []
        for record, spans in enumerate(spans_by_record):
            if not spans:
                results.append({})
                continue
            cells = {name: str(columns[name][record]) for name in names}
            results.append({column: masked.text for column, masked in masker.mask_record(cells, spans, record=record).items()})
        return results

    return run


def presidio_runner(operators: dict, columns: dict[str, list], spans_by_record: list) -> Callable[[], list[dict]]:
    from presidio_anonymizer import BatchAnonymizerEngine
    from presidio_anonymizer.entities import RecognizerResult

    engine = BatchAnonymizerEngine()
    spanned = sorted({span.column for spans in spans_by_record for span in spans}, key=list(columns).index)
    per_column = {}
    for column in spanned:
        rows = [record for record, spans in enumerate(spans_by_record) if any(s.column == column for s in spans)]
        texts = [str(columns[column][record]) for record in rows]
        results = [[RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in spans_by_record[record]
                    if s.column == column] for record in rows]
        per_column[column] = (rows, texts, results)

    def run() -> list[dict]:
        out: list[dict] = [{} for _ in spans_by_record]
        for column, (rows, texts, results) in per_column.items():
            for record, text in zip(rows, engine.anonymize_list(texts, results, operators=operators)):
                out[record][column] = text
        return out

    return run


def compare_tags(ours: list[dict], theirs: list[dict]) -> str:
    """Presidio merges same-type entities with only whitespace between them ("<PERSON> <PERSON>" becomes
    "<PERSON>"); PrivDesk keeps the spans it was given. Apart from that the outputs must be equal."""
    merge = re.compile(r"(<[A-Z_]+>)(?:\s+\1)+")
    differing = sum(a != b for a, b in zip(ours, theirs))
    unexplained = sum({c: merge.sub(r"\1", t) for c, t in a.items()} != b for a, b in zip(ours, theirs))
    if unexplained:
        return f"(OUTPUTS DIFFER in {unexplained} records)"
    return f"(same output; {differing} records differ only by Presidio merging adjacent same-type tags)"


def timed(run: Callable[[], list[dict]], repeats: int) -> tuple[float, list[dict]]:
    best, result = float("inf"), []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--repeats", type=int, default=1, help="best of N runs per method")
    args = parser.parse_args()

    from faker import Faker
    from presidio_anonymizer.entities import OperatorConfig

    started = time.perf_counter()
    data = generate_dataset("notes", rows=args.rows, seed=args.seed)
    spans_by_record = data.spans_by_record()
    values = sum(len(spans) for spans in spans_by_record)
    print(f"PrivDesk masking benchmark: {args.rows:,} clinical notes, {values:,} gold spans "
          f"(generated in {time.perf_counter() - started:.1f} s); Python {platform.python_version()}, "
          f"{platform.machine()}\n")
    columns = data.columns
    fake = Faker("en_US")

    def faker_value(entity: str) -> Callable[[str], str]:
        method = {"PERSON": fake.name, "LOCATION": fake.city, "ORGANIZATION": fake.company,
                  "PHONE_NUMBER": fake.phone_number, "EMAIL_ADDRESS": fake.email, "DATE_TIME": fake.date,
                  "CREDIT_CARD": fake.credit_card_number, "IBAN_CODE": fake.iban, "US_SSN": fake.ssn,
                  "IP_ADDRESS": fake.ipv4, "URL": fake.url, "ZIP_CODE": fake.zipcode}.get(entity, fake.word)
        return lambda _original: method()

    entity_types = sorted({s.entity_type for spans in spans_by_record for s in spans})
    presidio_faker = {entity: OperatorConfig("custom", {"lambda": faker_value(entity)}) for entity in entity_types}
    pairs = [
        ("tag / replace", privdesk_runner(Policy("tag", default=OperatorSpec("tag")), columns, spans_by_record),
         presidio_runner({"DEFAULT": OperatorConfig("replace")}, columns, spans_by_record)),
        ("keyed hash", privdesk_runner(Policy("hash", default=OperatorSpec("hash", {"length": 64})), columns, spans_by_record),
         presidio_runner({"DEFAULT": OperatorConfig("hash", {"hash_type": "sha256"})}, columns, spans_by_record)),
        ("encrypt", privdesk_runner(Policy("enc", default=OperatorSpec("encrypt", {"mode": "siv"})), columns, spans_by_record),
         presidio_runner({"DEFAULT": OperatorConfig("encrypt", {"key": "WmZq4t7w!z%C&F)J"})}, columns, spans_by_record)),
        ("surrogates", privdesk_runner(load_preset("llm_training"), columns, spans_by_record),
         presidio_runner(presidio_faker, columns, spans_by_record)),
        ("HIPAA preset", privdesk_runner(load_preset("hipaa_safe_harbor"), columns, spans_by_record), None),
    ]
    header = f"{'operator':<16}{'PrivDesk rec/s':>16}{'values/s':>12}{'Presidio rec/s':>16}{'values/s':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for name, ours, theirs in pairs:
        our_time, our_out = timed(ours, args.repeats)
        line = f"{name:<16}{args.rows / our_time:>16,.0f}{values / our_time:>12,.0f}"
        if theirs is not None:
            their_time, their_out = timed(theirs, args.repeats)
            line += f"{args.rows / their_time:>16,.0f}{values / their_time:>12,.0f}{their_time / our_time:>7.1f}x"
            if name == "tag / replace":
                line += "   " + compare_tags(our_out, their_out)
        else:
            line += f"{'-':>16}{'-':>12}{'':>8}"
        print(line, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        source, _ = write_synth(data, Path(folder) / "notes.csv")
        started = time.perf_counter()
        summary = export_dataset(source, spans_by_record, load_preset("hipaa_safe_harbor"), SECRET,
                                 Path(folder) / "notes.masked.csv", report_path=Path(folder) / "report.html")
        elapsed = time.perf_counter() - started
        print(f"{'export to file':<16}{summary.rows / elapsed:>16,.0f}{summary.replacements / elapsed:>12,.0f}"
              f"{'-':>16}{'-':>12}   (CSV -> CSV, hipaa_safe_harbor, with report; {elapsed:.2f} s)")
    print("\nratio = Presidio time / PrivDesk time (above 1: PrivDesk is faster).")


if __name__ == "__main__":
    main()
