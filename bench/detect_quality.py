"""Detection quality on synthetic data with gold spans: precision, recall and F2, per entity and overall.

    python bench/detect_quality.py --rows 500                 # the four kinds, held-out templates
    python bench/detect_quality.py --templates dev --errors 30 # error analysis: use dev, never heldout

Measures, over text and identifier columns together (and text columns alone):
  span level, typed and untyped: a prediction matches a gold span of the same record and column when
      their character IoU is at least 0.9 (typed: and the entity types agree); one-to-one matching;
  per entity: typed precision / recall / F2;
  record level: "does this record contain PII at all" precision / recall;
  character level: the share of gold PII characters that some prediction covers (what masking leaks).
F2 weighs recall four times as much as precision: a missed name leaks, a false alarm costs a click.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privdesk.core.detect import DetectionEngine, DetectionSettings  # noqa: E402
from privdesk.core.synth import KINDS, generate_dataset  # noqa: E402
from privdesk.core.types import Span  # noqa: E402


def iou(a: Span, b: Span) -> float:
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union else 0.0


def match(gold: list[Span], pred: list[Span], typed: bool, min_iou: float = 0.9) -> tuple[set[int], set[int]]:
    """Indices of matched gold and predicted spans, greedy by IoU, one to one."""
    by_cell: dict[tuple[int, str], list[int]] = defaultdict(list)
    for j, p in enumerate(pred):
        by_cell[(p.record, p.column)].append(j)
    pairs = []
    for i, g in enumerate(gold):
        for j in by_cell.get((g.record, g.column), ()):
            p = pred[j]
            if typed and p.entity_type != g.entity_type:
                continue
            score = iou(g, p)
            if score >= min_iou:
                pairs.append((score, i, j))
    matched_gold, matched_pred = set(), set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in matched_gold and j not in matched_pred:
            matched_gold.add(i)
            matched_pred.add(j)
    return matched_gold, matched_pred


def prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> tuple[float, float, float]:
    p = tp_pred / n_pred if n_pred else 1.0
    r = tp_gold / n_gold if n_gold else 1.0
    f2 = 5 * p * r / (4 * p + r) if (4 * p + r) else 0.0
    return p, r, f2


def char_recall(gold: list[Span], pred: list[Span]) -> float:
    covered: dict[tuple[int, str], set[int]] = defaultdict(set)
    for p in pred:
        covered[(p.record, p.column)].update(range(p.start, p.end))
    total = hit = 0
    for g in gold:
        cells = covered.get((g.record, g.column), set())
        for k in range(g.start, g.end):
            total += 1
            hit += k in cells
    return hit / total if total else 1.0


def evaluate(gold: list[Span], pred: list[Span], records: int) -> dict:
    out: dict = {}
    for typed in (True, False):
        mg, mp = match(gold, pred, typed)
        out["typed" if typed else "untyped"] = prf(len(mp), len(pred), len(mg), len(gold))
    mg, mp = match(gold, pred, True)
    per_entity = {}
    for entity in sorted({s.entity_type for s in gold} | {s.entity_type for s in pred}):
        gi = [i for i, g in enumerate(gold) if g.entity_type == entity]
        pj = [j for j, p in enumerate(pred) if p.entity_type == entity]
        per_entity[entity] = (*prf(sum(j in mp for j in pj), len(pj), sum(i in mg for i in gi), len(gi)), len(gi), len(pj))
    out["per_entity"] = per_entity
    gold_records = {g.record for g in gold}
    pred_records = {p.record for p in pred}
    tp = len(gold_records & pred_records)
    out["records"] = prf(tp, len(pred_records), tp, len(gold_records))
    out["char_recall"] = char_recall(gold, pred)
    return out


def print_report(title: str, result: dict) -> None:
    print(f"\n== {title}")
    for key in ("typed", "untyped"):
        p, r, f2 = result[key]
        print(f"  span {key:8s} P {p:6.3f}  R {r:6.3f}  F2 {f2:6.3f}")
    p, r, f2 = result["records"]
    print(f"  record any-PII  P {p:6.3f}  R {r:6.3f}  F2 {f2:6.3f}")
    print(f"  character-level PII recall {result['char_recall']:.3f}")
    print(f"  {'entity':20s} {'P':>6s} {'R':>6s} {'F2':>6s} {'gold':>6s} {'pred':>6s}")
    for entity, (p, r, f2, n_gold, n_pred) in result["per_entity"].items():
        print(f"  {entity:20s} {p:6.3f} {r:6.3f} {f2:6.3f} {n_gold:6d} {n_pred:6d}")


def show_errors(data, gold: list[Span], pred: list[Span], limit: int) -> None:
    mg, mp = match(gold, pred, True)
    def text_of(s: Span) -> str:
        return str(data.columns[s.column][s.record])[s.start:s.end]
    missed = [g for i, g in enumerate(gold) if i not in mg]
    false = [p for j, p in enumerate(pred) if j not in mp]
    print(f"  -- {len(missed)} missed gold spans (first {limit}):")
    for g in missed[:limit]:
        near = [p for p in pred if p.record == g.record and p.column == g.column and p.start < g.end and g.start < p.end]
        print(f"     {g.entity_type:14s} {text_of(g)!r}  predicted: {[(p.entity_type, text_of(p)) for p in near]}")
    print(f"  -- {len(false)} unmatched predictions (first {limit}):")
    for p in false[:limit]:
        print(f"     {p.entity_type:14s} {text_of(p)!r} ({p.recognizer}, {p.score})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500, help="records per kind (default 500)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--templates", default="heldout", help="template set: heldout (report) or dev (error analysis)")
    parser.add_argument("--kinds", nargs="*", default=list(KINDS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--transformer", action="store_true", help="add the shipped MiniLM tagger as a gap filler")
    parser.add_argument("--errors", type=int, default=0, help="print this many misses and false alarms per kind")
    args = parser.parse_args(argv)

    engine = DetectionEngine(DetectionSettings(jobs=args.jobs, use_transformer=args.transformer))
    all_gold: list[Span] = []
    all_pred: list[Span] = []
    text_gold: list[Span] = []
    text_pred: list[Span] = []
    offset = 0
    for kind in args.kinds:
        data = generate_dataset(kind, args.rows, seed=args.seed, template_set=args.templates)
        rows = [{c: data.columns[c][i] for c in data.columns} for i in range(data.num_rows)]
        started = time.perf_counter()
        pred = [s for record in engine.detect_records(rows, data.roles) for s in record]
        elapsed = time.perf_counter() - started
        gold = list(data.spans)
        result = evaluate(gold, pred, data.num_rows)
        print_report(f"{kind} ({data.num_rows} records, {args.templates} templates, {elapsed:.1f} s)", result)
        if args.errors:
            show_errors(data, gold, pred, args.errors)
        text_columns = {c for c, role in data.roles.items() if role.kind == "text"}
        shift = lambda s: Span(s.record + offset, s.column, s.start, s.end, s.entity_type, s.score, s.recognizer)  # noqa: E731
        all_gold += [shift(s) for s in gold]
        all_pred += [shift(s) for s in pred]
        text_gold += [shift(s) for s in gold if s.column in text_columns]
        text_pred += [shift(s) for s in pred if s.column in text_columns]
        offset += data.num_rows
    print_report(f"ALL kinds ({offset} records)", evaluate(all_gold, all_pred, offset))
    print_report("ALL kinds, text columns only", evaluate(text_gold, text_pred, offset))
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
