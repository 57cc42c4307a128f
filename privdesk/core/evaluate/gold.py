"""Where gold spans come from: the analyst's review decisions, our JSONL, or presidio-research JSON.

From a project: accepted and added spans are true (with relabels and resizes applied); what the
detector proposed, as proposed, is the prediction. Only records the analyst finished reviewing
count (every detection decided): in a record with undecided detections nobody said what is true.

presidio-research JSON is a list of samples {"full_text", "spans": [{"entity_type", "entity_value",
"start_position", "end_position"}]}, one record each, with end positions exclusive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from privdesk.core.errors import DatasetError, describe_json_error
from privdesk.core.types import Span

PRESIDIO_COLUMN = "text"


@dataclass
class GoldStandard:
    """Gold spans (flat), the predictions to score when the source holds them, and how many records count."""

    gold: list[Span]
    predictions: list[Span] | None
    records: int
    source: str
    texts: list[str] | None = None  # presidio-research files carry their texts: a detector can be run on them
    notes: list[str] = field(default_factory=list)


def gold_from_project(project: Any) -> GoldStandard:
    """Gold from the review decisions of a privdesk.core.project.Project, predictions from its detections."""
    gold: list[Span] = []
    complete: set[int] = set()
    partial = 0
    for record, effective in project.iter_effective_spans():
        statuses = {status for _, status in effective}
        if "pending" in statuses:
            if len(statuses) > 1:
                partial += 1
            continue
        complete.add(record)
        gold.extend(_plain(span) for span, status in effective if status == "accepted")
    predictions = [detection.as_span() for detection in project.iter_detections() if detection.record in complete]
    notes = []
    if partial:
        notes.append(f"{partial:,} partly reviewed record(s) left out: some of their detections are undecided.")
    if not complete:
        notes.append("No record is fully reviewed yet: accept or reject every detection of a record to make it gold.")
    return GoldStandard(gold, predictions, len(complete), "review decisions", notes=notes)


def _plain(span: Span) -> Span:
    return Span(span.record, span.column, span.start, span.end, span.entity_type, span.score, span.recognizer)


def read_span_file(path: str | Path, *, column: str = PRESIDIO_COLUMN,
                   entity_map: Mapping[str, str] | None = None) -> GoldStandard:
    """Spans from our JSONL (gold or detections, one {"record", "spans"} a line) or presidio-research JSON.

    `column` names the column presidio-research spans are put in (its samples have one text each);
    `entity_map` renames entity types (e.g. {"PER": "PERSON"}) for files that name them differently.
    """
    path = Path(path)
    first = _first_character(path)
    if first == "[":
        standard = read_presidio_json(path, column=column)
    else:
        from privdesk.core.synth import read_gold

        by_record = read_gold(path)
        spans = [span for spans in by_record for span in spans]
        standard = GoldStandard(spans, None, len(by_record), path.name)
    if entity_map:
        standard.gold = [_renamed(span, entity_map.get(span.entity_type, span.entity_type)) for span in standard.gold]
    return standard


def _renamed(span: Span, entity_type: str) -> Span:
    return Span(span.record, span.column, span.start, span.end, entity_type, span.score, span.recognizer,
                extra=dict(span.extra))


def _first_character(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            while chunk := handle.read(4096):
                stripped = chunk.lstrip()
                if stripped:
                    return stripped[0]
    except FileNotFoundError:
        raise DatasetError("does not exist.", path=path, hint="Choose a gold or detections file.") from None
    except UnicodeDecodeError:
        raise DatasetError("is not UTF-8 text.", path=path, hint="Gold files are JSON or JSON Lines in UTF-8.") from None
    except OSError as error:
        raise DatasetError(f"cannot be read ({error.strerror}).", path=path) from None
    raise DatasetError("is empty.", path=path, hint="Choose a gold or detections file that holds spans.")


def read_presidio_json(path: str | Path, *, column: str = PRESIDIO_COLUMN) -> GoldStandard:
    """A presidio-research dataset: spans per sample (record = position in the list) and the texts."""
    path = Path(path)
    hint = ('A presidio-research file is a JSON list of {"full_text": ..., "spans": [{"entity_type", '
            '"entity_value", "start_position", "end_position"}]}.')
    try:
        samples = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise DatasetError(f"cannot be read ({error.strerror}).", path=path, hint=hint) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise DatasetError(f"cannot be read as JSON ({describe_json_error(error)}).", path=path, hint=hint) from None
    if not isinstance(samples, list):
        raise DatasetError("is not a JSON list of samples.", path=path, hint=hint)
    spans: list[Span] = []
    texts: list[str] = []
    for record, sample in enumerate(samples):
        try:
            text = str(sample["full_text"])
            for item in sample.get("spans") or []:
                start, end = int(item["start_position"]), int(item["end_position"])
                span = Span(record, column, start, end, str(item["entity_type"]), 1.0, "gold")
                value = item.get("entity_value")
                if end > len(text) or (value is not None and text[start:end] != str(value)):
                    raise DatasetError(f"sample {record}: the {span.entity_type} span at {start}..{end} does not "
                                       "cover its entity_value in full_text.", path=path,
                                       hint="End positions must be exclusive character offsets into full_text.")
                spans.append(span)
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # DatasetError is none of these
            raise DatasetError(f"sample {record} is not a valid presidio-research sample "
                               f"({describe_json_error(error)}).", path=path,
                               hint=hint) from None
        texts.append(text)
    return GoldStandard(spans, None, len(samples), path.name, texts=texts)
