"""How a dataset is read: the formats PrivDesk knows and the options the analyst can force."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "parquet", "txt", "txtdir")

TextSplit = Literal["line", "paragraph"]


@dataclass
class ReadOptions:
    """Overrides for detection; None means 'detect it'."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    text_split: TextSplit = "line"


DEFAULT_OPTIONS = ReadOptions()
