"""The whole evaluation, and putting it together from a project, run folders and files.

    evaluation = evaluate_project(project, export_path="notes.masked.csv", engine=engine)
    write_report(evaluation, "evaluation.html")

`Evaluation` is what the report renders and the Evaluate tab shows: detection quality, residual
PII, and one ModelEvaluation per run and per base model, with the policy, the audit report and the
model cards. Every part is optional; the report says which parts were not measured and why.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from privdesk.core.evaluate.detection import DetectionQuality, evaluate_detection
from privdesk.core.evaluate.gold import gold_from_project
from privdesk.core.evaluate.leakage import PiiFinder
from privdesk.core.evaluate.matching import DEFAULT_MIN_IOU
from privdesk.core.evaluate.models import LeakageOptions, ModelEvaluation, evaluate_runs
from privdesk.core.evaluate.residual import ResidualReport, accepted_values_from_project, original_values, scan_export
from privdesk.core.evaluate.runs import TrainingRun, project_run_folders, read_training_run
from privdesk.core.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

AUDIT_FORMAT = "privdesk-masking-audit"


@dataclass
class Evaluation:
    title: str = "PrivDesk evaluation"
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    project_name: str | None = None
    detection: DetectionQuality | None = None
    detection_threshold: float | None = None  # the threshold in use, marked on the sweep
    residual: ResidualReport | None = None
    models: list[ModelEvaluation] = field(default_factory=list)
    policy_name: str | None = None
    policy_yaml: str | None = None
    audit: dict[str, Any] | None = None  # the masking audit report (JSON form), which holds no values
    include_values: bool = False  # the analyst ticked "include examples": values may appear
    notes: list[str] = field(default_factory=list)

    @property
    def runs(self) -> list[ModelEvaluation]:
        return [model for model in self.models if model.kind == "run"]

    @property
    def base_models(self) -> list[ModelEvaluation]:
        return [model for model in self.models if model.kind == "base"]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "created_at": self.created_at, "project": self.project_name,
                "detection": self.detection.to_dict() if self.detection else None,
                "residual": self.residual.to_dict() if self.residual else None,
                "models": [model.to_dict() for model in self.models],
                "policy": {"name": self.policy_name} if self.policy_name else None,
                "audit": self.audit, "include_values": self.include_values, "notes": list(self.notes)}


def read_audit_report(path: str | Path) -> dict[str, Any] | None:
    """A masking audit report (the JSON one export_dataset writes), or None when the file is not one."""
    path = Path(path)
    if path.suffix.lower() == ".html":
        path = path.with_suffix(".json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == AUDIT_FORMAT else None


def find_audit_report(export_path: str | Path) -> dict[str, Any] | None:
    """The audit report written beside an export (any JSON in its folder whose output names the export)."""
    export_path = Path(export_path)
    for candidate in sorted(export_path.parent.glob("*.json")):
        if candidate == export_path:
            continue
        report = read_audit_report(candidate)
        if report is not None and report.get("output", {}).get("file") == export_path.name:
            return report
    return None


def detector_pii_finder(engine: Any) -> PiiFinder:
    """A PiiFinder over a privdesk.core.detect.DetectionEngine: (value, entity type) per detected span."""

    def find(texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        found = engine.analyze_texts(list(texts))
        return [[(text[span.start:span.end], span.entity_type) for span in spans] for text, spans in zip(texts, found)]

    return find


def project_training_pii(project: Any) -> Callable[[TrainingRun], Mapping[str, set[str]] | None]:
    """For extraction: the original values the analyst accepted in each run's training members.

    This holds when the run trained on an export of the project's dataset (same record count:
    an export keeps every record in place); for other runs it gives None.
    """
    from privdesk.core.dataset import ReadOptions
    from privdesk.core.mask.project_spans import spans_to_mask

    ref = project.dataset_ref()
    accepted: list[list] = []  # read on first use: most evaluations have no run that needs it

    def for_run(run: TrainingRun) -> Mapping[str, set[str]] | None:
        if ref is None or run.dataset_records != ref.num_rows:
            return None
        if not accepted:
            accepted.extend(list(spans) for spans in spans_to_mask(project, threshold=float("inf")))
        members = set(run.member_records)
        chosen = [spans if record in members else [] for record, spans in enumerate(accepted)]
        return original_values(ref.path, chosen, read_options=ReadOptions(**ref.options))

    return for_run


def detected_training_pii(find_pii: PiiFinder, limit: int = 2_000) -> Callable[[TrainingRun], Mapping[str, set[str]]]:
    """For extraction without a project: PII-looking strings the detector flags in the training texts
    (after masking these are mostly surrogates; reproducing them still shows memorisation)."""
    from privdesk.core.evaluate.runs import subsample

    def for_run(run: TrainingRun) -> Mapping[str, set[str]]:
        values: dict[str, set[str]] = {}
        for per_text in find_pii(subsample(run.member_texts, limit, 0)):
            for value, entity in per_text:
                values.setdefault(value, set()).add(entity)
        return values

    return for_run


def evaluate_project(project: Any, *, export_path: str | Path | None = None, engine: Any = None,
                     run_folders: Sequence[str | Path] | None = None, options: LeakageOptions | None = None,
                     detection: bool = True, match_mode: str = "iou", min_iou: float = DEFAULT_MIN_IOU,
                     threshold: float | None = None, models: bool = True, include_values: bool = False,
                     export_read_options: Any = None, progress: ProgressCallback | None = None,
                     cancel: CancelToken | None = None) -> Evaluation:
    """Everything a project holds: detection quality from its review, residual PII in `export_path`
    (with the detector when an `engine` is given), and leakage and utility of its training runs
    (those it recorded, or `run_folders`). The project secret unseals the runs' canaries.

    Detection is scored under `match_mode`, on the detections scoring at least `threshold` (all by default)."""
    options = options or LeakageOptions(include_values=include_values)
    evaluation = Evaluation(project_name=project.name, include_values=include_values, detection_threshold=threshold)
    policy = project.policy()
    if policy is not None:
        evaluation.policy_yaml, evaluation.policy_name = policy
    if detection:
        standard = gold_from_project(project)
        predictions = [span for span in standard.predictions or [] if threshold is None or span.score >= threshold]
        evaluation.detection = evaluate_detection(standard.gold, predictions, mode=match_mode, min_iou=min_iou,
                                                  records=standard.records, source=standard.source)
        evaluation.detection.notes.extend(standard.notes)
    if export_path is not None:
        values = accepted_values_from_project(project, cancel=cancel)
        evaluation.residual = scan_export(export_path, values, engine=engine, read_options=export_read_options,
                                          column_roles=project.column_roles() or None, include_values=include_values,
                                          progress=progress, cancel=cancel)
        evaluation.audit = find_audit_report(export_path)
    if models:
        folders = list(run_folders) if run_folders is not None else project_run_folders(project)
        secret = _project_secret(project, evaluation.notes) if folders else None
        runs = [read_training_run(folder, secret=secret) for folder in folders]
        find_pii = detector_pii_finder(engine) if engine is not None else None
        evaluation.models = evaluate_runs(runs, options, training_pii=project_training_pii(project),
                                          find_pii=find_pii, progress=progress, cancel=cancel)
    return evaluation


def _project_secret(project: Any, notes: list[str]) -> bytes | None:
    from privdesk.core.errors import ProjectError

    try:
        return project.project_secret()
    except ProjectError as error:
        notes.append(f"The project secret is locked ({error.problem.rstrip('.')}): canaries cannot be unsealed.")
        return None


def evaluate_run_folders(run_folders: Sequence[str | Path], *, passphrase: str | None = None,
                         secret: bytes | None = None, engine: Any = None, options: LeakageOptions | None = None,
                         progress: ProgressCallback | None = None,
                         cancel: CancelToken | None = None) -> list[ModelEvaluation]:
    """Leakage and utility of run folders outside a project (canaries need the runs' passphrase or secret)."""
    options = options or LeakageOptions()
    runs = [read_training_run(folder, secret=secret, passphrase=passphrase) for folder in run_folders]
    find_pii = detector_pii_finder(engine) if engine is not None else None
    training_pii = detected_training_pii(find_pii) if find_pii is not None else None
    return evaluate_runs(runs, options, training_pii=training_pii, find_pii=find_pii, progress=progress, cancel=cancel)
