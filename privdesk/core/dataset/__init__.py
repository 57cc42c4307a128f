"""Dataset I/O: read and write csv, tsv, json, jsonl, parquet, txt and folders of .txt files.

Reading detects the format (extension, then content), the encoding and the CSV delimiter; large files
stream in batches (`iter_batches`, `inspect_dataset`). `suggest_roles` proposes a role per column.
Writing is atomic and never touches the source. Modules:

  options      ReadOptions, FORMATS               formats      detect_format
  encoding     encoding detection, binary checks   csvsniff     delimiter and header sniffing
  csv_reader, json_reader, parquet_reader, text_reader: one reader per format, all producing a BatchSource
  columns      flattening, typing and unifying     reading      read_dataset, iter_batches
  model        Dataset                             roles        suggest_roles
  summary      inspect_dataset and its summaries   writers      write_dataset
  hashing      sha256_file
"""

from privdesk.core.errors import DatasetError

from .formats import detect_format
from .hashing import sha256_file
from .model import Dataset
from .options import FORMATS, ReadOptions
from .reading import iter_batches, read_dataset
from .roles import suggest_roles
from .summary import ColumnSummary, DatasetSummary, inspect_dataset
from .writers import write_dataset

__all__ = [
    "FORMATS",
    "ColumnSummary",
    "Dataset",
    "DatasetError",
    "DatasetSummary",
    "ReadOptions",
    "detect_format",
    "inspect_dataset",
    "iter_batches",
    "read_dataset",
    "sha256_file",
    "suggest_roles",
    "write_dataset",
]
