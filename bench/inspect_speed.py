"""Benchmark: inspect a 1,000,000-row CSV with PrivDesk's streaming inspect_dataset vs reading it whole.

Generates the CSV (into a temporary folder, or --path), then runs each method in a fresh Python
process so every peak RSS is that method's own, and prints a side-by-side table:

  inspect_dataset             streaming; what `privdesk-cli inspect` and the GUI's Data tab run
  read_dataset                our reader, whole file into one Arrow table
  pandas.read_csv             the naive way: whole file, pandas' type inference
  pandas.read_csv(dtype=str)  whole file, every column as text (what inspecting needs)

Usage: python bench/inspect_speed.py [--rows N] [--path FILE.csv] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METHODS = ("inspect_dataset", "read_dataset", "pandas.read_csv", "pandas.read_csv(dtype=str)")

FIRST = ["Ann", "Bob", "Zoë", "José", "Mei", "Omar", "Olga", "Raj", "Lena", "Tomás", "Yuki", "Aisha"]
LAST = ["Smith", "Müller", "García", "Chen", "Okafor", "Novak", "Silva", "Kowalski", "Dubois", "Haddad"]
WORDS = ("the patient reported mild pain after the visit and asked for a follow-up call next week "
         "about billing insurance results prescription refill transferred to clinic in Boston").split()


def generate_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A realistic-looking table fast: pools of values drawn once, rows assembled from them."""
    rng = random.Random(seed)
    notes = []
    for i in range(4099):
        words = rng.choices(WORDS, k=rng.randint(4, 40))
        if i % 7 == 0:
            words.insert(rng.randint(1, len(words)), "\n")  # a quoted newline inside the field
        notes.append(" ".join(words).replace(" \n ", "\n"))
    amounts = [f"{rng.uniform(1, 5000):.2f}" for _ in range(1009)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "name", "email", "zip", "amount", "note"])
        chunk = []
        for i in range(rows):
            first, last = FIRST[i % len(FIRST)], LAST[(i // 7) % len(LAST)]
            chunk.append((i, f"{first} {last}", f"{first.lower()}.{i}@example.org", f"{(i * 7919) % 100000:05d}",
                          amounts[i % len(amounts)], notes[(i * 31) % len(notes)]))
            if len(chunk) == 50_000:
                writer.writerows(chunk)
                chunk = []
        writer.writerows(chunk)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def measure(method: str, path: str) -> dict:
    """Run one method in this (fresh) process and report wall time and peak RSS."""
    # pyarrow imports pandas the first time it converts a Python value, so every method pays for
    # pandas: import it up front in all of them and the "after imports" baselines are comparable.
    import pandas
    import pyarrow

    from privdesk.core.dataset import inspect_dataset, read_dataset
    after_imports = _peak_rss_mb()
    start = time.perf_counter()
    if method == "inspect_dataset":
        rows = inspect_dataset(path).num_rows
    elif method == "read_dataset":
        rows = read_dataset(path).num_rows
    elif method == "pandas.read_csv":
        rows = len(pandas.read_csv(path))
    else:
        rows = len(pandas.read_csv(path, dtype=str, keep_default_na=False))
    wall = time.perf_counter() - start
    return {"method": method, "rows": rows, "wall_s": wall, "peak_rss_mb": _peak_rss_mb(),
            "after_imports_mb": after_imports}


def run_in_subprocess(method: str, path: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--measure", method, str(path)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{method} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def print_table(results: list[dict], path: Path, rows: int, generate_s: float | None) -> None:
    size_mb = path.stat().st_size / 1e6
    print(f"\n{rows:,}-row CSV, {size_mb:,.1f} MB, 6 columns incl. a free-text note with quoted newlines")
    if generate_s is not None:
        print(f"(generated in {generate_s:.1f} s)")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()}; "
          "each method in a fresh process\n")
    header = ("method", "rows", "wall s", "peak RSS MB", "RSS after imports MB", "RSS for the work MB")
    lines = [header] + [
        (r["method"], f"{r['rows']:,}", f"{r['wall_s']:.2f}", f"{r['peak_rss_mb']:,.0f}", f"{r['after_imports_mb']:,.0f}",
         f"{r['peak_rss_mb'] - r['after_imports_mb']:,.0f}") for r in results]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    base = results[0]
    base_work = max(1.0, base["peak_rss_mb"] - base["after_imports_mb"])
    print()
    for other in results[1:]:
        work = other["peak_rss_mb"] - other["after_imports_mb"]
        print(f"{other['method']} took {other['wall_s'] / base['wall_s']:.1f}x the time and {work / base_work:.1f}x "
              "the memory for the work of inspect_dataset")
    if len({r["rows"] for r in results}) != 1:
        print("WARNING: the methods disagree on the row count")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="CSV to generate (or reuse, if it exists with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="use --path as it is when it exists")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV")
    parser.add_argument("--measure", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0

    folder = None
    if args.path is None:
        folder = Path(tempfile.mkdtemp(prefix="privdesk-bench-"))
        path = folder / "inspect_speed.csv"
    else:
        path = args.path
    generate_s = None
    try:
        if not (args.reuse and path.exists()):
            start = time.perf_counter()
            generate_csv(path, args.rows)
            generate_s = time.perf_counter() - start
        results = [run_in_subprocess(method, path) for method in METHODS]
        print_table(results, path, results[0]["rows"], generate_s)
    finally:
        if folder is not None:
            if args.keep:
                print(f"kept {path}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
