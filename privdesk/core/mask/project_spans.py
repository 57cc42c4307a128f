"""What a project contributes to an export: the spans to mask after review, and how far review got.

Accepted spans are masked; rejected ones are not. Spans nobody decided on ("pending") are masked
when their score reaches the threshold, and counted in the audit report when they fall below it,
because those are the ones that would reach the output in clear.
"""

from __future__ import annotations

from typing import Iterator

from privdesk.core.errors import ProjectError
from privdesk.core.mask.audit import ReviewSummary
from privdesk.core.project import Project
from privdesk.core.types import Span

DEFAULT_THRESHOLD = 0.5


def _num_rows(project: Project) -> int:
    ref = project.dataset_ref()
    if ref is None:
        raise ProjectError("the project has no dataset yet.", path=project.path, hint="Load a dataset first.")
    return ref.num_rows


def spans_to_mask(project: Project, *, threshold: float = DEFAULT_THRESHOLD) -> Iterator[list[Span]]:
    """One list of spans per record of the project's dataset, in record order (empty where there are none)."""
    num_rows = _num_rows(project)
    next_record = 0
    for record, effective in project.iter_effective_spans():
        if record >= num_rows:
            break
        while next_record < record:
            yield []
            next_record += 1
        yield [span for span, status in effective
               if status == "accepted" or (status == "pending" and span.score >= threshold)]
        next_record += 1
    while next_record < num_rows:
        yield []
        next_record += 1


def review_summary(project: Project, *, threshold: float = DEFAULT_THRESHOLD) -> ReviewSummary:
    reviewed, total = project.review_progress()
    pending = below = 0
    for _, effective in project.iter_effective_spans():
        for span, status in effective:
            if status == "pending":
                pending += 1
                below += span.score < threshold
    return ReviewSummary(source="project", total_records=total, reviewed_records=reviewed, pending_spans=pending,
                         pending_below_threshold=below, threshold=threshold)
