"""Training examples for the tagger: texts with gold character spans, cut into token windows.

A text longer than the model's window is covered by overlapping windows (HF's overflowing
tokens with a stride), so no entity is lost at a cut; every window carries the character offset
of each of its tokens in the original text.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from privdesk.core.ner.labels import IGNORED, CharSpan, LabelScheme, spans_to_tags
from privdesk.core.types import Span


@dataclass(frozen=True)
class TextExample:
    """One text and its gold entities as (start, end, entity_type) character ranges."""

    text: str
    spans: tuple[CharSpan, ...] = ()

    def __post_init__(self) -> None:
        for start, end, _entity in self.spans:
            if not 0 <= start < end <= len(self.text):
                raise ValueError(f"span {start}..{end} lies outside a text of {len(self.text)} characters")


@dataclass
class Window:
    """A slice of one text's tokens, ready for the model: ids, label ids and character offsets."""

    example_index: int
    input_ids: list[int]
    labels: list[int]
    offsets: list[tuple[int, int]] = field(repr=False)


def examples_from_cells(texts: Sequence[str], spans: Iterable[Span]) -> list[TextExample]:
    """Pair cell texts with their spans: texts[i] is the cell of record i (one column at a time).

    This is how reviewed data (the analyst's accepted spans) becomes training data.
    """
    by_record: dict[int, list[CharSpan]] = {}
    for span in spans:
        by_record.setdefault(span.record, []).append((span.start, span.end, span.entity_type))
    return [TextExample(text, tuple(sorted(by_record.get(i, ())))) for i, text in enumerate(texts)]


def examples_from_synth(dataset, *, identifier_share: float = 1.0) -> list[TextExample]:
    """The non-empty string cells of a synth dataset, with the gold spans that fall in each.

    Free-text cells are always kept; of the cells of other columns (ids, names, dates: the engine
    labels those by column role) every k-th record's are kept, so that they are about
    `identifier_share` of such cells.
    """
    spans_by_cell: dict[tuple[int, str], list[CharSpan]] = {}
    for span in dataset.spans:
        spans_by_cell.setdefault((span.record, span.column), []).append((span.start, span.end, span.entity_type))
    roles = getattr(dataset, "roles", {}) or {}
    every = max(1, round(1 / identifier_share)) if identifier_share > 0 else 0
    examples = []
    for column, values in dataset.columns.items():
        free_text = getattr(roles.get(column), "kind", "text") == "text"
        for record, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                continue
            if not free_text and (every == 0 or record % every):
                continue
            examples.append(TextExample(value, tuple(sorted(spans_by_cell.get((record, column), ())))))
    return examples


def encode_windows(tokenizer, examples: Sequence[TextExample], scheme: LabelScheme, *,
                   max_length: int = 128, stride: int = 32, chunk: int = 256) -> list[Window]:
    """Tokenize examples into windows of at most `max_length` tokens overlapping by `stride` tokens."""
    windows: list[Window] = []
    for first in range(0, len(examples), chunk):
        batch = examples[first:first + chunk]
        encoding = tokenizer(
            [example.text for example in batch],
            truncation=True, max_length=max_length, stride=stride,
            return_overflowing_tokens=True, return_offsets_mapping=True,
        )
        for row, sample in enumerate(encoding["overflow_to_sample_mapping"]):
            offsets = [tuple(pair) for pair in encoding["offset_mapping"][row]]
            labels = spans_to_tags(offsets, batch[sample].spans, scheme)
            windows.append(Window(first + sample, list(encoding["input_ids"][row]), labels, offsets))
    return windows


def batches(windows: Sequence[Window], token_budget: int, rng: random.Random | None = None,
            max_windows: int = 128) -> list[list[Window]]:
    """Group windows of similar length into batches of about `token_budget` tokens (padding included).

    Short texts (one cell, one chat turn) then share a step by the dozen, long ones come a few at a
    time: every step costs about the same. With `rng` the order is shuffled but lengths stay grouped.
    """
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
    if rng is not None:
        # Sort within shuffled buckets: similar lengths together, a different mix every epoch.
        shuffled = order[:]
        rng.shuffle(shuffled)
        bucket = 2000
        order = []
        for start in range(0, len(shuffled), bucket):
            order += sorted(shuffled[start:start + bucket], key=lambda i: len(windows[i].input_ids))
    groups: list[list[Window]] = []
    group: list[Window] = []
    group_width = 0  # the longest window in the group: every row is padded to it
    for index in order:
        window = windows[index]
        width = max(group_width, len(window.input_ids))
        if group and ((len(group) + 1) * width > token_budget or len(group) >= max_windows):
            groups.append(group)
            group, width = [], len(window.input_ids)
        group.append(window)
        group_width = width
    if group:
        groups.append(group)
    if rng is not None:
        rng.shuffle(groups)
    return groups


def collate(group: Sequence[Window], pad_id: int):
    """Pad a group to its longest window: (input_ids, attention_mask, labels) tensors."""
    import torch

    width = max(len(window.input_ids) for window in group)
    ids = torch.full((len(group), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(group), width), dtype=torch.long)
    labels = torch.full((len(group), width), IGNORED, dtype=torch.long)
    for row, window in enumerate(group):
        n = len(window.input_ids)
        ids[row, :n] = torch.tensor(window.input_ids)
        mask[row, :n] = 1
        labels[row, :n] = torch.tensor(window.labels)
    return ids, mask, labels
