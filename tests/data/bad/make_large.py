"""Large bad inputs, generated at test time (they would bloat the repository), into any folder.

    python tests/data/bad/make_large.py OUT_DIR     # writes every one of them, for a manual look

The tests import the functions (tests/reliability/test_bad_inputs.py). Everything is deterministic.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

_PROSE = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; sed do eiusmod tempor, incididunt. "
SINGLE_LINE_BYTES = 50 * 1024 * 1024
LONG_RECORD_CHARS = 100_000
DEEP_LEVELS = 100_000
LINE_START = "first.person@example.org "  # the single line's two ends, for tests to check
LINE_END = " last.person@example.org"


def write_single_line(path: Path, size_bytes: int = SINGLE_LINE_BYTES) -> Path:
    """One line of `size_bytes` ASCII prose (commas and semicolons included), no line break anywhere."""
    start, end = LINE_START, LINE_END
    middle = size_bytes - len(start) - len(end)
    block = _PROSE * (1024 * 1024 // len(_PROSE))
    with open(path, "w", encoding="ascii", newline="") as handle:
        handle.write(start)
        written = 0
        while written < middle:
            piece = block[: middle - written]
            handle.write(piece)
            written += len(piece)
        handle.write(end)
    return path


def long_record_texts(records: int = 3, length: int = LONG_RECORD_CHARS) -> list[str]:
    """Records of exactly `length` characters (non-ASCII included) with an e-mail at the start, middle and end."""
    texts = []
    for record in range(records):
        start, middle, end = (f"a{record}@example.org", f"m{record}@example.org", f"z{record}@example.org")
        filler = "Zoë wrote: " + "données privées, " * (length // 17 + 1)
        body = filler[: length - len(start) - len(middle) - len(end) - 4]
        half = len(body) // 2
        text = f"{start} {body[:half]} {middle} {body[half:]} {end}"
        assert len(text) == length
        texts.append(text)
    return texts


def write_long_records(path: Path, records: int = 3, length: int = LONG_RECORD_CHARS) -> list[str]:
    """A CSV (id, note) whose notes are long_record_texts(); returns the notes."""
    texts = long_record_texts(records, length)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "note"])
        writer.writerows([index, text] for index, text in enumerate(texts))
    return texts


def write_deeply_nested_json(path: Path, levels: int = DEEP_LEVELS, *, lines: bool = False) -> Path:
    """A record whose `note` is `levels` lists inside each other: an array of it, or one JSON line."""
    record = '{"id": 1, "note": ' + "[" * levels + "]" * levels + "}"
    path.write_text(record + "\n" if lines else f"[{record}]", encoding="ascii")
    return path


def write_deeply_nested_yaml(path: Path, levels: int = DEEP_LEVELS) -> Path:
    path.write_text("name: Deep\ndefault: tag\nentities: " + "[" * levels + "]" * levels + "\n", encoding="ascii")
    return path


def write_oversized_policy(path: Path, size_bytes: int = 2 * 1024 * 1024) -> Path:
    """Valid YAML, but megabytes of it: a comment line repeated."""
    line = "# " + "padding " * 12 + "\n"
    path.write_text("name: Oversized\ndefault: tag\n" + line * (size_bytes // len(line) + 1), encoding="ascii")
    return path


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_single_line(folder / "single_line_50mb.txt")
    write_single_line(folder / "single_line_50mb.csv")
    write_long_records(folder / "long_records.csv")
    write_deeply_nested_json(folder / "deeply_nested_100k.json")
    write_deeply_nested_json(folder / "deeply_nested_100k.jsonl", lines=True)
    write_deeply_nested_yaml(folder / "policy_deeply_nested.yaml")
    write_oversized_policy(folder / "policy_oversized.yaml")
    print(f"wrote the large bad inputs under {folder}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_large.py OUT_DIR")
    main(Path(sys.argv[1]))
