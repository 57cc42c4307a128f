"""The Evaluate charts: each function returns a matplotlib Figure built with the object-oriented API.

No pyplot, no global state: the GUI wraps a figure in FigureCanvasQTAgg, the report saves it as a
PNG (figure_png, without metadata) or a PDF page. Charts show entity types, counts and rates, and
name canaries by number: no data value ever reaches a chart.
"""

from __future__ import annotations

import io
import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from privdesk.core.evaluate.detection import ConfusionMatrix, DetectionQuality, ThresholdSweep
from privdesk.core.evaluate.leakage import ExposureResult, MembershipResult
from privdesk.core.evaluate.models import ModelEvaluation
from privdesk.core.evaluate.residual import ResidualReport

METRIC_COLOURS = {"precision": "#4c72b0", "recall": "#dd8452", "f2": "#55a868"}
RUN_COLOURS = {"dp": "#4c72b0", "non-private": "#c44e52", "base": "#8c8c8c"}


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _empty(figure: Figure, message: str) -> Figure:
    axes = figure.add_subplot()
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes, color="#59636e")
    axes.set_axis_off()
    return figure


def per_entity_chart(quality: DetectionQuality) -> Figure:
    """Precision, recall and F2 per entity type (typed, span level), with the gold count under each bar group."""
    entities = list(quality.per_entity)
    figure = _figure(max(6.0, 0.55 * len(entities) + 2.5), 4.2)
    if not entities:
        return _empty(figure, "No gold spans and no predictions")
    axes = figure.add_subplot()
    positions = np.arange(len(entities))
    width = 0.27
    for offset, metric in zip((-width, 0.0, width), ("precision", "recall", "f2")):
        values = [getattr(quality.per_entity[e].span, metric) for e in entities]
        axes.bar(positions + offset, values, width, label=metric.upper() if metric == "f2" else metric,
                 color=METRIC_COLOURS[metric])
    axes.set_xticks(positions, [f"{e}\n(n={quality.per_entity[e].span.gold})" for e in entities], rotation=45,
                    ha="right", fontsize=8)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("score")
    axes.set_title(f"Detection quality per entity type ({quality.mode} match, typed)")
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    return figure


def threshold_sweep_chart(sweep: ThresholdSweep, current: float | None = None) -> Figure:
    """Precision, recall and F2 against the confidence threshold; `current` marks the threshold in use."""
    figure = _figure(6.5, 4.0)
    axes = figure.add_subplot()
    axes.plot(sweep.thresholds, sweep.precision, marker="o", markersize=3, label="precision",
              color=METRIC_COLOURS["precision"])
    axes.plot(sweep.thresholds, sweep.recall, marker="o", markersize=3, label="recall", color=METRIC_COLOURS["recall"])
    axes.plot(sweep.thresholds, sweep.f2, linestyle="--", label="F2", color=METRIC_COLOURS["f2"])
    best = sweep.best_f2_threshold()
    axes.axvline(best, color=METRIC_COLOURS["f2"], alpha=0.4, linewidth=1)
    axes.annotate(f"best F2 at {best:.2f}", (best, 1.0), fontsize=8, color="#2d5a37", xytext=(4, -2),
                  textcoords="offset points", va="top")
    if current is not None:
        axes.axvline(current, color="black", linewidth=1, linestyle=":", label=f"threshold in use ({current:.2f})")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.05)
    axes.set_xlabel("confidence threshold (predictions scoring at least this are kept)")
    axes.set_ylabel("score")
    axes.set_title(f"Threshold sweep ({sweep.mode} match, {'typed' if sweep.typed else 'untyped'})")
    axes.legend(fontsize=8, loc="lower left")
    axes.grid(alpha=0.3)
    return figure


