"""Plain text: a .txt file as one record per line or per blank-line paragraph; a folder of .txt files
as one record per file (columns `file` and `text`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from privdesk.core.errors import DatasetError

from .encoding import choose_encoding, decode_sample, read_head, refuse_control_characters
from .source import BatchSource, os_errors_as_dataset_errors

TEXT_COLUMN = "text"
FILE_COLUMN = "file"
_CHUNK_CHARS = 1024 * 1024


def iter_lines(path: Path, encoding: str, position: list[int] | None = None) -> Iterator[str]:
    """Lines without their terminator. Only '\\n' ends a line ('\\r\\n' too); a lone '\\r' stays in the text.

    A file ending with a newline has no extra empty last line; an empty line inside the file is a record.
    """
    with open(path, encoding=encoding, newline="") as handle:
        # The unfinished line's pieces are joined once, at its end: gluing each chunk to the text so far
        # would copy a line of n chunks n times (a 50 MB file on one line).
        unfinished: list[str] = []
        while chunk := handle.read(_CHUNK_CHARS):
            if "\n" not in chunk:
                unfinished.append(chunk)
                if position is not None:
                    position[0] = handle.buffer.tell()
                continue
            lines = chunk.split("\n")
            if unfinished:
                unfinished.append(lines[0])
                lines[0] = "".join(unfinished)
                unfinished = []
            last = lines.pop()
            if last:
                unfinished.append(last)
            for line in lines:
                yield line[:-1] if line.endswith("\r") else line
            if position is not None:
                position[0] = handle.buffer.tell()
        if unfinished:
            yield "".join(unfinished)


def iter_paragraphs(lines: Iterator[str]) -> Iterator[str]:
    """Groups of lines separated by one or more blank (whitespace-only) lines, joined with '\\n'."""
    paragraph: list[str] = []
    for line in lines:
        if line.strip():
            paragraph.append(line)
        elif paragraph:
            yield "\n".join(paragraph)
            paragraph = []
    if paragraph:
        yield "\n".join(paragraph)


def _text_table(texts: list[str]) -> pa.Table:
    return pa.table({TEXT_COLUMN: pa.array(texts, pa.string())})


def open_text_source(path: Path, encoding: str, split: str, size_bytes: int, batch_rows: int) -> BatchSource:
    if split not in ("line", "paragraph"):
        raise DatasetError(f"unknown text split {split!r}.", path=path, hint="Use 'line' or 'paragraph'.")
    position = [0]

    def batches() -> Iterator[pa.Table]:
        with os_errors_as_dataset_errors(path):
            records: Iterator[str] = iter_lines(path, encoding, position)
            if split == "paragraph":
                records = iter_paragraphs(records)
            pending: list[str] = []
            yielded = False
            for record in records:
                pending.append(record)
                if len(pending) >= batch_rows:
                    yield _text_table(pending)
                    pending, yielded = [], True
            if pending or not yielded:
                yield _text_table(pending)
            position[0] = size_bytes

    return BatchSource(path=path, format="txt", encoding=encoding, delimiter=None, batches=batches(),
                       size_bytes=size_bytes, total=size_bytes, progress=lambda: position[0], text_split=split)


def list_text_files(folder: Path) -> list[Path]:
    """The .txt files under `folder` (any depth, hidden ones skipped), in a stable order."""
    files = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() == ".txt" and path.is_file():
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def _read_text_file(path: Path, requested_encoding: str | None, warnings: list[str]) -> tuple[str, str]:
    head = read_head(path)
    choice = choose_encoding(path, requested_encoding, head)
    warnings.extend(choice.warnings)
    refuse_control_characters(path, decode_sample(path, head, choice.name))
    with open(path, encoding=choice.name, newline="") as handle:
        return handle.read(), choice.name


def open_text_folder_source(folder: Path, requested_encoding: str | None, batch_rows: int) -> BatchSource:
    with os_errors_as_dataset_errors(folder):
        files = list_text_files(folder)
        if not files:
            raise DatasetError("holds no .txt files.", path=folder,
                               hint="Choose a folder with .txt files (one record per file), or a single data file.")
        size_bytes = sum(path.stat().st_size for path in files)
    warnings: list[str] = []
    encodings: Counter[str] = Counter()
    done = [0]
    source = BatchSource(path=folder, format="txtdir", encoding=None, delimiter=None, batches=iter(()),
                         size_bytes=size_bytes, total=len(files), progress=lambda: done[0], warnings=warnings)

    def batches() -> Iterator[pa.Table]:
        names: list[str] = []
        texts: list[str] = []
        for path in files:
            with os_errors_as_dataset_errors(path):
                text, encoding = _read_text_file(path, requested_encoding, warnings)
            encodings[encoding] += 1
            source.encoding = encoding if len(encodings) == 1 else "mixed"
            names.append(path.relative_to(folder).as_posix())
            texts.append(text)
            done[0] += 1
            if len(names) >= batch_rows:
                yield pa.table({FILE_COLUMN: pa.array(names, pa.string()), TEXT_COLUMN: pa.array(texts, pa.string())})
                names, texts = [], []
        if names:
            yield pa.table({FILE_COLUMN: pa.array(names, pa.string()), TEXT_COLUMN: pa.array(texts, pa.string())})

    source.batches = batches()
    return source
