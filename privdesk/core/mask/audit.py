"""The audit report of a masking run, as JSON and as one self-contained HTML page.

It records what was done and with what, never to what: dataset and policy hashes, counts per
entity type and operator, review statistics, the tool version and the time. No value from the data
goes in (tests check with canary values), and file names are given without their folders.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import platform
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from privdesk import __version__
from privdesk.core.atomic import atomic_write_text
from privdesk.core.mask.policy import Policy

if TYPE_CHECKING:
    from privdesk.core.mask.export import ExportSummary

REPORT_FORMAT = "privdesk-masking-audit"
REPORT_VERSION = 1


@dataclass(frozen=True)
class ReviewSummary:
    """How much of the data a person reviewed before masking.

    `source` says where the spans came from: "project" (detections after review), "detections file"
    or "detector" (detected for this export, nobody reviewed them). Pending spans are detections
    nobody accepted or rejected; those scoring below `threshold` were not masked.
    """

    source: str
    total_records: int | None = None  # None: the number of records exported
    reviewed_records: int = 0
    pending_spans: int = 0
    pending_below_threshold: int = 0
    threshold: float | None = None

    @property
    def unreviewed_records(self) -> int:
        return max(0, (self.total_records or 0) - self.reviewed_records)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "unreviewed_records": self.unreviewed_records}


def build_audit_report(summary: "ExportSummary", *, policy: Policy, input_path: Path, input_format: str,
                       review: ReviewSummary | None, project_id: str, secret_source: str) -> dict[str, Any]:
    counts = summary.counts
    by_pair: dict[str, dict[str, int]] = {}
    for (entity, operator), count in sorted(counts.by_entity_operator.items()):
        by_pair.setdefault(entity, {})[operator] = count
    review = review or ReviewSummary(source="unknown")
    if review.total_records is None:
        review = replace(review, total_records=summary.rows)
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "tool": {"name": "PrivDesk", "version": __version__, "python": platform.python_version()},
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "project_id": project_id,
        "secret_source": secret_source,
        "input": {"file": input_path.name, "format": input_format, "sha256": summary.input_sha256,
                  "records": summary.rows},
        "output": {"file": summary.output_path.name, "format": summary.format, "sha256": summary.output_sha256,
                   "records": summary.rows, "formula_cells_guarded": summary.formula_cells_guarded},
        "policy": {"name": policy.name, "sha256": policy.sha256(), "canonical": json.loads(policy.canonical_json())},
        "masking": {
            "spans": counts.spans,
            "regions_replaced": summary.replacements,
            "overlapping_spans_merged_regions": counts.merged_regions,
            "fallbacks": counts.fallbacks,
            "by_entity_type": counts.by_entity(),
            "by_operator": counts.by_operator(),
            "by_entity_type_and_operator": by_pair,
        },
        "review": review.to_dict(),
        "vault": {"written": summary.vault_path is not None,
                  "file": summary.vault_path.name if summary.vault_path else None,
                  "entries": summary.vault_entries,
                  "bound_to_project": project_id if summary.vault_path else None},
    }


def write_audit_report(report: dict[str, Any], html_path: Path, json_path: Path) -> list[Path]:
    atomic_write_text(json_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(html_path, render_html(report))
    return [html_path, json_path]


# ---- HTML -----------------------------------------------------------------------------------------------

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 60rem;
       color: #1f2328; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
.sub { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .8rem; border-radius: 6px; }
.ok { background: #dafbe1; border: 1px solid #4ac26b; padding: .5rem .8rem; border-radius: 6px; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(f"<tr><th>{_e(key)}</th><td>{value}</td></tr>" for key, value in pairs)


def _count_table(counts: dict[str, dict[str, int]], operators: list[str]) -> str:
    if not counts:
        return "<p>No values were replaced.</p>"
    head = "".join(f"<th>{_e(op)}</th>" for op in operators)
    body = []
    for entity, per_operator in counts.items():
        cells = "".join(f'<td class="n">{per_operator.get(op, "")}</td>' for op in operators)
        body.append(f'<tr><th>{_e(entity)}</th>{cells}<td class="n"><b>{sum(per_operator.values())}</b></td></tr>')
    return f"<table><tr><th>entity type</th>{head}<th>total</th></tr>{''.join(body)}</table>"


def _policy_table(policy: dict[str, Any]) -> str:
    def describe(spec: dict[str, Any]) -> str:
        params = ", ".join(f"{_e(k)}={_e(v if isinstance(v, str) else json.dumps(v))}"
                           for k, v in spec.items() if k != "operator" and v not in (None, ""))
        return f"<b>{_e(spec['operator'])}</b>" + (f" <small>({params})</small>" if params else "")

    rows = [f"<tr><th>default</th><td>{describe(policy['default'])}</td></tr>"]
    rows += [f"<tr><th>{_e(entity)}</th><td>{describe(spec)}</td></tr>" for entity, spec in policy.get("entities", {}).items()]
    for column, override in policy.get("columns", {}).items():
        for key, spec in override.items():
            rows.append(f"<tr><th>column {_e(column)} / {_e(key)}</th><td>{describe(spec)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def render_html(report: dict[str, Any]) -> str:
    masking, review, vault = report["masking"], report["review"], report["vault"]
    operators = sorted(masking["by_operator"])
    review_note = ""
    if review["pending_below_threshold"]:
        review_note = (f'<p class="warn">{review["pending_below_threshold"]} pending span(s) scored below the '
                       f'threshold and were <b>not</b> masked. Review them before sharing the output.</p>')
    elif review["source"] in ("detector", "detections file", "unknown") or review["unreviewed_records"]:
        review_note = ('<p class="warn">Not every record was reviewed by a person: the output is only as good as '
                       "the detections.</p>")
    else:
        review_note = '<p class="ok">Every record was reviewed.</p>'
    sections = [
        f"<h1>Masking audit report</h1><p class=\"sub\">{_e(report['tool']['name'])} {_e(report['tool']['version'])}"
        f" &middot; {_e(report['created_at'])}</p>",
        "<h2>Data</h2><table>" + _rows([
            ("input", f"{_e(report['input']['file'])} ({_e(report['input']['format'])}, "
                      f"{report['input']['records']:,} records)"),
            ("input SHA-256", f"<code>{_e(report['input']['sha256'])}</code>"),
            ("output", f"{_e(report['output']['file'])} ({_e(report['output']['format'])})"),
            ("output SHA-256", f"<code>{_e(report['output']['sha256'])}</code>"),
            ("CSV formula cells guarded", report["output"]["formula_cells_guarded"]),
            ("project", f"<code>{_e(report['project_id'])}</code> (secret from {_e(report['secret_source'])})"),
        ]) + "</table>",
        "<h2>Policy</h2><table>" + _rows([
            ("name", _e(report["policy"]["name"])),
            ("SHA-256 (canonical form)", f"<code>{_e(report['policy']['sha256'])}</code>"),
        ]) + "</table>" + _policy_table(report["policy"]["canonical"]),
        "<h2>What was masked</h2><table>" + _rows([
            ("spans", f"{masking['spans']:,}"),
            ("regions replaced", f"{masking['regions_replaced']:,}"),
            ("regions merged from overlapping spans", f"{masking['overlapping_spans_merged_regions']:,}"),
            ("fallbacks (value could not take its operator; tagged or redacted instead)", f"{masking['fallbacks']:,}"),
        ]) + "</table>" + _count_table(masking["by_entity_type_and_operator"], operators),
        "<h2>Review</h2>" + review_note + "<table>" + _rows([
            ("spans from", _e(review["source"])),
            ("records", f"{review['total_records']:,}"),
            ("reviewed records", f"{review['reviewed_records']:,}"),
            ("unreviewed records", f"{review['unreviewed_records']:,}"),
            ("pending spans (not reviewed)", f"{review['pending_spans']:,}"),
            ("pending spans below threshold (not masked)", f"{review['pending_below_threshold']:,}"),
            ("threshold", _e(review["threshold"]) if review["threshold"] is not None else "&mdash;"),
        ]) + "</table>",
        "<h2>Re-identification vault</h2>" + (
            "<table>" + _rows([("file", _e(vault["file"])), ("entries", f"{vault['entries']:,}"),
                               ("bound to project", f"<code>{_e(vault['bound_to_project'])}</code>")]) + "</table>"
            "<p>The vault is encrypted (AES-GCM, key from the passphrase by scrypt). Keep it apart from the output.</p>"
            if vault["written"] else "<p>No vault was written: the masking cannot be undone.</p>"),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>PrivDesk masking audit: {_e(report['input']['file'])}</title><style>{_STYLE}</style></head>"
            f"<body>{''.join(sections)}</body></html>\n")
