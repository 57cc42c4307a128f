"""The allow list (terms that are never PII) and the deny list (terms that always are, by type).

Both live in the project settings, so the next detection run passes them to the engine
(DetectionSettings.allow_list / deny_list). They can also be applied to a dataset already under
review without detecting again, keeping every decision made so far: allow-listed spans are
rejected and deny-listed terms the detectors missed are added, as one undo step.

A deny-list term is PII by definition, and an allow-list term is a value from the data too, so both
are stored sealed (encrypted under the project secret, see privdesk.core.project.sealed_settings):
reading and writing them needs the key file, or the passphrase entered since the project was opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import regex as re

from privdesk.core.errors import PrivDeskError
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.project.decisions import DecisionRequest
from privdesk.core.review.index import REJECTED, ReviewIndex, SpanRows
from privdesk.core.review.values import SpanTexts, normalise_value

ALLOW_LIST_KEY = "detection.allow_list"
DENY_LIST_KEY = "detection.deny_list"
_ENTITY_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


class ReviewListError(PrivDeskError):
    """An allow or deny list that cannot be used as written."""


@dataclass
class ReviewLists:
    allow: list[str] = field(default_factory=list)
    deny: dict[str, list[str]] = field(default_factory=dict)  # entity type -> terms

    def validate(self) -> None:
        for entity_type, terms in self.deny.items():
            if not _ENTITY_NAME.fullmatch(entity_type):
                raise ReviewListError(f"deny list: {entity_type!r} is not an entity type name.",
                                      hint="Use an UPPER_CASE name such as PERSON or ORGANIZATION.")
            if any(not term.strip() for term in terms):
                raise ReviewListError(f"deny list for {entity_type}: has an empty term.", hint="Remove the empty line.")

    def detection_fields(self) -> dict[str, Any]:
        """The keyword arguments these lists give DetectionSettings."""
        return {"allow_list": tuple(self.allow), "deny_list": {k: list(v) for k, v in self.deny.items() if v}}

    @property
    def is_empty(self) -> bool:
        return not self.allow and not any(self.deny.values())


def parse_terms(text: str) -> list[str]:
    """One term per line; blank lines and lines starting with # are skipped; repeats (compared as
    normalise_value does) are kept once, first spelling first."""
    terms: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        term = " ".join(line.split())
        if not term or term.startswith("#"):
            continue
        key = normalise_value(term)
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return terms


def read_lists(project) -> ReviewLists:
    allow = [str(term) for term in project.get_sealed_setting(ALLOW_LIST_KEY, []) or []]
    deny_raw = project.get_sealed_setting(DENY_LIST_KEY, {}) or {}
    deny = {str(entity): [str(term) for term in terms] for entity, terms in deny_raw.items()}
    return ReviewLists(allow, deny)


def write_lists(project, lists: ReviewLists) -> None:
    lists.validate()
    project.set_sealed_setting(ALLOW_LIST_KEY, list(lists.allow))
    project.set_sealed_setting(DENY_LIST_KEY, {entity: list(terms) for entity, terms in lists.deny.items() if terms})


def allow_list_ids(texts: SpanTexts, allow: Iterable[str], *, include_accepted: bool = False) -> np.ndarray:
    """Detection ids of the detector spans whose text is on the allow list (pending ones, and accepted
    ones too with include_accepted). Runs anywhere: it reads only the texts and their rows."""
    keys = {normalise_value(term) for term in allow if term.strip()}
    if not keys:
        return np.zeros(0, np.int64)
    rows = texts.rows
    statuses = (0, 1) if include_accepted else (0,)
    picked = [row for row, text in enumerate(texts.texts)
              if rows.detection_id[row] >= 0 and rows.status[row] in statuses and normalise_value(text) in keys]
    return rows.detection_id[np.asarray(picked, np.int64)]


def allow_list_requests(index: ReviewIndex, texts: SpanTexts, allow: Iterable[str], *,
                        include_accepted: bool = False) -> list[DecisionRequest]:
    """Reject requests for the spans allow_list_ids names (skipping those rejected meanwhile)."""
    ids = allow_list_ids(texts, allow, include_accepted=include_accepted)
    found = index.find_rows_by_ids(ids, np.zeros(0, np.int64))
    found = found[index.rows_snapshot(found).status != REJECTED]
    return index.requests(found, "reject")


def _term_pattern(terms: Sequence[str]) -> re.Pattern:
    # Whole words, case-insensitive, any run of whitespace inside a term: the engine's deny-list rule.
    alternatives = sorted({" ".join(term.split()) for term in terms if term.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in term.split()) for term in alternatives)
    return re.compile(rf"(?i:(?<![\w])(?:{body})(?![\w]))")


def deny_list_requests(spans: SpanRows, dataset: Any, text_columns: Sequence[str], deny: dict[str, list[str]], *,
                       progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                       ) -> list[DecisionRequest]:
    """"add" requests for every deny-list term in the text columns that no pending or accepted span
    covers. `spans` is ReviewIndex.rows_snapshot(): a copy, so this can run in a worker."""
    patterns = {entity: _term_pattern(terms) for entity, terms in deny.items() if any(t.strip() for t in terms)}
    if not patterns:
        return []
    snapshot = spans
    covered: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for row in np.flatnonzero(snapshot.status != REJECTED).tolist():
        key = (int(snapshot.record[row]), snapshot.columns[snapshot.column[row]])
        covered.setdefault(key, []).append((int(snapshot.start[row]), int(snapshot.end[row])))
    all_terms = [term for entity in patterns for term in deny[entity] if term.strip()]
    prefilter = "|".join(r"\s+".join(re.escape(part) for part in term.split()) for term in all_terms)
    tracker = ProgressTracker(progress, len(text_columns) * max(dataset.num_rows, 1))
    requests: list[DecisionRequest] = []
    for column in text_columns:
        if column not in dataset.columns:
            continue
        values = dataset.table.column(column)
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            values = pc.cast(values, pa.string())
        # Arrow finds the few records holding any term in one vectorised pass; regex runs only on those.
        hits = pc.fill_null(pc.match_substring_regex(values, prefilter, ignore_case=True), False)
        for record in np.flatnonzero(np.asarray(hits)).tolist():
            if cancel is not None and record % 1000 == 0:
                cancel.raise_if_cancelled()
            text = dataset.text(record, column)
            spans_here = covered.get((record, column), [])
            for entity, pattern in patterns.items():
                for match in pattern.finditer(text):
                    start, end = match.span()
                    if any(start < other_end and other_start < end for other_start, other_end in spans_here):
                        continue
                    spans_here.append((start, end))
                    requests.append(DecisionRequest("add", record=record, column=column, start=start, end=end,
                                                    entity_type=entity))
        tracker.advance(dataset.num_rows, "applying the deny list")
    return requests
