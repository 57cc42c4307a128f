"""Writing a synthetic dataset with its gold sidecar, and reading gold or detection JSONL back."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from privdesk.core.atomic import atomic_open
from privdesk.core.dataset import Dataset, write_dataset
from privdesk.core.dataset.formats import format_from_extension
from privdesk.core.errors import DatasetError, describe_json_error
from privdesk.core.synth.generator import GOLD_RECOGNIZER, SynthDataset
from privdesk.core.types import Span

TXT_COLUMN = "text"  # the one column of a .txt dataset, as privdesk.core.dataset reads it back


def gold_path_for(path: str | Path) -> Path:
    """`notes.csv` -> `notes.gold.jsonl`, next to the dataset."""
    path = Path(path)
    return path.with_name(f"{path.stem if path.suffix else path.name}.gold.jsonl")


def write_synth(data: SynthDataset, path: str | Path, format: str | None = None) -> tuple[Path, Path]:
    """Write the dataset (any format privdesk.core.dataset writes) and its gold spans; return both paths.

    For "txt" only the main free-text column is written, one record per blank-line-separated
    paragraph, and the gold spans refer to column "text".
    """
    path = Path(path)
    fmt = format or format_from_extension(path)
    if fmt is None:
        raise DatasetError("has no extension that names a format.", path=path,
                           hint="Add an extension (.csv .tsv .json .jsonl .parquet .txt) or pass a format.")
    spans_by_record = data.spans_by_record()
    if fmt == "txt":
        texts = data.columns[data.text_column]
        table = pa.table({TXT_COLUMN: pa.array(texts, pa.string())})
        # A Dataset that says "split by paragraph" makes the writer separate records by blank lines even
        # when no record holds a newline; its path only names where the data came from.
        synthetic_source = Path(f"<synthetic {data.kind} data>")
        write_dataset(Dataset(table, synthetic_source, "txt", text_split="paragraph"), path, "txt")
        spans_by_record = [[_renamed(span, TXT_COLUMN) for span in spans if span.column == data.text_column]
                           for spans in spans_by_record]
        columns = {TXT_COLUMN: texts}
    else:
        write_dataset(data.to_pandas(), path, fmt)
        columns = data.columns
    gold = gold_path_for(path)
    with atomic_open(gold, "w", encoding="utf-8", newline="\n") as handle:
        for record, spans in enumerate(spans_by_record):
            entries = []
            for span in spans:
                entry = span.to_json()
                entry["value"] = str(columns[span.column][record])[span.start:span.end]
                entries.append(entry)
            handle.write(json.dumps({"record": record, "spans": entries}, ensure_ascii=False))
            handle.write("\n")
    return path, gold


def _renamed(span: Span, column: str) -> Span:
    return Span(span.record, column, span.start, span.end, span.entity_type, span.score, span.recognizer)


MAX_RECORDS = 100_000_000


def read_gold(path: str | Path) -> list[list[Span]]:
    """Spans per record from a gold or detections JSONL file (one {"record": i, "spans": [...]} a line).

    A span's "value", when present, is kept in `span.extra["value"]`. Records missing from the file
    get empty lists up to the highest record number seen.
    """
    path = Path(path)
    records: dict[int, list[Span]] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    record = entry["record"]
                    if isinstance(record, bool) or not isinstance(record, int):
                        raise TypeError("the record number is not an integer")
                    spans = []
                    for item in entry.get("spans", []):
                        span = Span.from_json({"recognizer": GOLD_RECOGNIZER, **item}, record=record)
                        if "value" in item:
                            span.extra["value"] = item["value"]
                        spans.append(span)
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
                    raise DatasetError(f"line {number} is not a valid span record ({describe_json_error(error)}).",
                                       path=path,
                                       hint='Each line must be {"record": N, "spans": [{"column", "start", "end", '
                                            '"entity_type"}, ...]}.') from None
                if record < 0:
                    raise DatasetError(f"line {number} has a negative record number.", path=path)
                if record >= MAX_RECORDS:
                    raise DatasetError(f"line {number} has record number {record:,}, beyond the {MAX_RECORDS:,} "
                                       "records PrivDesk reads from a span file.", path=path,
                                       hint="Record numbers are 0-based row positions in the dataset.")
                if record in records:
                    raise DatasetError(f"line {number} repeats record {record}.", path=path)
                records[record] = spans
    except FileNotFoundError:
        raise DatasetError("does not exist.", path=path, hint="Generate the data again, or pick the .gold.jsonl "
                                                               "file that sits next to the dataset.") from None
    except UnicodeDecodeError:
        raise DatasetError("is not UTF-8 text.", path=path, hint="Gold files are JSON Lines in UTF-8.") from None
    except OSError as error:
        raise DatasetError(f"cannot be read ({error.strerror}).", path=path) from None
    size = max(records) + 1 if records else 0
    return [records.get(index, []) for index in range(size)]
