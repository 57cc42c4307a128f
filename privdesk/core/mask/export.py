"""Exporting a sanitized dataset: read in batches, mask, write batch by batch, atomically.

    summary = export_dataset("notes.csv", spans_by_record, policy, secret, "notes.masked.csv",
                             report_path="notes.report.html", vault_path="notes.vault",
                             passphrase="...", progress=callback, cancel=token)

Memory stays bounded: the input is read `batch_rows` records at a time (iter_batches), each batch
is masked and appended to a temporary file beside the output, and `spans_by_record` is consumed
one record at a time in step (it may be a lazy detector). Nothing appears under the output's name
until everything is written: a failure or a cancel leaves no partial output, vault or report.

Columns and their order, row order and untouched cells are kept as they are. The output format is
the one asked for, else the output's extension, else the input's. CSV and TSV outputs neutralise
formula injection unless told not to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pyarrow as pa

from privdesk import __version__
from privdesk.core.atomic import atomic_paths
from privdesk.core.dataset import ReadOptions, sha256_file
from privdesk.core.dataset.formats import format_from_extension
from privdesk.core.dataset.model import cell_text
from privdesk.core.dataset.reading import open_source
from privdesk.core.mask.audit import ReviewSummary, build_audit_report, write_audit_report
from privdesk.core.mask.errors import MaskingError
from privdesk.core.mask.keying import secret_binding_id
from privdesk.core.mask.masker import Masker, MaskingCounts
from privdesk.core.mask.policy import Policy
from privdesk.core.mask.streaming import OUTPUT_FORMATS, Overlay, open_stream_writer
from privdesk.core.mask.vault import VaultWriter
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.types import Span

log = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 10_000


@dataclass
class ExportSummary:
    """What an export wrote and did (counts only, never values)."""

    output_path: Path
    format: str
    rows: int
    counts: MaskingCounts
    input_sha256: str
    output_sha256: str
    policy_sha256: str
    formula_cells_guarded: int = 0
    vault_path: Path | None = None
    vault_entries: int = 0
    report_paths: list[Path] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def replacements(self) -> int:
        return sum(self.counts.by_entity_operator.values())


def sniff_line_terminator(path: Path) -> str:
    """"\\r\\n" or "\\n", as the file's first line ends (CSV written by PrivDesk and Excel use "\\r\\n")."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return "\r\n"
    newline = head.find(b"\n")
    if newline == -1:
        return "\r\n"
    return "\r\n" if newline > 0 and head[newline - 1:newline] == b"\r" else "\n"


