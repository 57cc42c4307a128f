"""Arguments and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import sys

from privdesk.core.progress import ProgressInfo

EXIT_USAGE = 2


def add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["csv", "tsv", "json", "jsonl", "parquet", "txt", "txtdir"],
                        help="input format (default: from the extension, or the content)")
    parser.add_argument("--encoding", help="text encoding (default: detected)")
    parser.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    parser.add_argument("--split", choices=["line", "paragraph"], default="line",
                        help="plain text: one record per line or per blank-line paragraph (default: line)")


def read_options(args: argparse.Namespace):
    from privdesk.core.dataset import ReadOptions

    return ReadOptions(format=args.format, encoding=args.encoding, delimiter=args.delimiter, text_split=args.split)


def usage_error(message: str) -> int:
    print(f"privdesk-cli: error: {message}", file=sys.stderr)
    return EXIT_USAGE


class StderrProgress:
    """Prints progress on one stderr line when stderr is a terminal; silent otherwise (logs, CI)."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, info: ProgressInfo) -> None:
        if not self.enabled:
            return
        parts = [f"{self.label}: {info.done:,}" + (f"/{info.total:,}" if info.total else "")]
        if info.rate:
            parts.append(f"{info.rate:,.0f}/s")
        if info.eta_s is not None:
            parts.append(f"ETA {info.eta_s:,.0f} s")
        self.show(parts)

    def show(self, parts: list[str]) -> None:
        """Overwrite the progress line with `parts` (subclasses build their own parts and call this)."""
        self.stream.write("\r" + "  ".join(parts) + " " * 8)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
