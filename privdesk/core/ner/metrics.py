"""Span-level precision and recall of a tagger against gold spans: exact boundaries and type."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def span_scores(gold: Sequence[Iterable[tuple]], predicted: Sequence[Iterable[tuple]]) -> dict[str, dict[str, float]]:
    """Per entity type and "ALL": tp, fp, fn, precision, recall, f1.

    gold[i] and predicted[i] hold the spans of text i as tuples starting (start, end, entity_type, ...).
    A prediction counts only when start, end and type all match a gold span.
    """
    counts: dict[str, list[int]] = {}
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        truth = {tuple(span[:3]) for span in gold_spans}
        found = {tuple(span[:3]) for span in predicted_spans}
        for span in truth | found:
            entry = counts.setdefault(span[2], [0, 0, 0])
            entry[0 if span in truth and span in found else (1 if span in found else 2)] += 1
    totals = [sum(entry[i] for entry in counts.values()) for i in range(3)]
    report = {entity: _ratios(*entry) for entity, entry in sorted(counts.items())}
    report["ALL"] = _ratios(*totals)
    return report


def _ratios(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4)}


def format_scores(report: dict[str, dict[str, float]]) -> str:
    """A fixed-width table for logs and the model README."""
    lines = [f"{'entity':<20} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}"]
    for entity, row in report.items():
        gold = int(row["tp"] + row["fn"])
        lines.append(f"{entity:<20} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {gold:>6}")
    return "\n".join(lines)
