"""Review logic over a project's detections, free of Qt: the numbers the Review tab shows and the
decisions its bulk actions record.

  index     ReviewIndex: every span's record, type, score and status in numpy arrays, so a
            million records can be filtered, counted and sorted (lowest confidence first) at once
  rules     bulk rules ("reject every DATE_TIME under 0.5") as DecisionRequests: one undo step
  values    span texts grouped by entity type and distinct value; "apply to every occurrence"
  lists     the allow and deny lists: stored in the project settings, applied to a reviewed dataset
  explain   why a span was flagged: recognizer, pattern or model, context words, score

Everything here reads the project through its public API and returns plain data; the GUI records
the requests with Project.record_decisions so each bulk action is one undo step.
"""

from privdesk.core.review.explain import Explanation, describe_recognizer, explain_span, surrounding_words
from privdesk.core.review.index import (
    RECORD_STATES,
    STATUS_CODES,
    RecordState,
    ReviewIndex,
    SortOrder,
    SpanRows,
    ViewFilter,
    build_index,
)
from privdesk.core.review.lists import (
    ALLOW_LIST_KEY,
    DENY_LIST_KEY,
    ReviewListError,
    ReviewLists,
    allow_list_ids,
    allow_list_requests,
    deny_list_requests,
    parse_terms,
    read_lists,
    write_lists,
)
from privdesk.core.review.rules import ScoreRule, accept_pending_requests, decision_requests, rule_requests
from privdesk.core.review.values import (
    SpanTexts,
    ValueGroup,
    group_values,
    occurrence_ids,
    normalise_value,
    occurrence_requests,
    span_texts,
)

__all__ = [
    "ALLOW_LIST_KEY",
    "DENY_LIST_KEY",
    "Explanation",
    "RECORD_STATES",
    "RecordState",
    "ReviewIndex",
    "ReviewListError",
    "ReviewLists",
    "STATUS_CODES",
    "ScoreRule",
    "SortOrder",
    "SpanRows",
    "SpanTexts",
    "ValueGroup",
    "ViewFilter",
    "accept_pending_requests",
    "allow_list_ids",
    "allow_list_requests",
    "build_index",
    "decision_requests",
    "deny_list_requests",
    "describe_recognizer",
    "explain_span",
    "group_values",
    "normalise_value",
    "occurrence_ids",
    "occurrence_requests",
    "parse_terms",
    "read_lists",
    "rule_requests",
    "span_texts",
    "surrounding_words",
    "write_lists",
]