def confusion_matrix_chart(confusion: ConfusionMatrix) -> Figure:
    """Gold entity types (rows) against the predicted types that matched them (columns), counts annotated."""
    size = len(confusion.labels)
    figure = _figure(max(5.0, 0.5 * size + 2.5), max(4.0, 0.45 * size + 2.0))
    if confusion.counts.sum() == 0:
        return _empty(figure, "Nothing to compare")
    axes = figure.add_subplot()
    shown = np.log1p(confusion.counts)  # one large type should not wash out the rest
    axes.imshow(shown, cmap="Blues", aspect="auto")
    for row in range(size):
        for column in range(size):
            count = int(confusion.counts[row, column])
            if count:
                colour = "white" if shown[row, column] > shown.max() * 0.6 else "black"
                axes.text(column, row, f"{count:,}", ha="center", va="center", fontsize=7, color=colour)
    axes.set_xticks(range(size), confusion.labels, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(size), confusion.labels, fontsize=8)
    axes.set_xlabel("predicted type ((none): missed)")
    axes.set_ylabel("gold type ((none): false alarm)")
    axes.set_title("Entity type confusion (untyped match)")
    return figure


def residual_chart(report: ResidualReport) -> Figure:
    """Original values left in the export per type (must be none) beside detector findings per type."""
    figure = _figure(7.0, 3.8)
    axes_hits, axes_findings = figure.subplots(1, 2)
    for axes, counts, title, colour in ((axes_hits, report.hits_by_type, "Original values left (must be 0)", "#c44e52"),
                                        (axes_findings, report.findings_by_type, "Detector findings (judge them)",
                                         "#4c72b0")):
        if counts:
            labels = list(counts)
            axes.barh(range(len(labels)), [counts[label] for label in labels], color=colour)
            axes.set_yticks(range(len(labels)), labels, fontsize=8)
            axes.invert_yaxis()
        else:
            axes.text(0.5, 0.5, "none", ha="center", va="center", transform=axes.transAxes, fontsize=12,
                      color="#2d5a37" if axes is axes_hits else "#59636e")
            axes.set_yticks([])
        axes.set_title(title, fontsize=10)
        axes.set_xlabel("occurrences")
    return figure


def exposure_chart(exposure: ExposureResult, title: str = "") -> Figure:
    """Exposure per canary (by number) against the maximum log2|R| and the ~1.4 bits of a canary never seen."""
    count = len(exposure.canaries)
    figure = _figure(max(5.0, 0.4 * count + 3.0), 3.8)
    axes = figure.add_subplot()
    numbers = np.arange(1, count + 1)
    values = [c.exposure for c in exposure.canaries]
    axes.bar(numbers, values, color="#8172b3", label="exposure")
    axes.axhline(exposure.max_exposure, color="#c44e52", linestyle="--", linewidth=1,
                 label=f"maximum log2|R| = {exposure.max_exposure:.1f} bits (memorised)")
    axes.axhline(1 / math.log(2), color="#59636e", linestyle=":", linewidth=1, label="expected if never seen (1.44 bits)")
    axes.set_ylim(0, exposure.max_exposure * 1.4)  # room for the legend above the maximum
    axes.set_xticks(numbers, [str(n) for n in numbers], fontsize=8)
    axes.set_xlabel("canary")
    axes.set_ylabel("exposure (bits)")
    axes.set_title(title or f"Canary exposure ({exposure.method}, |R| = {exposure.candidate_space:,})")
    axes.legend(fontsize=8, loc="upper right")
    return figure