def value_kind(value: Any) -> str | None:
    """What reidentify must turn a restored text back into, for values that were not text."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (list, dict)):
        return "json"
    return "text"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def report_paths_for(report_path: Path) -> tuple[Path, Path]:
    """(HTML, JSON) paths: the one named, and its sibling with the other extension."""
    if report_path.suffix.lower() == ".json":
        return report_path.with_suffix(".html"), report_path
    return report_path, report_path.with_suffix(".json")


def _check_paths(input_path: Path, output_path: Path, report_path: Path | None, vault_path: Path | None) -> None:
    outputs = [output_path, *(report_paths_for(report_path) if report_path else ()), *([vault_path] if vault_path else [])]
    for path in outputs:
        if path.exists() and _same_file(path, input_path):
            raise MaskingError("is the input dataset; PrivDesk never writes over original data.", path=path,
                               hint="Choose another file name.")
        if path.is_dir():
            raise MaskingError("is a folder; a file name is needed.", path=path)
    resolved = [path.resolve() for path in outputs]
    if len(set(resolved)) != len(resolved):
        raise MaskingError("the output, report and vault must be different files.", path=output_path)


def _record_spans(spans_iter: Iterator[Sequence[Span]], record: int) -> list[Span]:
    try:
        spans = list(next(spans_iter))
    except StopIteration:
        return []
    for span in spans:
        if span.record != record:
            raise MaskingError(f"the detections for record {record} hold a span of record {span.record}; "
                               "detections must come one list per record, in order.")
    return spans


def _check_values(spans: list[Span], cells: dict[str, str], record: int) -> None:
    """Gold and detection files may carry the covered text: refuse detections that point at other text."""
    for span in spans:
        expected = span.extra.get("value") if span.extra else None
        if expected is not None and cells[span.column][span.start:span.end] != expected:
            raise MaskingError(f"record {record}, column '{span.column}': the {span.entity_type} span at "
                               f"{span.start}..{span.end} does not cover the text the detections say it does.",
                               hint="The detections do not belong to this dataset (or to this version of it).")


class _BatchMasker:
    """Masks one Arrow batch: the overlay of masked cells, plus vault notes for non-text originals."""

    def __init__(self, masker: Masker, vault: VaultWriter | None):
        self.masker = masker
        self.vault = vault

    def mask(self, batch: pa.Table, first_record: int, spans_iter: Iterator[Sequence[Span]]) -> Overlay:
        per_record = [_record_spans(spans_iter, first_record + row) for row in range(batch.num_rows)]
        wanted = {span.column for spans in per_record for span in spans}
        person_column = self.masker.person_column
        if person_column and person_column in batch.column_names and wanted:
            wanted.add(person_column)
        unknown = wanted - set(batch.column_names)
        if unknown:
            raise MaskingError(f"the detections name column(s) {', '.join(sorted(unknown))}, which the dataset "
                               f"does not have (records {first_record}..{first_record + batch.num_rows - 1}).",
                               hint="The detections do not belong to this dataset.")
        columns = [name for name in batch.column_names if name in wanted]
        values = {name: batch.column(name).to_pylist() for name in columns}
        overlay: Overlay = {}
        for row, spans in enumerate(per_record):
            if not spans:
                continue
            record = first_record + row
            cells = {name: cell_text(values[name][row]) for name in columns}
            _check_values(spans, cells, record)
            masked = self.masker.mask_record(cells, spans, record=record)
            for column, result in masked.items():
                if result.text == cells[column] and all(r.operator == "keep" for r in result.replacements):
                    continue
                overlay.setdefault(column, {})[row] = result.text
                kind = value_kind(values[column][row])
                if kind is not None and self.vault is not None:
                    self.vault.add_cell_note(record, column, kind=kind)
        return overlay


def export_dataset(input_path: str | Path, spans_by_record: Iterable[Sequence[Span]], policy: Policy, secret: bytes,
                   output_path: str | Path, *, format: str | None = None, read_options: ReadOptions | None = None,
                   report_path: str | Path | None = None, vault_path: str | Path | None = None,
                   passphrase: str | None = None, project_id: str | None = None,
                   review: ReviewSummary | None = None, secret_source: str = "project",
                   neutralise_formulas: bool = True, locale: str | None = None,
                   batch_rows: int = DEFAULT_BATCH_ROWS, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> ExportSummary:
    """Mask `input_path` with `policy` and write the sanitized dataset to `output_path` (see the module docstring).

    `spans_by_record` gives one list of spans per record, in record order (fewer lists than records
    means the rest have none). With `vault_path` (and `passphrase`), a re-identification vault bound
    to `project_id` (default: an id derived from the secret) is written; with `report_path`, the
    audit report as HTML and JSON. `progress` hears how far reading got; `cancel` is checked between
    batches and raises privdesk.core.progress.Cancelled, leaving no file behind.
    """
    started = time.monotonic()
    input_path, output_path = Path(input_path), Path(output_path)
    report = Path(report_path) if report_path is not None else None
    vault_file = Path(vault_path) if vault_path is not None else None
    if vault_file is not None and not passphrase:
        raise MaskingError("a vault needs a passphrase.", path=vault_file, hint="Give a passphrase (file).")
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    _check_paths(input_path, output_path, report, vault_file)
    input_sha256 = sha256_file(input_path)
    source = open_source(input_path, read_options, batch_rows)
    fmt = format or format_from_extension(output_path) or source.format
    if fmt not in OUTPUT_FORMATS:
        raise MaskingError(f"cannot write the format '{fmt}'.", path=output_path,
                           hint=f"Choose one of: {', '.join(OUTPUT_FORMATS)}.")
    line_terminator = sniff_line_terminator(input_path) if source.format in ("csv", "tsv") else "\r\n"
    delimiter = source.delimiter if source.format == fmt else None
    text_split = source.text_split if source.format == "txt" else "line"
    binding = project_id or secret_binding_id(secret)
    tracker = ProgressTracker(progress, source.total)
    spans_iter = iter(spans_by_record)
    guarded_cells = 0

    with contextlib.ExitStack() as stack:
        # The output and its vault are committed together: both fsynced, then renamed back to back.
        temporaries = stack.enter_context(atomic_paths(output_path, *([vault_file] if vault_file is not None else [])))
        output_tmp = temporaries[0]
        writer = open_stream_writer(fmt, output_tmp, delimiter=delimiter, line_terminator=line_terminator,
                                    neutralise_formulas=neutralise_formulas and fmt in ("csv", "tsv"),
                                    text_split=text_split)
        stack.callback(writer.abort)
        vault = None
        if vault_file is not None:
            vault_tmp = temporaries[1]
            vault = VaultWriter(vault_tmp, passphrase or "", project_id=binding, meta={
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "tool_version": __version__, "input_format": source.format, "input_sha256": input_sha256,
                "output_format": fmt, "policy_sha256": policy.sha256(),
                "input_row_groups": _parquet_row_groups(input_path) if source.format == "parquet" else None})
            stack.callback(vault.abort)
        masker = Masker(policy, secret, locale=locale, vault=vault)
        batch_masker = _BatchMasker(masker, vault)
        record = 0
        for batch in source.batches:
            if cancel is not None:
                cancel.raise_if_cancelled()
            overlay = batch_masker.mask(batch, record, spans_iter)
            guarded = writer.write(batch, overlay)
            guarded_cells += len(guarded)
            if vault is not None:
                for row, column in guarded:
                    vault.add_cell_note(record + row, column, escaped=True)
                vault.end_batch(record + batch.num_rows)
            record += batch.num_rows
            tracker.done = source.progress()
            tracker.report(f"{record:,} records masked")
        _refuse_extra_detections(spans_iter, record)
        if cancel is not None:
            cancel.raise_if_cancelled()
        written = writer.close()
        output_sha256 = _sha256_of(output_tmp)
        if vault is not None:
            vault.close({"output_sha256": output_sha256, "rows": record, "writer": written})
            _restrict_mode(vault_tmp)
    summary = ExportSummary(output_path=output_path, format=fmt, rows=record, counts=masker.counts,
                            input_sha256=input_sha256, output_sha256=output_sha256, policy_sha256=policy.sha256(),
                            formula_cells_guarded=guarded_cells, vault_path=vault_file,
                            vault_entries=vault.entries if vault is not None else 0)
    if vault_file is not None:
        _restrict_mode(vault_file)
    if report is not None:
        audit = build_audit_report(summary, policy=policy, input_path=input_path, input_format=source.format,
                                   review=review, project_id=binding, secret_source=secret_source)
        summary.report_paths = write_audit_report(audit, *report_paths_for(report))
    summary.elapsed_s = time.monotonic() - started
    tracker.report("done", force=True)
    log.info("masked %d records (%d regions) into %s", record, summary.replacements, output_path.name)
    return summary


def _parquet_row_groups(path: Path) -> list[int]:
    """Row counts of the input's row groups: a restored Parquet file is grouped the same way."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        return [parquet.metadata.row_group(index).num_rows for index in range(parquet.num_row_groups)]


def _refuse_extra_detections(spans_iter: Iterator[Sequence[Span]], rows: int) -> None:
    for extra in spans_iter:
        if extra:
            raise MaskingError(f"the detections hold spans for records beyond the dataset's {rows} records.",
                               hint="The detections do not belong to this dataset.")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _restrict_mode(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
