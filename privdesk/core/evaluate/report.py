"""The evaluation report: one self-contained HTML page (charts as embedded PNGs), and a PDF of the same.

    write_report(evaluation, "evaluation.html")      # HTML
    write_pdf(evaluation, "evaluation.pdf")          # a text summary page, then every chart

No value from the data goes in unless the analyst opted in (Evaluation.include_values): residual
hits and detector findings give record, column, offsets and type; canaries are numbered, never
shown; generated text is never written, only counts. PNGs carry no text chunks; file names are
given without their folders.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any, Iterable

from matplotlib.figure import Figure

from privdesk import __version__
from privdesk.core.atomic import atomic_path, atomic_write_text
from privdesk.core.evaluate import charts
from privdesk.core.evaluate.detection import DetectionQuality
from privdesk.core.evaluate.evaluation import Evaluation
from privdesk.core.evaluate.matching import MATCH_MODES, Scores
from privdesk.core.evaluate.models import ModelEvaluation
from privdesk.core.evaluate.residual import ResidualReport

MAX_LISTED_ROWS = 200  # residual hits and findings listed in the report; the counts cover all

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 64rem;
       color: #1f2328; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem;
border-bottom: 1px solid #d0d7de; } h3 { font-size: 1.05rem; margin-top: 1.4rem; }
.sub { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #d0d7de; padding: .25rem .55rem;
text-align: left; } th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; } pre { background: #f6f8fa; padding: .6rem;
overflow-x: auto; border-radius: 6px; }
img { max-width: 100%; height: auto; display: block; margin: .6rem 0; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .8rem; border-radius: 6px; }
.bad { background: #ffebe9; border: 1px solid #cf222e; padding: .5rem .8rem; border-radius: 6px; }
.ok { background: #dafbe1; border: 1px solid #4ac26b; padding: .5rem .8rem; border-radius: 6px; }
.note { color: #59636e; font-size: .92rem; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: float | int | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "&mdash;"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(cell: str) -> str:
    """Cells are pre-escaped HTML; numbers (starting with a digit or a dash entity) align right."""
    numeric = cell[:1].isdigit() or cell.startswith("&mdash;") or cell[:1] == "-"
    return f'<td class="n">{cell}</td>' if numeric else f"<td>{cell}</td>"


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{_e(key)}</th><td>{value}</td></tr>" for key, value in pairs) + "</table>"


def _image(figure: Figure, alt: str) -> str:
    data = base64.b64encode(charts.figure_png(figure)).decode("ascii")
    figure.clear()
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _notes(notes: Iterable[str]) -> str:
    notes = list(notes)
    return "".join(f'<p class="note">{_e(note)}</p>' for note in notes)


def _file_name(path: Any) -> str:
    return Path(str(path)).name if path else ""


# ---- sections -----------------------------------------------------------------------------------------------


def _scores_row(label: str, scores: Scores) -> list[str]:
    return [_e(label), _n(scores.precision), _n(scores.recall), _n(scores.f2), _n(scores.gold), _n(scores.predicted)]


def _detection_section(quality: DetectionQuality, threshold: float | None) -> str:
    header = ["measure", "precision", "recall", "F2", "gold", "predicted"]
    rows = [_scores_row(f"spans, {mode} match{f' (IoU ≥ {quality.min_iou:g})' if mode == 'iou' else ''}, "
                        f"{'typed' if typed else 'untyped'}", quality.span[(mode, typed)])
            for mode in MATCH_MODES for typed in (True, False)]
    rows += [_scores_row(f"characters, {'typed' if typed else 'untyped'}", quality.chars[typed]) for typed in (True, False)]
    entity_rows = [[_e(entity), _n(q.span.precision), _n(q.span.recall), _n(q.span.f2), _n(q.span.gold),
                    _n(q.span.predicted), _n(q.chars.recall)] for entity, q in quality.per_entity.items()]
    sweep = quality.sweep
    parts = [
        "<h2>Detection quality</h2>",
        f"<p>Gold: {_e(quality.source)}; {_n(quality.records)} record(s). Headline: typed spans, {_e(quality.mode)} "
        f"match: <b>F2 {_n(quality.overall.f2)}</b> (precision {_n(quality.overall.precision)}, recall "
        f"{_n(quality.overall.recall)}). F2 weighs recall four times as much as precision.</p>",
        _notes(quality.notes),
        _table(header, rows),
        "<h3>Per entity type</h3>",
        _table(["entity type", "precision", "recall", "F2", "gold", "predicted", "character recall"], entity_rows)
        if entity_rows else "<p>No spans.</p>",
        _image(charts.per_entity_chart(quality), "precision, recall and F2 per entity type"),
        "<h3>Threshold sweep</h3>",
        f"<p>Best F2 {_n(float(sweep.f2.max()))} at threshold {sweep.best_f2_threshold():.2f}. Raising the threshold "
        "trades recall (leaks) for precision (clicks).</p>",
        _image(charts.threshold_sweep_chart(sweep, threshold), "precision and recall against the threshold"),
        "<h3>Entity type confusion</h3>",
        _image(charts.confusion_matrix_chart(quality.confusion), "confusion matrix of entity types"),
    ]
    return "".join(parts)


def _residual_section(report: ResidualReport, include_values: bool) -> str:
    show_values = include_values and report.include_values
    if report.clean:
        verdict = (f'<p class="ok">No original value was found in {_e(report.export_file)} '
                   f"({_n(report.values_checked)} values searched in {_n(report.cells)} cells).</p>")
    else:
        verdict = (f'<p class="bad"><b>{_n(report.hit_count)} occurrence(s) of original PII values remain</b> in '
                   f"{_e(report.export_file)}. Fix the review or the policy and export again before sharing.</p>")
    parts = ["<h2>Residual PII in the export</h2>", verdict]
    if report.values_too_short:
        parts.append(_notes([f"{report.values_too_short:,} accepted value(s) shorter than {report.min_length} characters "
                             "were not searched for (they match unrelated text)."]))
    if report.hits:
        header = ["record", "column", "offsets", "entity type"] + (["value"] if show_values else [])
        rows = [[_n(hit.record), _e(hit.column), f"{hit.start}&ndash;{hit.end}", _e(hit.entity_type)]
                + ([_e(hit.value)] if show_values else []) for hit in report.hits[:MAX_LISTED_ROWS]]
        parts.append(_table(header, rows))
        if report.hit_count > MAX_LISTED_ROWS:
            parts.append(_notes([f"The first {MAX_LISTED_ROWS} of {report.hit_count:,} are listed."]))
    if report.findings is None:
        parts.append(_notes(["The detector was not run on the export."]))
    else:
        parts.append(f"<h3>Detector findings in the export</h3><p>The detector flags {_n(report.finding_count)} span(s) "
                     f"in the text columns ({_e(', '.join(report.detector_columns)) or 'none'}). Surrogates are meant "
                     "to look like PII, so most findings are expected: judge the list.</p>")
        if report.findings:
            header = ["record", "column", "offsets", "entity type", "score", "recognizer"] + (["value"] if show_values else [])
            rows = [[_n(f.record), _e(f.column), f"{f.start}&ndash;{f.end}", _e(f.entity_type), _n(f.score, 2),
                     _e(f.recognizer)] + ([_e(f.value)] if show_values else []) for f in report.findings[:MAX_LISTED_ROWS]]
            parts.append(_table(header, rows))
            if report.finding_count > MAX_LISTED_ROWS:
                parts.append(_notes([f"The first {MAX_LISTED_ROWS} of {report.finding_count:,} are listed."]))
    parts.append(_image(charts.residual_chart(report), "residual values and detector findings per entity type"))
    return "".join(parts)


def _card_section(card: dict[str, Any]) -> str:
    model, data, privacy, training = (card.get(key, {}) for key in ("model", "data", "privacy", "training"))
    pairs = [
        ("base model", f"{_e(model.get('name'))} ({_e(model.get('architecture'))}, {_n(model.get('parameters'))} parameters)"),
        ("method", _e(model.get("method"))),
        ("training data", f"{_e(_file_name(data.get('path')))} (SHA-256 <code>{_e(data.get('sha256'))}</code>), "
                          f"{_n(data.get('train_records'))} trained on, {_n(data.get('held_out_records'))} held out"),
        ("differential privacy", "yes" if privacy.get("dp") else "<b>no</b> (non-private baseline)"),
        ("ε (PRV) / ε (RDP) / δ", f"{_n(privacy.get('epsilon_prv'))} / {_n(privacy.get('epsilon_rdp'))} / "
                                  f"{_e(privacy.get('delta'))}"),
        ("σ / q / steps / C", f"{_n(privacy.get('noise_multiplier'))} / {_n(privacy.get('sample_rate'), 4)} / "
                              f"{_n(privacy.get('steps'))} / {_n(privacy.get('max_grad_norm'))}"),
        ("epochs / batch / lr", f"{_n(training.get('epochs'))} / {_n(training.get('batch_size'))} / "
                                f"{_e(training.get('learning_rate'))}"),
        ("canaries", f"{_n(card.get('canaries', {}).get('count'))} × {_n(card.get('canaries', {}).get('repeats'))}"),
    ]
    return "<details><summary>Model card</summary>" + _pairs(pairs) + "</details>"


def _model_section(result: ModelEvaluation, include_values: bool) -> str:
    parts = [f"<h3>{_e(result.label)}</h3>"]
    if result.kind == "run" and result.dp is False:
        parts.append('<p class="warn">Non-private baseline: trained without clipping or noise. It shows what DP costs; '
                     "it must not be shared.</p>")
    if result.card:
        parts.append(_card_section(result.card))
    rows = []
    if result.perplexity is not None:
        rows.append(("held-out perplexity", f"{_n(result.perplexity.perplexity, 2)} ({_n(result.perplexity.tokens)} "
                                            f"tokens in {_n(result.perplexity.texts)} texts)"))
    if result.exposure is not None:
        ex = result.exposure
        rows.append(("canary exposure", f"highest {_n(ex.highest_exposure, 2)}, mean {_n(ex.mean_exposure, 2)} of at most "
                                        f"{_n(ex.max_exposure, 2)} bits ({_n(len(ex.canaries))} canaries, {_e(ex.method)}, "
                                        f"|R| = {ex.candidate_space:,})"))
    if result.membership is not None:
        mi = result.membership
        rows.append(("membership inference", f"AUC {_n(mi.auc)}, advantage {_n(mi.advantage)}, TPR at 1% FPR "
                                             f"{_n(mi.tpr_at_fpr.get(0.01))}, at 0.1% FPR {_n(mi.tpr_at_fpr.get(0.001))} "
                                             f"({_n(mi.members)} members, {_n(mi.non_members)} held out)"))
    if result.extraction is not None:
        ext = result.extraction
        rows.append(("PII extraction", f"{_n(ext.extracted)} of {_n(ext.training_pii)} training PII values generated "
                                       f"verbatim (recall {_n(ext.recall)}); precision {_n(ext.precision)} "
                                       f"({_n(ext.generated_from_training)} of {_n(ext.generated_pii)} PII strings in "
                                       f"{_n(ext.generations)} generations came from training)"))
        if include_values and ext.extracted_values:
            rows.append(("extracted values (included on request)", _e(", ".join(ext.extracted_values))))
    if rows:
        parts.append(_pairs(rows))
    if result.exposure is not None:
        parts.append(_image(charts.exposure_chart(result.exposure), "canary exposure per canary"))
    if result.membership is not None:
        parts.append(_image(charts.roc_chart(result.membership), "membership inference ROC curves"))
    notes = list(result.notes) + (result.extraction.notes if result.extraction else [])
    parts.append(_notes(notes))
    return "".join(parts)


def _models_section(evaluation: Evaluation) -> str:
    parts = ["<h2>Model leakage and utility</h2>",
             "<p>Exposure: how far each planted canary stands out among all secrets of its format (maximum log2|R| "
             "means memorised; about 1.4 bits means never learned). Membership inference: how well a low loss tells "
             "training records from held-out ones (AUC 0.5 is chance). Extraction: training PII values that sampled "
             "generations reproduce verbatim. Generated text is never written here.</p>"]
    parts += [_model_section(result, evaluation.include_values) for result in evaluation.models]
    if any(result.perplexity is not None for result in evaluation.models):
        parts.append("<h3>Privacy against utility</h3>")
        parts.append(_image(charts.privacy_utility_chart(evaluation.models), "epsilon against perplexity"))
    return "".join(parts)


def _audit_section(audit: dict[str, Any]) -> str:
    masking, review = audit.get("masking", {}), audit.get("review", {})
    pairs = [
        ("input", f"{_e(audit.get('input', {}).get('file'))} (SHA-256 <code>{_e(audit.get('input', {}).get('sha256'))}</code>)"),
        ("output", f"{_e(audit.get('output', {}).get('file'))} (SHA-256 <code>{_e(audit.get('output', {}).get('sha256'))}</code>)"),
        ("spans masked / regions replaced", f"{_n(masking.get('spans'))} / {_n(masking.get('regions_replaced'))}"),
        ("by entity type", _e(", ".join(f"{k} {v:,}" for k, v in (masking.get("by_entity_type") or {}).items()))),
        ("by operator", _e(", ".join(f"{k} {v:,}" for k, v in (masking.get("by_operator") or {}).items()))),
        ("reviewed records", f"{_n(review.get('reviewed_records'))} of {_n(review.get('total_records'))}"),
        ("pending spans below threshold (not masked)", _n(review.get("pending_below_threshold"))),
        ("masked at", _e(audit.get("created_at"))),
    ]
    return "<h2>Masking audit summary</h2>" + _pairs(pairs)


def _summary_section(evaluation: Evaluation) -> str:
    rows = []
    if evaluation.detection is not None:
        overall = evaluation.detection.overall
        rows.append(("detection (typed spans)", f"F2 {_n(overall.f2)}, precision {_n(overall.precision)}, "
                                                f"recall {_n(overall.recall)}"))
    if evaluation.residual is not None:
        residual = evaluation.residual
        rows.append(("original values left in the export",
                     "none" if residual.clean else f"<b>{residual.hit_count:,}</b> (must be none)"))
    for result in evaluation.runs:
        facts = []
        if result.perplexity is not None:
            facts.append(f"perplexity {_n(result.perplexity.perplexity, 2)}")
        if result.exposure is not None:
            facts.append(f"highest exposure {_n(result.exposure.highest_exposure, 1)}/{_n(result.exposure.max_exposure, 1)} bits")
        if result.membership is not None:
            facts.append(f"MIA AUC {_n(result.membership.auc)}")
        if result.extraction is not None:
            facts.append(f"extracted {_n(result.extraction.extracted)} PII value(s)")
        rows.append((result.label, _e(", ".join(facts)) or "not measured"))
    if not rows:
        return "<h2>Summary</h2><p>Nothing was evaluated.</p>"
    return "<h2>Summary</h2>" + _pairs(rows)


def render_html(evaluation: Evaluation) -> str:
    """The report as one HTML string (see the module docstring)."""
    subtitle = [f"PrivDesk {__version__}", _e(evaluation.created_at)]
    if evaluation.project_name:
        subtitle.insert(0, f"project {_e(evaluation.project_name)}")
    privacy_note = ('<p class="warn">This report includes values from the data: the analyst chose to include '
                    "examples. Treat it like the data.</p>" if evaluation.include_values else
                    '<p class="note">This report holds no value from the data: records are named by number, '
                    "canaries by position, and generated text is counted, never shown.</p>")
    sections = [f"<h1>{_e(evaluation.title)}</h1><p class=\"sub\">{' &middot; '.join(subtitle)}</p>", privacy_note,
                _summary_section(evaluation), _notes(evaluation.notes)]
    if evaluation.policy_name:
        sections.append(f"<h2>Masking policy</h2><p>{_e(evaluation.policy_name)}</p>"
                        + (f"<pre>{_e(evaluation.policy_yaml)}</pre>" if evaluation.policy_yaml else ""))
    if evaluation.audit:
        sections.append(_audit_section(evaluation.audit))
    if evaluation.detection is not None:
        sections.append(_detection_section(evaluation.detection, evaluation.detection_threshold))
    if evaluation.residual is not None:
        sections.append(_residual_section(evaluation.residual, evaluation.include_values))
    if evaluation.models:
        sections.append(_models_section(evaluation))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(evaluation.title)}</title><style>{_STYLE}</style></head>"
            f"<body>{''.join(sections)}</body></html>\n")


def write_report(evaluation: Evaluation, path: str | Path) -> Path:
    """Write the HTML report atomically; returns its path."""
    path = Path(path)
    atomic_write_text(path, render_html(evaluation))
    return path


# ---- PDF ----------------------------------------------------------------------------------------------------


def report_figures(evaluation: Evaluation) -> list[tuple[str, Figure]]:
    """Every chart of the evaluation with a caption, in report order (the Evaluate tab can show the same)."""
    figures: list[tuple[str, Figure]] = []
    if evaluation.detection is not None:
        figures += [("Detection quality per entity type", charts.per_entity_chart(evaluation.detection)),
                    ("Threshold sweep", charts.threshold_sweep_chart(evaluation.detection.sweep,
                                                                     evaluation.detection_threshold)),
                    ("Entity type confusion", charts.confusion_matrix_chart(evaluation.detection.confusion))]
    if evaluation.residual is not None:
        figures.append(("Residual PII", charts.residual_chart(evaluation.residual)))
    for result in evaluation.models:
        if result.exposure is not None:
            figures.append((f"Canary exposure: {result.label}", charts.exposure_chart(result.exposure, result.label)))
        if result.membership is not None:
            figures.append((f"Membership inference: {result.label}", charts.roc_chart(result.membership, result.label)))
    if any(result.perplexity is not None for result in evaluation.models):
        figures.append(("Privacy against utility", charts.privacy_utility_chart(evaluation.models)))
    return figures


def summary_lines(evaluation: Evaluation) -> list[str]:
    """The report's summary as plain text lines (the PDF's first page, and the CLI's output)."""
    lines = [evaluation.title, f"PrivDesk {__version__}, {evaluation.created_at}"]
    if evaluation.project_name:
        lines.append(f"Project: {evaluation.project_name}")
    if evaluation.policy_name:
        lines.append(f"Masking policy: {evaluation.policy_name}")
    if evaluation.detection is not None:
        overall = evaluation.detection.overall
        lines.append(f"Detection ({evaluation.detection.source}, {evaluation.detection.records} records): F2 "
                     f"{overall.f2:.3f}, precision {overall.precision:.3f}, recall {overall.recall:.3f}")
    if evaluation.residual is not None:
        residual = evaluation.residual
        lines.append(f"Residual PII in {residual.export_file}: {residual.hit_count} original value occurrence(s) "
                     f"(must be 0); detector findings: {residual.finding_count}")
    for result in evaluation.models:
        facts = [result.label]
        if result.perplexity is not None:
            facts.append(f"perplexity {result.perplexity.perplexity:.2f}")
        if result.exposure is not None:
            facts.append(f"exposure max {result.exposure.highest_exposure:.1f}/{result.exposure.max_exposure:.1f} bits")
        if result.membership is not None:
            facts.append(f"MIA AUC {result.membership.auc:.3f}")
        if result.extraction is not None:
            facts.append(f"extracted {result.extraction.extracted}/{result.extraction.training_pii}")
        lines.append("; ".join(facts))
    lines += evaluation.notes
    return lines


def write_pdf(evaluation: Evaluation, path: str | Path) -> Path:
    """A PDF: the summary as a text page, then every chart on its own page. Written atomically."""
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    with atomic_path(path) as tmp:
        with PdfPages(tmp, metadata={"Title": evaluation.title, "Creator": f"PrivDesk {__version__}"}) as pdf:
            page = Figure(figsize=(8.27, 11.69))
            text = "\n".join(_wrap(line) for line in summary_lines(evaluation))
            page.text(0.06, 0.96, text, va="top", ha="left", fontsize=9, family="monospace")
            pdf.savefig(page)
            for _, figure in report_figures(evaluation):
                pdf.savefig(figure)
                figure.clear()
    return path


def _wrap(line: str, width: int = 95) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(line, width)) or ""