def roc_chart(membership: MembershipResult, title: str = "") -> Figure:
    """The loss-threshold attack's ROC curve, linear and log-log side by side (low FPR is where privacy lives)."""
    figure = _figure(9.0, 4.0)
    linear, logarithmic = figure.subplots(1, 2)
    label = f"AUC {membership.auc:.3f}"
    linear.plot(membership.fpr, membership.tpr, color="#4c72b0", label=label)
    linear.plot([0, 1], [0, 1], color="#8c8c8c", linestyle=":", label="chance")
    linear.set_xlim(0, 1)
    linear.set_ylim(0, 1)
    linear.set_title("ROC (linear)", fontsize=10)
    floor = min(membership.lowest_measurable_fpr, 1e-3) / 2
    fpr = np.clip(membership.fpr, floor, 1)
    tpr = np.clip(membership.tpr, floor, 1)
    logarithmic.plot(fpr, tpr, color="#4c72b0", label=label)
    logarithmic.plot([floor, 1], [floor, 1], color="#8c8c8c", linestyle=":", label="chance")
    logarithmic.set_xscale("log")
    logarithmic.set_yscale("log")
    logarithmic.set_xlim(floor, 1)
    logarithmic.set_ylim(floor, 1)
    logarithmic.axvline(membership.lowest_measurable_fpr, color="#dd8452", linewidth=1, linestyle="--",
                        label="1 / held-out records")
    logarithmic.set_title("ROC (log-log)", fontsize=10)
    for axes in (linear, logarithmic):
        axes.set_xlabel("false positive rate")
        axes.set_ylabel("true positive rate")
        axes.legend(fontsize=8, loc="lower right")
        axes.grid(alpha=0.3, which="both")
    figure.suptitle(title or "Membership inference (loss threshold)")
    return figure


def privacy_utility_chart(results: Sequence[ModelEvaluation]) -> Figure:
    """ε against held-out perplexity across runs; each point labelled with its highest exposure and MIA AUC.

    Non-private runs have no ε: they sit at the right edge (ε = ∞). Base models are drawn as
    horizontal lines (no training, no ε).
    """
    figure = _figure(7.0, 4.3)
    runs = [r for r in results if r.kind == "run" and r.perplexity is not None]
    bases = [r for r in results if r.kind == "base" and r.perplexity is not None]
    if not runs and not bases:
        return _empty(figure, "No perplexity measured")
    axes = figure.add_subplot()
    finite = [r.epsilon for r in runs if r.dp and r.epsilon is not None and math.isfinite(r.epsilon)]
    infinity_at = (max(finite) * 2 if finite else 10.0)
    for result in runs:
        private = bool(result.dp) and result.epsilon is not None
        x = result.epsilon if private else infinity_at
        colour = RUN_COLOURS["dp"] if private else RUN_COLOURS["non-private"]
        axes.scatter([x], [result.perplexity.perplexity], s=60, color=colour, marker="o" if private else "s",
                     zorder=3)
        facts = [result.name]
        if result.exposure is not None:
            facts.append(f"exposure {result.exposure.highest_exposure:.1f}/{result.exposure.max_exposure:.0f}")
        if result.membership is not None:
            facts.append(f"AUC {result.membership.auc:.2f}")
        axes.annotate("\n".join(facts), (x, result.perplexity.perplexity), fontsize=7, xytext=(6, 4),
                      textcoords="offset points")
    for result in bases:
        axes.axhline(result.perplexity.perplexity, color=RUN_COLOURS["base"], linestyle="--", linewidth=1)
        axes.annotate(result.label, (0.01, result.perplexity.perplexity), xycoords=("axes fraction", "data"),
                      fontsize=7, color="#59636e", xytext=(0, 3), textcoords="offset points")
    if any(not (r.dp and r.epsilon is not None) for r in runs):
        axes.axvline(infinity_at, color=RUN_COLOURS["non-private"], alpha=0.3, linewidth=6)
        axes.annotate("ε = ∞ (non-private)", (infinity_at, 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                      ha="center", va="bottom", color=RUN_COLOURS["non-private"])
    if finite and min(finite) > 0 and infinity_at / min(finite) > 20:
        axes.set_xscale("log")
    else:
        axes.set_xlim(left=0, right=infinity_at * 1.15)
    axes.set_xlabel("ε (privacy budget spent; smaller is more private)")
    axes.set_ylabel("held-out perplexity (lower is better)")
    axes.set_title("Privacy against utility")
    axes.grid(alpha=0.3)
    return figure


def figure_png(figure: Figure, *, dpi: int = 110) -> bytes:
    """The figure as PNG bytes with no text chunks: not even the software name."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
