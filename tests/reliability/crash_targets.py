"""Processes that test_crash_safety.py kills with SIGKILL: each does real PrivDesk work, says on stdout
how far it got, then waits at a known point until it is killed.

    python crash_targets.py export DATASET OUTPUT_DIR PAUSE_AT
    python crash_targets.py train-in-checkpoint DATASET RUN_DIR CHECKPOINT_NUMBER

Waiting at a known point (blocked reading stdin) rather than racing a timer makes the kill land
mid-work on every machine, however loaded: the files are open, half written, not renamed.
The parent reads the marker line, then kills. The data the targets read and the keys they use are
defined here, so the test can check the outcome and resume with the same key.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from pathlib import Path
from typing import Iterator

from privdesk.core.types import Span

PASSPHRASE = "crash test passphrase, never logged"
SECRET = hashlib.sha256(b"privdesk crash-safety secret").digest()
EXPORT_BATCH_ROWS = 500
OUTPUT_NAME = "people.masked.csv"
VAULT_NAME = "people.vault"
REPORT_NAME = "people.report.html"


def write_people(path: Path, rows: int) -> Path:
    """A CSV of invented people: the name and email columns are PII, the note column is not."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "email", "note"])
        for index in range(rows):
            writer.writerow([index, f"Person{index} Surname{index % 97}", f"p{index}@example.org",
                             f"visit number {index % 13}; all well"])
    return path


def people_spans(path: Path) -> Iterator[list[Span]]:
    """One list of spans per record: the whole name and the whole email cell."""
    with open(path, newline="", encoding="utf-8") as handle:
        for record, row in enumerate(csv.DictReader(handle)):
            yield [Span(record, "name", 0, len(row["name"]), "PERSON", 0.9, "crash-test"),
                   Span(record, "email", 0, len(row["email"]), "EMAIL_ADDRESS", 0.9, "crash-test")]


def export_outputs(folder: Path) -> dict[str, Path]:
    return {"output": folder / OUTPUT_NAME, "vault": folder / VAULT_NAME, "report": folder / REPORT_NAME,
            "report_json": (folder / REPORT_NAME).with_suffix(".json")}


def run_export(dataset: Path, folder: Path, pause_at: int | None) -> None:
    """export_dataset with a vault and a report; with `pause_at`, stop for good when record `pause_at` is reached."""
    from privdesk.core.mask import Policy, export_dataset

    def spans() -> Iterator[list[Span]]:
        for record, record_spans in enumerate(people_spans(dataset)):
            if record == pause_at:
                # export_dataset asks for a record's spans just before masking it: every earlier batch
                # has gone to the temporary output and vault.
                say(f"EXPORTING {record}")
                wait_to_be_killed()
            yield record_spans

    outputs = export_outputs(folder)
    export_dataset(dataset, spans(), Policy("crash test"), SECRET, outputs["output"], report_path=outputs["report"],
                   vault_path=outputs["vault"], passphrase=PASSPHRASE, batch_rows=EXPORT_BATCH_ROWS)
    say("EXPORTED")


def write_training_notes(path: Path, rows: int = 300) -> Path:
    """The kind of small note table tests/core/test_train.py trains on."""
    names, cities = ("Ann", "Bob", "Cid", "Dee", "Eve", "Fay"), ("Boston", "Paris", "Lima", "Oslo", "Rome")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "note"])
        for index in range(rows):
            writer.writerow([index, f"{names[index % 6]} visited {cities[index % 5]} on day {index % 28 + 1}."])
    return path


def training_config(dataset: Path):
    """A tiny DP run: 3 epochs of 10 steps, a checkpoint every 4 steps, canaries planted."""
    from privdesk.core.train import TrainConfig

    return TrainConfig(data_path=dataset, model="tiny", epochs=3, batch_size=30, physical_batch_size=16, max_length=32,
                       epsilon=4.0, tiny_vocab_size=400, canaries=2, canary_repeats=3, checkpoint_every_steps=4,
                       num_threads=1)


def training_key():
    from privdesk.core.train import SealKey

    return SealKey.from_secret(SECRET)


def run_training_killed_in_checkpoint(dataset: Path, run_dir: Path, checkpoint_number: int) -> None:
    """Train; stop for good inside the write of checkpoint number `checkpoint_number` (1-based), at the moment
    its temporary file holds every byte and is being flushed to disk, before it is renamed into place."""
    from privdesk.core.atomic import temporary_name_pattern
    from privdesk.core.train import checkpoints, train

    real_fsync = os.fsync
    temporary = temporary_name_pattern()
    seen: set[int] = set()

    def fsync(fd: int) -> None:
        folder = checkpoints.checkpoint_dir(run_dir)
        inode = os.fstat(fd).st_ino
        pending = [entry for entry in (os.scandir(folder) if folder.is_dir() else ())
                   if temporary.match(entry.name) and entry.inode() == inode]
        if pending and inode not in seen:
            seen.add(inode)
            if len(seen) == checkpoint_number:
                say(f"CHECKPOINTING {pending[0].name} {os.fstat(fd).st_size}")
                wait_to_be_killed()
        real_fsync(fd)

    os.fsync = fsync
    train(training_config(dataset), run_dir, key=training_key())
    say("TRAINED")


def say(line: str) -> None:
    print(line, flush=True)


def wait_to_be_killed() -> None:
    sys.stdin.read()  # the parent never writes nor closes it: this returns only if the parent died
    os._exit(3)


def main(argv: list[str]) -> int:
    target, dataset, folder, number = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    if target == "export":
        run_export(dataset, folder, number)
    elif target == "train-in-checkpoint":
        run_training_killed_in_checkpoint(dataset, folder, number)
    else:
        raise SystemExit(f"unknown target {target!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
