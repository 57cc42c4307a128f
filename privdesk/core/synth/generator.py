"""generate_dataset: a table of one kind, with a gold span for every PII value in it."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import pandas

from privdesk.core.synth.kinds import KIND_SPECS, KINDS
from privdesk.core.synth.pools import pools_for
from privdesk.core.synth.template_sets import check_kind, check_template_set, templates_for
from privdesk.core.synth.values import ValueFactory
from privdesk.core.types import ColumnRole, Span

GOLD_RECOGNIZER = "gold"

__all__ = ["KINDS", "GOLD_RECOGNIZER", "SynthDataset", "generate_dataset"]


@dataclass
class SynthDataset:
    """A synthetic table: columns of equal length and the gold spans over them."""

    kind: str
    columns: dict[str, list]
    spans: list[Span]
    roles: dict[str, ColumnRole] = field(default_factory=dict)  # what each column holds
    template_set: str = "dev"
    seed: int = 0

    def __post_init__(self) -> None:
        lengths = {len(values) for values in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns differ in length: {sorted(lengths)}")

    @property
    def num_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __len__(self) -> int:
        return self.num_rows

    @property
    def text_column(self) -> str:
        """The main free-text column (the one a .txt export keeps)."""
        return KIND_SPECS[self.kind].text_column

    def spans_by_record(self) -> list[list[Span]]:
        """Gold spans grouped per record, in record order; records without PII get an empty list."""
        grouped: list[list[Span]] = [[] for _ in range(self.num_rows)]
        for span in self.spans:
            grouped[span.record].append(span)
        return grouped

    def to_pandas(self) -> pandas.DataFrame:
        return pandas.DataFrame(self.columns)

    def value(self, span: Span) -> str:
        """The text a span covers."""
        return str(self.columns[span.column][span.record])[span.start:span.end]


def generate_dataset(kind: str, rows: int, seed: int = 0, template_set: str = "dev") -> SynthDataset:
    """`rows` synthetic records of `kind` ("notes", "tickets", "transactions", "chat").

    The result depends only on the arguments (and the installed Faker's data): the same call gives
    the same table and spans. Names, streets and companies of the "heldout" set are disjoint from
    those of "dev", as are the sentence templates.
    """
    check_kind(kind)
    check_template_set(template_set)
    if rows < 0:
        raise ValueError(f"rows must be zero or more, not {rows}")
    spec = KIND_SPECS[kind]
    # A string seed is hashed with SHA-512 by random.Random, so it is stable across processes.
    rng = random.Random(f"privdesk-synth/{kind}/{template_set}/{seed}")
    values = ValueFactory(rng, pools_for(template_set))
    columns: dict[str, list] = {name: [] for name in spec.roles}
    spans: list[Span] = []
    for index, row in enumerate(itertools.islice(spec.rows(values, templates_for(template_set, kind)), rows)):
        for name, cells in columns.items():
            cells.append(row.cells[name])
        spans.extend(Span(index, column, start, end, entity_type, 1.0, GOLD_RECOGNIZER)
                     for column, start, end, entity_type in row.spans)
    return SynthDataset(kind=kind, columns=columns, spans=spans, roles=dict(spec.roles),
                        template_set=template_set, seed=seed)
