"""Detection quality: precision, recall and F2 per entity type and overall, a threshold sweep, a confusion matrix.

    quality = evaluate_detection(gold_spans, predicted_spans, mode="iou")
    quality.span[("iou", True)].f2, quality.per_entity["PERSON"].span.recall, quality.sweep.recall

Gold is what the analyst decided (see gold.py) or an imported gold file. Everything here works on
offsets and entity types only; no text is needed or kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from privdesk.core.evaluate.matching import (
    DEFAULT_MIN_IOU,
    MATCH_MODES,
    Scores,
    character_scores,
    match_spans,
    per_entity_span_scores,
)
from privdesk.core.types import Span

DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(round(0.05 * step, 2) for step in range(21))
NONE_LABEL = "(none)"  # the confusion matrix's row for false alarms and column for misses


@dataclass(frozen=True)
class EntityQuality:
    """One entity type: typed span scores (under the chosen match mode) and typed character scores."""

    span: Scores
    chars: Scores


@dataclass(frozen=True)
class ThresholdSweep:
    """Span-level precision, recall and F2 when only predictions scoring at least each threshold are kept."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f2: np.ndarray
    predicted: np.ndarray  # predictions kept at each threshold
    typed: bool
    mode: str

    def best_f2_threshold(self) -> float:
        """The lowest threshold with the highest F2 (lowest, because ties favour recall)."""
        return float(self.thresholds[int(np.argmax(self.f2))])

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "typed": self.typed, "thresholds": self.thresholds.tolist(),
                "precision": self.precision.tolist(), "recall": self.recall.tolist(), "f2": self.f2.tolist(),
                "predicted": self.predicted.tolist()}


@dataclass(frozen=True)
class ConfusionMatrix:
    """counts[i, j]: gold spans of labels[i] matched (untyped) by predictions of labels[j].

    The last label is NONE_LABEL: its row counts false alarms by predicted type, its column misses by gold type.
    """

    labels: tuple[str, ...]
    counts: np.ndarray

    def count(self, gold_type: str, predicted_type: str) -> int:
        return int(self.counts[self.labels.index(gold_type), self.labels.index(predicted_type)])

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "counts": self.counts.tolist()}


@dataclass
class DetectionQuality:
    """Everything the Evaluate tab shows about detection. `span` is keyed by (match mode, typed)."""

    mode: str
    min_iou: float
    span: dict[tuple[str, bool], Scores]
    chars: dict[bool, Scores]  # keyed by typed
    per_entity: dict[str, EntityQuality]
    sweep: ThresholdSweep
    confusion: ConfusionMatrix
    records: int | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def overall(self) -> Scores:
        """Typed span scores under the chosen match mode: the headline number."""
        return self.span[(self.mode, True)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "records": self.records, "mode": self.mode, "min_iou": self.min_iou,
            "span": {f"{mode} {'typed' if typed else 'untyped'}": scores.to_dict()
                     for (mode, typed), scores in self.span.items()},
            "chars": {("typed" if typed else "untyped"): scores.to_dict() for typed, scores in self.chars.items()},
            "per_entity": {entity: {"span": quality.span.to_dict(), "chars": quality.chars.to_dict()}
                           for entity, quality in self.per_entity.items()},
            "sweep": self.sweep.to_dict(), "confusion": self.confusion.to_dict(), "notes": list(self.notes),
        }


def threshold_sweep(gold: Sequence[Span], pred: Sequence[Span], thresholds: Sequence[float] = DEFAULT_THRESHOLDS, *,
                    mode: str = "iou", typed: bool = True, min_iou: float = DEFAULT_MIN_IOU) -> ThresholdSweep:
    """Precision and recall against the confidence threshold (predictions with score >= threshold are kept).

    Matching is redone at each threshold, because dropping a prediction can free a gold span for another.
    """
    levels = np.array(sorted(float(t) for t in thresholds), dtype=np.float64)
    precision, recall, f2, kept = [], [], [], []
    for level in levels:
        chosen = [span for span in pred if span.score >= level]
        scores = Scores(len(match_spans(gold, chosen, mode=mode, typed=typed, min_iou=min_iou)), len(chosen), len(gold))
        precision.append(scores.precision)
        recall.append(scores.recall)
        f2.append(scores.f2)
        kept.append(len(chosen))
    return ThresholdSweep(levels, np.array(precision), np.array(recall), np.array(f2), np.array(kept, dtype=np.int64),
                          typed, mode)


def confusion_matrix(gold: Sequence[Span], pred: Sequence[Span], *, mode: str = "iou",
                     min_iou: float = DEFAULT_MIN_IOU) -> ConfusionMatrix:
    """Entity types of gold spans against those of the predictions that match them regardless of type."""
    pairs = match_spans(gold, pred, mode=mode, typed=False, min_iou=min_iou)
    labels = tuple(sorted({span.entity_type for span in gold} | {span.entity_type for span in pred})) + (NONE_LABEL,)
    index = {label: position for position, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    matched_gold, matched_pred = set(), set()
    for i, j in pairs:
        counts[index[gold[i].entity_type], index[pred[j].entity_type]] += 1
        matched_gold.add(i)
        matched_pred.add(j)
    none = index[NONE_LABEL]
    for i, span in enumerate(gold):
        if i not in matched_gold:
            counts[index[span.entity_type], none] += 1
    for j, span in enumerate(pred):
        if j not in matched_pred:
            counts[none, index[span.entity_type]] += 1
    return ConfusionMatrix(labels, counts)


def evaluate_detection(gold: Sequence[Span], pred: Sequence[Span], *, mode: str = "iou",
                       min_iou: float = DEFAULT_MIN_IOU, thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                       records: int | None = None, source: str = "") -> DetectionQuality:
    """Score `pred` against `gold` (flat lists of spans over the same records): every match mode typed and
    untyped, characters typed and untyped, per entity type (under `mode`), a threshold sweep and a confusion matrix."""
    if mode not in MATCH_MODES:
        raise ValueError(f"unknown match mode {mode!r}; expected one of {', '.join(MATCH_MODES)}")
    gold, pred = list(gold), list(pred)
    span: dict[tuple[str, bool], Scores] = {}
    typed_pairs: list[tuple[int, int]] = []
    for each_mode in MATCH_MODES:
        for typed in (True, False):
            pairs = match_spans(gold, pred, mode=each_mode, typed=typed, min_iou=min_iou)
            span[(each_mode, typed)] = Scores(len(pairs), len(pred), len(gold))
            if each_mode == mode and typed:
                typed_pairs = pairs
    chars_typed, chars_per_entity = character_scores(gold, pred, typed=True)
    chars_untyped, _ = character_scores(gold, pred, typed=False)
    span_per_entity = per_entity_span_scores(gold, pred, typed_pairs)
    per_entity = {entity: EntityQuality(scores, chars_per_entity.get(entity, Scores(0, 0, 0)))
                  for entity, scores in span_per_entity.items()}
    return DetectionQuality(
        mode=mode, min_iou=min_iou, span=span, chars={True: chars_typed, False: chars_untyped}, per_entity=per_entity,
        sweep=threshold_sweep(gold, pred, thresholds, mode=mode, typed=True, min_iou=min_iou),
        confusion=confusion_matrix(gold, pred, mode=mode, min_iou=min_iou), records=records, source=source)


def flatten(spans_by_record: Sequence[Sequence[Span]]) -> list[Span]:
    return [span for spans in spans_by_record for span in spans]
