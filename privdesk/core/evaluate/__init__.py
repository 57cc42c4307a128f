"""Evaluate: detection quality, residual PII in the export, model leakage and utility, and the report.

    quality = evaluate_detection(gold_spans, predicted_spans)           # detection.py
    residual = scan_export("notes.masked.csv", values, engine=engine)    # residual.py
    results = evaluate_runs(runs, LeakageOptions())                      # models.py (leakage.py, utility.py)
    evaluation = evaluate_project(project, export_path=..., engine=...)  # evaluation.py: all of it
    write_report(evaluation, "evaluation.html"); write_pdf(evaluation, "evaluation.pdf")

Modules, one job each:
  matching      span matching (exact, IoU, overlap; typed, untyped), character overlap, Scores
  detection     DetectionQuality: per entity, threshold sweep, confusion matrix
  gold          gold from review decisions, our JSONL, presidio-research JSON
  value_search  ValueMatcher: many known strings found fast, as whole tokens
  residual      original values left in an export; the detector's findings in it
  scoring       token NLL of texts under any causal LM (as training tokenized them)
  leakage       canary exposure, membership inference, PII extraction
  utility       perplexity
  runs          training run folders: members, held out, canaries, models
  models        leakage and utility per run and per base model
  evaluation    Evaluation, and assembling it from a project or run folders
  charts        matplotlib Figures (object-oriented API), PNG without metadata
  report        the HTML report and the PDF
"""

from privdesk.core.evaluate.detection import (
    ConfusionMatrix,
    DetectionQuality,
    EntityQuality,
    ThresholdSweep,
    confusion_matrix,
    evaluate_detection,
    threshold_sweep,
)
from privdesk.core.evaluate.evaluation import (
    Evaluation,
    detector_pii_finder,
    evaluate_project,
    evaluate_run_folders,
    find_audit_report,
    read_audit_report,
)
from privdesk.core.evaluate.gold import GoldStandard, gold_from_project, read_presidio_json, read_span_file
from privdesk.core.evaluate.leakage import (
    ExposureResult,
    ExtractionResult,
    MembershipResult,
    canary_exposure,
    membership_inference,
    pii_extraction,
    roc_curve,
    sample_generations,
)
from privdesk.core.evaluate.matching import MATCH_MODES, Scores, match_spans
from privdesk.core.evaluate.models import LeakageOptions, ModelEvaluation, evaluate_model, evaluate_runs
from privdesk.core.evaluate.residual import ResidualReport, accepted_values_from_project, original_values, scan_export
from privdesk.core.evaluate.runs import (
    CanarySpec,
    RunFolderError,
    TrainingRun,
    find_run_folders,
    load_base_model,
    load_run_model,
    project_run_folders,
    read_training_run,
)
from privdesk.core.evaluate.scoring import sequence_losses, token_losses
from privdesk.core.evaluate.utility import Perplexity, perplexity

__all__ = [
    "MATCH_MODES",
    "CanarySpec",
    "ConfusionMatrix",
    "DetectionQuality",
    "EntityQuality",
    "Evaluation",
    "ExposureResult",
    "ExtractionResult",
    "GoldStandard",
    "LeakageOptions",
    "MembershipResult",
    "ModelEvaluation",
    "Perplexity",
    "ResidualReport",
    "RunFolderError",
    "Scores",
    "ThresholdSweep",
    "TrainingRun",
    "accepted_values_from_project",
    "canary_exposure",
    "confusion_matrix",
    "detector_pii_finder",
    "evaluate_detection",
    "evaluate_model",
    "evaluate_project",
    "evaluate_run_folders",
    "evaluate_runs",
    "find_audit_report",
    "find_run_folders",
    "gold_from_project",
    "load_base_model",
    "load_run_model",
    "match_spans",
    "membership_inference",
    "original_values",
    "perplexity",
    "pii_extraction",
    "project_run_folders",
    "read_audit_report",
    "read_presidio_json",
    "read_span_file",
    "read_training_run",
    "roc_curve",
    "sample_generations",
    "scan_export",
    "sequence_losses",
    "threshold_sweep",
    "token_losses",
]
