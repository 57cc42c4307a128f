"""Does the transformer tagger earn its place? Detection quality with and without it, on held-out templates.

    python bench/ner_contribution.py --rows 200          # the four kinds, heldout templates
    python bench/ner_contribution.py --min-score 0.9     # a stricter gap-filling threshold

Runs the detection engine (rules + spaCy) on synthetic data drawn from the *heldout* template set
(the tagger was trained on "dev" templates only) and compares, on text columns:
  rules + spaCy            the engine as it is;
  + tagger (resolver)      the tagger's spans as NER candidates in the engine's own resolver;
  + tagger (gaps)          the engine's spans plus the tagger's confident spans where it found nothing;
  tagger alone             the tagger by itself.
Until the engine builds TransformerRecognizer itself from DetectionSettings(use_transformer=True),
this script hands it to the engine through the hook the engine's optional transformer uses.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from detect_quality import evaluate  # noqa: E402

from privdesk.core.detect import DetectionEngine, DetectionSettings  # noqa: E402
from privdesk.core.detect.resolve import Candidate  # noqa: E402
from privdesk.core.ner.recognizer import TransformerRecognizer  # noqa: E402
from privdesk.core.synth import KINDS, generate_dataset  # noqa: E402
from privdesk.core.types import Span  # noqa: E402


class CandidateAdapter:
    """TransformerRecognizer's Presidio results as the engine's resolver candidates."""

    def __init__(self, recognizer: TransformerRecognizer, wanted: list[str]):
        self.recognizer = recognizer
        self.wanted = wanted
        self.seconds = 0.0
        self.texts = 0

    def analyze_batch(self, texts):
        started = time.perf_counter()
        results = self.recognizer.analyze_batch(list(texts), self.wanted)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return [[Candidate(r.start, r.end, r.entity_type, r.score, "TransformerNerRecognizer") for r in found]
                for found in results]


def run_engine(engine: DetectionEngine, datasets) -> tuple[list[Span], list[Span], float]:
    gold, pred, offset, seconds = [], [], 0, 0.0
    for data in datasets:
        rows = [{c: data.columns[c][i] for c in data.columns} for i in range(data.num_rows)]
        text_columns = {c for c, role in data.roles.items() if role.kind == "text"}
        started = time.perf_counter()
        found = [s for record in engine.detect_records(rows, data.roles) for s in record]
        seconds += time.perf_counter() - started
        shift = lambda s: Span(s.record + offset, s.column, s.start, s.end, s.entity_type, s.score, s.recognizer)  # noqa: E731
        gold += [shift(s) for s in data.spans if s.column in text_columns]
        pred += [shift(s) for s in found if s.column in text_columns]
        offset += data.num_rows
    return gold, pred, seconds


def tagger_alone(recognizer: TransformerRecognizer, datasets) -> tuple[list[Span], list[Span]]:
    gold, pred, offset = [], [], 0
    for data in datasets:
        for column, role in data.roles.items():
            if role.kind != "text":
                continue
            texts = [str(v) if v is not None else "" for v in data.columns[column]]
            for record, found in enumerate(recognizer.analyze_batch(texts)):
                pred += [Span(record + offset, column, r.start, r.end, r.entity_type, r.score) for r in found]
        gold += [Span(s.record + offset, s.column, s.start, s.end, s.entity_type)
                 for s in data.spans if data.roles[s.column].kind == "text"]
        offset += data.num_rows
    return gold, pred


def gap_fill(baseline: list[Span], tagger: list[Span], min_score: float) -> list[Span]:
    """The engine's spans plus the tagger's confident spans where the engine found nothing."""
    by_cell: dict[tuple[int, str], list[Span]] = {}
    for span in baseline:
        by_cell.setdefault((span.record, span.column), []).append(span)
    extra = [t for t in tagger if t.score >= min_score
             and not any(t.overlaps(b) for b in by_cell.get((t.record, t.column), ()))]
    return baseline + extra


def report(title: str, results: dict[str, dict]) -> None:
    names = list(results)
    print(f"\n== {title}")
    print(f"  {'':18s}" + "".join(f"{name:>28s}" for name in names))
    for key in ("typed", "untyped", "records"):
        row = "".join(f"P {r[key][0]:.3f} R {r[key][1]:.3f} F2 {r[key][2]:.3f}".rjust(28) for r in results.values())
        print(f"  {key + ' span' if key != 'records' else 'record any-PII':18s}{row}")
    print(f"  {'character recall':18s}" + "".join(f"{r['char_recall']:>28.3f}" for r in results.values()))
    print(f"  {'entity (P / R)':18s}" + "".join(f"{'':>28s}" for _ in names) + "   gold")
    entities = sorted({e for r in results.values() for e in r["per_entity"]})
    for entity in entities:
        cells = []
        for r in results.values():
            p, rec, _f2, gold, _pred = r["per_entity"].get(entity, (0.0, 0.0, 0.0, 0, 0))
            cells.append(f"{p:.3f} / {rec:.3f}".rjust(28))
        gold = max(r["per_entity"].get(entity, (0, 0, 0, 0, 0))[3] for r in results.values())
        print(f"  {entity:18s}" + "".join(cells) + f"   {gold}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200, help="records per kind (default 200)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--kinds", nargs="*", default=list(KINDS))
    parser.add_argument("--model", type=Path, default=None, help="tagger folder (default: the shipped one)")
    parser.add_argument("--min-score", type=float, default=0.8, help="gap filling: tagger spans at least this sure")
    args = parser.parse_args(argv)

    datasets = [generate_dataset(kind, args.rows, seed=args.seed, template_set="heldout") for kind in args.kinds]
    records = sum(d.num_rows for d in datasets)
    baseline_engine = DetectionEngine(DetectionSettings())
    gold, baseline, baseline_s = run_engine(baseline_engine, datasets)
    baseline_engine.close()

    recognizer = TransformerRecognizer(args.model)
    started = time.perf_counter()
    tagger_gold, tagger = tagger_alone(recognizer, datasets)
    tagger_s = time.perf_counter() - started
    assert sorted(tagger_gold) == sorted(Span(s.record, s.column, s.start, s.end, s.entity_type) for s in gold)

    engine = DetectionEngine(DetectionSettings())
    engine.load()
    wanted = [e for e in recognizer.supported_entities if engine.settings.wants(e)]
    adapter = CandidateAdapter(recognizer, wanted)
    engine._transformer = adapter  # the engine's hook for a second NER model (see engine._run_ner)
    _, resolved, resolved_s = run_engine(engine, datasets)
    engine.close()

    report(f"text columns, {records} records, heldout templates", {
        "rules + spaCy": evaluate(gold, baseline, records),
        "+ tagger (resolver)": evaluate(gold, resolved, records),
        f"+ tagger (gaps, >={args.min_score})": evaluate(gold, gap_fill(baseline, tagger, args.min_score), records),
        "tagger alone": evaluate(gold, tagger, records),
    })
    texts = sum(1 for d in datasets for c, role in d.roles.items() if role.kind == "text" for _ in d.columns[c])
    print(f"\n  engine: {baseline_s:.1f} s without the tagger, {resolved_s:.1f} s with it in the resolver; "
          f"tagger alone: {texts / tagger_s:.0f} texts/s ({texts} texts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
