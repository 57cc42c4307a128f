"""Plain data shared by every stage: column roles and spans."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

RoleKind = Literal["text", "identifier", "ignore"]


@dataclass(frozen=True)
class ColumnRole:
    """What a column holds: free text to scan, a structured identifier of one entity type, or nothing of interest."""

    kind: RoleKind
    entity_type: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("text", "identifier", "ignore"):
            raise ValueError(f"unknown column role {self.kind!r}")
        if self.kind == "identifier" and not self.entity_type:
            raise ValueError("an identifier column needs an entity type")
        if self.kind != "identifier" and self.entity_type:
            raise ValueError(f"a {self.kind} column has no entity type")

    def __str__(self) -> str:
        return f"identifier:{self.entity_type}" if self.kind == "identifier" else self.kind

    @classmethod
    def parse(cls, text: str) -> "ColumnRole":
        """Inverse of str(): 'text', 'ignore' or 'identifier:EMAIL_ADDRESS'."""
        kind, _, entity = text.strip().partition(":")
        return cls(kind, entity or None)  # type: ignore[arg-type]


TEXT = ColumnRole("text")
IGNORE = ColumnRole("ignore")


@dataclass(frozen=True, order=True)
class Span:
    """A character range in one cell: [start, end) of `column` in record `record` (0-based row index)."""

    record: int
    column: str
    start: int
    end: int
    entity_type: str
    score: float = 1.0
    recognizer: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span offsets {self.start}..{self.end}")

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return (
            self.record == other.record
            and self.column == other.column
            and self.start < other.end
            and other.start < self.end
        )

    def to_json(self, *, with_record: bool = False) -> dict:
        """The JSON shape used in detections and gold files: column, start, end, entity_type, score, recognizer."""
        data = asdict(self)
        data.pop("extra")
        if not with_record:
            data.pop("record")
        return data

    @classmethod
    def from_json(cls, data: dict, record: int | None = None) -> "Span":
        return cls(
            record=int(data["record"] if record is None else record),
            column=str(data.get("column", "text")),
            start=int(data["start"]),
            end=int(data["end"]),
            entity_type=str(data["entity_type"]),
            score=float(data.get("score", 1.0)),
            recognizer=str(data.get("recognizer", "")),
        )


# The entity types PrivDesk detects and masks, in the order the GUI lists them.
ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "LOCATION",
    "ORGANIZATION",
    "DATE_TIME",
    "AGE",
    "NRP",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "US_DRIVER_LICENSE",
    "US_PASSPORT",
    "US_BANK_NUMBER",
    "IP_ADDRESS",
    "URL",
    "MEDICAL_LICENSE",
    "ZIP_CODE",
)
