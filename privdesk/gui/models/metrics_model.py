"""Read-only tables of evaluation numbers for the Evaluate tab, and the rows each table shows.

`MetricsModel` is one generic table (headers and rows of plain values); the functions below turn
core results (privdesk.core.evaluate) into those rows. Numbers keep their raw value under
Qt.UserRole so a QSortFilterProxyModel sorts them as numbers, and display with a fixed precision.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from privdesk.core.evaluate import DetectionQuality, ModelEvaluation, ResidualReport

_ModelIndex = QModelIndex | QPersistentModelIndex
MISSING = "\u2014"  # what a cell without a number shows

Row = Sequence[Any]


def format_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


class MetricsModel(QAbstractTableModel):
    """A table of values set all at once with set_table(headers, rows)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[list[Any]] = []

    def set_table(self, headers: Sequence[str], rows: Sequence[Row]) -> None:
        if any(len(row) != len(headers) for row in rows):
            raise ValueError("every row needs one value per header")
        self.beginResetModel()
        self._headers = list(headers)
        self._rows = [list(row) for row in rows]
        self.endResetModel()

    def clear(self) -> None:
        self.set_table([], [])

    @property
    def headers(self) -> list[str]:
        return list(self._headers)

    def row_values(self, row: int) -> list[Any]:
        return list(self._rows[row])

    def column_values(self, header: str) -> list[Any]:
        column = self._headers.index(header)
        return [row[column] for row in self._rows]

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._headers):
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return section + 1

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


# ---- rows of each table -----------------------------------------------------------------------------------

DETECTION_HEADERS = ("entity type", "gold", "predicted", "matched", "precision", "recall", "F2", "char F2")


def detection_rows(quality: DetectionQuality) -> list[list[Any]]:
    """One row per entity type (typed span scores under the chosen match mode), then the overall row."""
    rows = []
    for entity, entity_quality in sorted(quality.per_entity.items()):
        scores = entity_quality.span
        rows.append([entity, scores.gold, scores.predicted, scores.true_positives, scores.precision, scores.recall,
                     scores.f2, entity_quality.chars.f2])
    overall = quality.overall
    chars = quality.chars.get(True)
    rows.append(["all types", overall.gold, overall.predicted, overall.true_positives, overall.precision,
                 overall.recall, overall.f2, chars.f2 if chars is not None else None])
    return rows


def residual_headers(show_values: bool) -> tuple[str, ...]:
    return ("kind", "record", "column", "offsets", "entity type", "score", "recognizer") + (
        ("value",) if show_values else ())


def residual_rows(report: ResidualReport, show_values: bool) -> list[list[Any]]:
    """Original values left in the export (must be none), then the detector's new findings.

    Records are numbered from 1, as everywhere in the GUI. Values appear only when asked for and when
    the scan kept them."""
    rows: list[list[Any]] = []
    for hit in report.hits:
        row = ["original value left", hit.record + 1, hit.column, f"{hit.start}\u2013{hit.end}", hit.entity_type,
               None, ""]
        rows.append(row + ([hit.value] if show_values else []))
    for finding in report.findings or []:
        row = ["detector finding", finding.record + 1, finding.column, f"{finding.start}\u2013{finding.end}",
               finding.entity_type, finding.score, finding.recognizer]
        rows.append(row + ([finding.value] if show_values else []))
    return rows


MODEL_HEADERS = ("model", "DP", "\u03b5", "perplexity", "highest exposure (bits)", "max possible (bits)",
                 "membership AUC", "TPR at 1% FPR", "PII extracted", "training PII values")


def model_rows(models: Sequence[ModelEvaluation]) -> list[list[Any]]:
    rows = []
    for model in models:
        exposure, membership, extraction = model.exposure, model.membership, model.extraction
        rows.append([
            model.label,
            None if model.kind == "base" else bool(model.dp),
            model.epsilon,
            model.perplexity.perplexity if model.perplexity else None,
            exposure.highest_exposure if exposure else None,
            exposure.max_exposure if exposure else None,
            membership.auc if membership else None,
            membership.tpr_at_fpr.get(0.01) if membership else None,
            extraction.extracted if extraction else None,
            extraction.training_pii if extraction else None,
        ])
    return rows
