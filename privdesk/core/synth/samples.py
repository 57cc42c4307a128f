"""The sample datasets bundled in resources/samples/, and the one command that remakes them:

    python -m privdesk.core.synth.samples [FOLDER]      (default: privdesk.paths.samples_dir())
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from privdesk.core.synth.generator import generate_dataset
from privdesk.core.synth.writer import write_synth


@dataclass(frozen=True)
class BundledSample:
    file_name: str
    kind: str
    rows: int
    seed: int
    template_set: str = "dev"


BUNDLED_SAMPLES: tuple[BundledSample, ...] = (
    BundledSample("clinical_notes.csv", "notes", 300, seed=101),
    BundledSample("support_tickets.jsonl", "tickets", 300, seed=202),
    BundledSample("bank_transactions.parquet", "transactions", 300, seed=303),
    BundledSample("chat_logs.txt", "chat", 200, seed=404),
)


def write_bundled_samples(folder: str | Path) -> list[tuple[Path, Path]]:
    """Generate every bundled sample into `folder`; returns the (dataset, gold) paths written."""
    folder = Path(folder)
    return [write_synth(generate_dataset(sample.kind, sample.rows, sample.seed, sample.template_set),
                        folder / sample.file_name)
            for sample in BUNDLED_SAMPLES]


def main(argv: list[str] | None = None) -> int:
    from privdesk.paths import samples_dir

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else samples_dir()
    for dataset_path, gold_path in write_bundled_samples(folder):
        print(f"wrote {dataset_path} and {gold_path.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
