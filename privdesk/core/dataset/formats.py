"""Which format a dataset is in: from the extension, else from its first bytes."""

from __future__ import annotations

import json
from pathlib import Path

from privdesk.core.errors import DatasetError

from .csvsniff import sniff_delimiter
from .encoding import SAMPLE_BYTES, bom_encoding, bomless_utf16, read_head, refuse_binary
from .options import FORMATS
from .parquet_reader import PARQUET_MAGIC
from .source import check_readable

EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "txt",
    ".text": "txt",
}


def format_from_extension(path: Path) -> str | None:
    return EXTENSIONS.get(path.suffix.lower())


def check_format(name: str, path: Path) -> str:
    if name not in FORMATS:
        raise DatasetError(f"unknown format {name!r}.", path=path, hint=f"Use one of: {', '.join(FORMATS)}.")
    return name


def detect_format(path: str | Path) -> str:
    """One of FORMATS: 'txtdir' for a folder, else by extension, else by sniffing the content."""
    path = Path(path)
    check_readable(path)
    if path.is_dir():
        return "txtdir"
    return format_from_extension(path) or sniff_format(path)


def sniff_format(path: Path) -> str:
    head = read_head(path)
    if not head.strip():
        raise DatasetError("is empty.", path=path, hint="Choose a file that holds data.")
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    utf16 = None if bom_encoding(head) else bomless_utf16(head)
    if utf16 is None:
        refuse_binary(path, head)
    text = head.decode(bom_encoding(head) or utf16 or "utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        first_line = text.split("\n", 1)[0]
        try:
            return "jsonl" if isinstance(json.loads(first_line), dict) else "json"
        except json.JSONDecodeError:
            return "json"  # an object spread over lines: the JSON reader explains what is wrong with it
    delimiter = sniff_delimiter(text, complete=len(head) < SAMPLE_BYTES)
    if delimiter is None:
        return "txt"
    return "tsv" if delimiter == "\t" else "csv"
