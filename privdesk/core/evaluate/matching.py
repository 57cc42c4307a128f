"""Matching predicted spans to gold spans, and counting characters both cover.

Span level: a prediction and a gold span of the same record and column match when
  - "exact":   their offsets are equal;
  - "iou":     their character intersection-over-union is at least `min_iou` (0.9 by default);
  - "overlap": they share at least one character;
and, when typed, their entity types agree. Matching is one to one, greedy by IoU (highest first,
then by position), so one long prediction cannot be credited for two gold spans.

Character level: the characters of each cell that gold marks (per entity type when typed) against
those predictions mark. Masking works on characters, so this is what leaks when a detector gets a
span's edges wrong, and what span counts hide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

from privdesk.core.types import Span

MatchMode = Literal["exact", "iou", "overlap"]
MATCH_MODES: tuple[str, ...] = ("exact", "iou", "overlap")
DEFAULT_MIN_IOU = 0.9
F_BETA = 2.0  # recall weighs four times as much as precision: a missed name leaks, a false alarm costs a click


@dataclass(frozen=True)
class Scores:
    """Counts behind precision and recall: matched items, predicted items, gold items (spans or characters).

    With nothing predicted precision is 1 (no false alarm); with no gold, recall is 1 (nothing missed).
    """

    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    def f_beta(self, beta: float) -> float:
        p, r = self.precision, self.recall
        weight = beta * beta
        return (1 + weight) * p * r / (weight * p + r) if (weight * p + r) else 0.0

    @property
    def f1(self) -> float:
        return self.f_beta(1.0)

    @property
    def f2(self) -> float:
        return self.f_beta(F_BETA)

    def to_dict(self) -> dict[str, float | int]:
        return {"true_positives": self.true_positives, "predicted": self.predicted, "gold": self.gold,
                "precision": self.precision, "recall": self.recall, "f2": self.f2}

    def __add__(self, other: "Scores") -> "Scores":
        return Scores(self.true_positives + other.true_positives, self.predicted + other.predicted,
                      self.gold + other.gold)


def iou(a: Span, b: Span) -> float:
    """Character intersection over union of two ranges (0 when they are disjoint or both empty)."""
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union else 0.0


def _qualifies(g: Span, p: Span, mode: str, min_iou: float) -> float | None:
    """The pair's IoU when it counts as a match under `mode`, else None."""
    if mode == "exact":
        return 1.0 if (g.start, g.end) == (p.start, p.end) else None
    score = iou(g, p)
    if mode == "iou":
        return score if score >= min_iou else None
    if mode == "overlap":
        return score if g.start < p.end and p.start < g.end else None
    raise ValueError(f"unknown match mode {mode!r}; expected one of {', '.join(MATCH_MODES)}")


def cells(spans: Iterable[Span]) -> dict[tuple[int, str], list[int]]:
    """Indices of spans per (record, column)."""
    by_cell: dict[tuple[int, str], list[int]] = defaultdict(list)
    for index, span in enumerate(spans):
        by_cell[(span.record, span.column)].append(index)
    return by_cell


def match_spans(gold: Sequence[Span], pred: Sequence[Span], *, mode: str = "iou", typed: bool = True,
                min_iou: float = DEFAULT_MIN_IOU) -> list[tuple[int, int]]:
    """One-to-one (gold index, prediction index) pairs under `mode` (see the module docstring)."""
    if mode not in MATCH_MODES:
        raise ValueError(f"unknown match mode {mode!r}; expected one of {', '.join(MATCH_MODES)}")
    pred_cells = cells(pred)
    candidates: list[tuple[float, int, int]] = []
    for (record, column), gold_indices in cells(gold).items():
        pred_indices = pred_cells.get((record, column))
        if not pred_indices:
            continue
        for i in gold_indices:
            g = gold[i]
            for j in pred_indices:
                p = pred[j]
                if typed and p.entity_type != g.entity_type:
                    continue
                score = _qualifies(g, p, mode, min_iou)
                if score is not None:
                    candidates.append((-score, i, j))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    return pairs


def span_scores(gold: Sequence[Span], pred: Sequence[Span], *, mode: str = "iou", typed: bool = True,
                min_iou: float = DEFAULT_MIN_IOU) -> Scores:
    return Scores(len(match_spans(gold, pred, mode=mode, typed=typed, min_iou=min_iou)), len(pred), len(gold))


def per_entity_span_scores(gold: Sequence[Span], pred: Sequence[Span], pairs: Iterable[tuple[int, int]]) -> dict[str, Scores]:
    """Typed scores per entity type, from the pairs of a typed match (both sides of a pair share its type)."""
    matched: dict[str, int] = defaultdict(int)
    for i, _ in pairs:
        matched[gold[i].entity_type] += 1
    gold_counts: dict[str, int] = defaultdict(int)
    pred_counts: dict[str, int] = defaultdict(int)
    for span in gold:
        gold_counts[span.entity_type] += 1
    for span in pred:
        pred_counts[span.entity_type] += 1
    types = sorted(set(gold_counts) | set(pred_counts))
    return {entity: Scores(matched[entity], pred_counts[entity], gold_counts[entity]) for entity in types}


# ---- characters -----------------------------------------------------------------------------------------


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint intervals covering the same characters."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def covered_length(merged: Sequence[tuple[int, int]]) -> int:
    return sum(end - start for start, end in merged)


def intersection_length(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """Characters in both of two merged interval lists (a linear two-pointer walk)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += end - start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _char_sets(spans: Iterable[Span], typed: bool) -> dict[tuple, list[tuple[int, int]]]:
    raw: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for span in spans:
        key = (span.record, span.column, span.entity_type if typed else "")
        raw[key].append((span.start, span.end))
    return {key: merge_intervals(intervals) for key, intervals in raw.items()}


def character_scores(gold: Iterable[Span], pred: Iterable[Span], *, typed: bool) -> tuple[Scores, dict[str, Scores]]:
    """Character-level scores overall, and per entity type (typed: a character counts for a type only when
    gold and prediction give it that type; untyped: any prediction covering a gold character counts)."""
    gold_sets, pred_sets = _char_sets(gold, typed), _char_sets(pred, typed)
    tp: dict[str, int] = defaultdict(int)
    predicted: dict[str, int] = defaultdict(int)
    gold_total: dict[str, int] = defaultdict(int)
    for key, merged in gold_sets.items():
        gold_total[key[2]] += covered_length(merged)
        tp[key[2]] += intersection_length(merged, pred_sets.get(key, ()))
    for key, merged in pred_sets.items():
        predicted[key[2]] += covered_length(merged)
    per_type = {entity: Scores(tp[entity], predicted[entity], gold_total[entity])
                for entity in sorted(set(gold_total) | set(predicted))}
    overall = Scores(sum(tp.values()), sum(predicted.values()), sum(gold_total.values()))
    return overall, (per_type if typed else {})
