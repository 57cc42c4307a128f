"""Load benchmark: detection and export of N generated records (default 1,000,000) in bounded memory.

Each phase runs in a child process; this process samples the resident memory (RSS) of the child and of
every process under it (the detection worker processes included) every 0.5 s, and prints the peak so
far when the child passes 10,000, 100,000 and 1,000,000 records, so you can see whether memory grows
with N. The phases:

  generate   N synthetic records of --kind (privdesk.core.synth's row makers, streamed to a CSV: its
             generate_dataset builds the whole table in memory, which at 1M rows would measure the
             generator, not PrivDesk)
  detect     the real DetectionEngine.detect_records over iter_batches of the CSV, in chunks of 1,000
             records, into a Project (add_detections per chunk), as the Review tab does
  export     the real export_dataset: spans_to_mask(project) streamed in step with the CSV, masked and
             written batch by batch, with an encrypted vault and the audit report (the vault's key
             derivation, scrypt at N=2^17, r=8, briefly takes 128 MiB of it)
  naive      for comparison, at the smaller sizes: pandas reads the whole file, the same engine's spans
             for every record go into one list, every masked record into another, and pandas writes them

Free-text detection (spaCy NER and the pattern recognizers) runs at a few hundred short records per
second per core, so a full 1M-record pass over a text column takes about an hour on 2 cores. By
default the identifier columns are detected in all N records and the text columns (--text-columns,
default: the kind's short free-text column) in the first --text-rows records (default 100,000): the
10k and 100k checkpoints then show memory with free-text detection, the 1M one with identifiers.
For the full pass: --text-rows 0 (meaning all records); --text-columns "" detects identifiers only.

Usage: python bench/load_memory.py [--rows N] [--kind transactions] [--text-columns memo] [--text-rows M]
                                   [--jobs J] [--naive-sizes 10000,100000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHECKPOINTS = (10_000, 100_000, 1_000_000)
SAMPLE_EVERY_S = 0.5
SECRET = bytes(range(32))
VAULT_PASSPHRASE = "load benchmark vault passphrase"
DETECT_CHUNK = 1_000
READ_BATCH = 5_000
MIB = 1024 * 1024


# ---- children: one phase each, "PROGRESS <records>" on stdout as they go ----------------------------------


def progress(records: int) -> None:
    print(f"PROGRESS {records}", flush=True)


def report_own_peak() -> None:
    """The child's exact peak RSS: the kernel's high-water mark (Linux reports kB, macOS bytes; Windows has
    no getrusage, psutil gives its peak working set)."""
    try:
        import resource
    except ImportError:
        import psutil

        peak = psutil.Process().memory_info().peak_wset
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(f"SELFPEAK {peak}", flush=True)


def child_generate(args: argparse.Namespace) -> None:
    from privdesk.core.synth.kinds import KIND_SPECS
    from privdesk.core.synth.pools import pools_for
    from privdesk.core.synth.template_sets import templates_for
    from privdesk.core.synth.values import ValueFactory

    spec = KIND_SPECS[args.kind]
    rng = random.Random(f"privdesk-load-bench/{args.kind}/{args.seed}")
    rows = spec.rows(ValueFactory(rng, pools_for("dev")), templates_for("dev", args.kind))
    with open(args.input, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(spec.roles))
        for index, row in enumerate(itertools.islice(rows, args.rows), start=1):
            writer.writerow([row.cells[name] for name in spec.roles])
            if index % 10_000 == 0:
                progress(index)
    progress(args.rows)
    report_own_peak()


def _roles(kind: str, text_columns: list[str]):
    from privdesk.core.synth.kinds import KIND_SPECS
    from privdesk.core.types import ColumnRole

    spec = KIND_SPECS[kind]
    identifiers = {name: role for name, role in spec.roles.items() if role.kind == "identifier"}
    unknown = set(text_columns) - set(spec.roles)
    if unknown:
        raise SystemExit(f"--text-columns: {', '.join(sorted(unknown))} not in the {kind} table "
                         f"({', '.join(spec.roles)})")
    with_text = {**identifiers, **{name: ColumnRole("text") for name in text_columns}}
    return with_text, identifiers


def _rows(path: Path, limit: int | None = None) -> Iterator[dict]:
    from privdesk.core.dataset import ReadOptions, iter_batches

    rows = (row for batch in iter_batches(path, ReadOptions(format="csv"), batch_rows=READ_BATCH)
            for row in batch.to_pylist())
    return itertools.islice(rows, limit) if limit is not None else rows


def _text_limit(args: argparse.Namespace, rows: int) -> int:
    return rows if args.text_rows == 0 else min(args.text_rows, rows)


def _spans_of_all(engine, args: argparse.Namespace, rows: Iterator[dict], total: int) -> Iterator[list]:
    """Spans per record: text and identifier columns for the first --text-rows records, identifiers after."""
    with_text, identifiers = _roles(args.kind, args.text_columns)
    text_limit = _text_limit(args, total)
    yield from engine.detect_records(itertools.islice(rows, text_limit), with_text, chunk_size=DETECT_CHUNK)
    if text_limit < total:
        yield from engine.detect_records(rows, identifiers, start_record=text_limit, chunk_size=DETECT_CHUNK)


def _engine(args: argparse.Namespace):
    from privdesk.core.detect import DetectionEngine, DetectionSettings

    return DetectionEngine(DetectionSettings(jobs=args.jobs))


def child_detect(args: argparse.Namespace) -> None:
    from privdesk.core.dataset import ReadOptions, inspect_dataset
    from privdesk.core.project import Project

    total = inspect_dataset(args.input, ReadOptions(format="csv")).num_rows
    with_text, _ = _roles(args.kind, args.text_columns)
    with Project.create(args.project) as project, _engine(args) as engine:
        project.set_dataset(args.input, format="csv", options={"format": "csv"}, num_rows=total)
        project.set_column_roles(with_text)
        run_id = project.start_detection_run({"start_record": 0, "fresh": True})
        chunk: list = []
        done = 0
        for spans in _spans_of_all(engine, args, _rows(args.input), total):
            chunk.extend(spans)
            done += 1
            if done % DETECT_CHUNK == 0:
                project.add_detections(chunk, run_id)
                chunk = []
                progress(done)
        project.add_detections(chunk, run_id)
        project.update_run(run_id, status="done", results={"records_done": done})
        progress(done)
        print(f"SPANS {project.detection_count()}", flush=True)
    report_own_peak()


def child_export(args: argparse.Namespace) -> None:
    from privdesk.core.mask import Policy, export_dataset
    from privdesk.core.mask.project_spans import review_summary, spans_to_mask
    from privdesk.core.project import Project

    with Project.open(args.project) as project:
        def counted() -> Iterator[list]:
            # export_dataset asks for each record's spans just before masking it: a record count in step.
            for done, spans in enumerate(spans_to_mask(project), start=1):
                if done % 10_000 == 0:
                    progress(done)
                yield spans

        summary = export_dataset(args.input, counted(), Policy("load benchmark"), SECRET, args.output,
                                 report_path=args.output.with_suffix(".report.html"),
                                 vault_path=args.output.with_suffix(".vault"), passphrase=VAULT_PASSPHRASE,
                                 project_id=project.project_id, review=review_summary(project))
    progress(summary.rows)
    print(f"REPLACED {summary.replacements}", flush=True)
    report_own_peak()


def child_naive(args: argparse.Namespace) -> None:
    """Everything in memory at once: the way a quick script would do it."""
    import pandas

    from privdesk.core.mask import Masker, Policy

    frame = pandas.read_csv(args.input, nrows=args.rows, dtype=str, keep_default_na=False)
    rows = frame.to_dict("records")
    progress(0)
    with _engine(args) as engine:
        all_spans = list(_spans_of_all(engine, args, iter(rows), len(rows)))
    progress(len(rows) // 2)
    masker = Masker(Policy("load benchmark"), SECRET)
    masked = []
    for record, (row, spans) in enumerate(zip(rows, all_spans)):
        cells = {name: str(row[name]) for name in row}
        changed = masker.mask_record(cells, spans, record=record) if spans else {}
        masked.append({name: changed[name].text if name in changed else value for name, value in row.items()})
    pandas.DataFrame(masked).to_csv(args.output, index=False)
    progress(len(rows))
    report_own_peak()


CHILDREN = {"generate": child_generate, "detect": child_detect, "export": child_export, "naive": child_naive}


# ---- the parent: run a child, sample its memory ------------------------------------------------------------


class TreeMemory:
    """Samples the RSS of a process and all its descendants every SAMPLE_EVERY_S seconds; keeps the peak."""

    def __init__(self, pid: int):
        import psutil

        self._process = psutil.Process(pid)
        self.peak = 0
        self.current = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> int:
        import psutil

        total = 0
        try:
            processes = [self._process, *self._process.children(recursive=True)]
        except psutil.Error:
            return self.current
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:  # a worker that just ended
                pass
        if total:
            self.current = total
            self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Phase:
    name: str
    records: int = 0
    seconds: float = 0.0
    peak: int = 0  # sampled, the whole process tree
    self_peak: int = 0  # the child's own high-water mark, exact
    checkpoints: list[tuple[int, int, int, float]] = field(default_factory=list)  # (records, peak, now, s)
    notes: list[str] = field(default_factory=list)


def mib(value: int) -> str:
    return f"{value / MIB:,.0f} MiB"


def run_phase(name: str, role: str, options: list[str], checkpoints: tuple[int, ...]) -> Phase:
    phase = Phase(name)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", role, *options]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    memory = TreeMemory(child.pid)
    pending = list(checkpoints)
    assert child.stdout is not None
    for line in child.stdout:
        word, _, value = line.strip().partition(" ")
        if word == "PROGRESS":
            phase.records = int(value)
            memory.sample()
            while pending and phase.records >= pending[0]:
                at = pending.pop(0)
                phase.checkpoints.append((at, memory.peak, memory.current, time.monotonic() - started))
                print(f"  {name:8s} after {at:>9,} records: peak RSS so far {mib(memory.peak):>10s} "
                      f"(now {mib(memory.current)}), {time.monotonic() - started:7.1f} s", flush=True)
        elif word == "SELFPEAK":
            phase.self_peak = int(value)
        elif word in ("SPANS", "REPLACED"):
            phase.notes.append(f"{word.lower()} {int(value):,}")
    code = child.wait()
    memory.stop()
    if code != 0:
        raise SystemExit(f"the {name} phase failed (exit {code})")
    phase.seconds = time.monotonic() - started
    phase.peak = memory.peak
    print(f"  {name:8s} done: {phase.records:,} records in {phase.seconds:.1f} s, peak RSS {mib(phase.peak)} "
          f"(process tree, sampled), {mib(phase.self_peak)} (main process, exact)"
          + (f"; {', '.join(phase.notes)}" if phase.notes else ""), flush=True)
    return phase


# ---- orchestration -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="records to generate, detect and export")
    parser.add_argument("--kind", default="transactions", choices=["notes", "tickets", "transactions", "chat"])
    parser.add_argument("--text-columns", default=None,
                        help="comma-separated free-text columns to detect in (default: the kind's main text "
                             "column; \"\" for identifier columns only)")
    parser.add_argument("--text-rows", type=int, default=100_000,
                        help="detect in the text columns of the first M records only (0: all records)")
    parser.add_argument("--jobs", type=int, default=None, help="detection processes (default: the app's default)")
    parser.add_argument("--naive-sizes", default="10000,100000",
                        help="sizes at which to run the all-in-memory comparison (those above --rows are skipped)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="where the files go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated and exported files")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.text_columns is None:
        from privdesk.core.synth.kinds import KIND_SPECS

        args.text_columns = KIND_SPECS[args.kind].text_column
    args.text_columns = [name.strip() for name in args.text_columns.split(",") if name.strip()]
    if args.jobs is None:
        from privdesk.core.detect import DetectionSettings

        args.jobs = DetectionSettings().jobs
    if args.rows < 1 or args.text_rows < 0 or args.jobs < 1:
        parser.error("--rows and --jobs must be at least 1, --text-rows at least 0")
    return args


def child_options(args: argparse.Namespace, **paths: Path | int) -> list[str]:
    options = ["--rows", str(args.rows), "--kind", args.kind, "--text-columns", ",".join(args.text_columns),
               "--text-rows", str(args.text_rows), "--jobs", str(args.jobs), "--seed", str(args.seed)]
    for name, value in paths.items():
        options[:0] = [f"--{name}", str(value)]
    return options


def describe(args: argparse.Namespace) -> None:
    import psutil

    text_limit = _text_limit(args, args.rows)
    print(f"PrivDesk load benchmark: {args.rows:,} {args.kind} records; {os.cpu_count()} CPU(s), "
          f"{psutil.virtual_memory().total / 1024**3:.1f} GiB RAM, Python {platform.python_version()}, "
          f"{args.jobs} detection process(es)")
    if args.text_columns:
        scope = "all records" if text_limit == args.rows else f"the first {text_limit:,} records"
        print(f"detection: identifier columns in all records; text column(s) {', '.join(args.text_columns)} "
              f"in {scope}" + ("" if text_limit == args.rows else
                               " (free-text detection runs at a few hundred records/s per core: a full pass "
                               "over 1M records takes about an hour on 2 cores; --text-rows 0 does it)"))
    else:
        print("detection: identifier columns only (--text-columns \"\")")
    print(f"RSS of each phase's process and its children, sampled every {SAMPLE_EVERY_S} s\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        CHILDREN[args.child](args)
        return 0
    describe(args)
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="privdesk-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    data, project, output = folder / "records.csv", folder / "records.privdesk", folder / "records.masked.csv"
    for stale in (project, project.with_name(project.name + ".key"), output):
        stale.unlink(missing_ok=True)
    checkpoints = tuple(sorted({size for size in CHECKPOINTS if size < args.rows} | {args.rows}))
    try:
        phases = [
            run_phase("generate", "generate", child_options(args, input=data), checkpoints),
            run_phase("detect", "detect", child_options(args, input=data, project=project), checkpoints),
            run_phase("export", "export", child_options(args, input=data, project=project, output=output), checkpoints),
        ]
        naive = []
        for size in sorted(int(size) for size in args.naive_sizes.split(",") if size.strip()):
            if size <= args.rows:
                sized = argparse.Namespace(**{**vars(args), "rows": size})
                naive.append(run_phase(f"naive {size // 1000}k", "naive",
                                       child_options(sized, input=data, output=folder / f"naive-{size}.csv"), ()))
        summarise(args, phases, naive, data)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def summarise(args: argparse.Namespace, phases: list[Phase], naive: list[Phase], data: Path) -> None:
    print(f"\nPeak RSS (MiB) by records processed; input file {data.stat().st_size / MIB:,.1f} MiB")
    sizes = sorted({at for phase in phases for at, *_ in phase.checkpoints})
    print(f"{'phase':22s}" + "".join(f"{size:>12,}" for size in sizes) + f"{'records/s':>12s}")
    for phase in phases:
        peaks = {at: peak for at, peak, _, _ in phase.checkpoints}
        print(f"{'streaming ' + phase.name:22s}" + "".join(f"{peaks.get(size, 0) / MIB:>12,.0f}" for size in sizes)
              + f"{phase.records / phase.seconds:>12,.0f}")
    for phase in naive:
        print(f"{phase.name + ' (all in memory)':22s}" + "".join(
            f"{phase.peak / MIB:>12,.0f}" if size == phase.records else f"{'':>12s}" for size in sizes)
            + f"{phase.records / phase.seconds:>12,.0f}")
    if len(naive) >= 2:
        small, large = naive[0], naive[-1]
        per_record = (large.peak - small.peak) / (large.records - small.records)
        print(f"all in memory: {(large.peak - small.peak) / MIB:+,.0f} MiB from {small.records:,} to {large.records:,} "
              f"records ({per_record / 1024:,.1f} KiB a record; at {args.rows:,} records about "
              f"{(small.peak + per_record * (args.rows - small.records)) / MIB:,.0f} MiB)")
    for phase in phases[1:]:
        if len(phase.checkpoints) < 2:
            continue
        first, last = phase.checkpoints[0], phase.checkpoints[-1]
        growth = (last[1] - first[1]) / MIB
        print(f"{phase.name}: peak {first[1] / MIB:,.0f} MiB after {first[0]:,} records, {last[1] / MIB:,.0f} MiB "
              f"after {last[0]:,} ({growth:+,.0f} MiB for {last[0] / first[0]:,.0f}x the records)")


if __name__ == "__main__":
    sys.exit(main())
