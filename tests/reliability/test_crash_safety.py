"""kill -9 loses nothing: a child process doing real work is killed with SIGKILL, then we look at what it left.

(a) Review decisions are covered where they live, not repeated here:
    - tests/core/test_project.py::test_confirmed_decisions_survive_a_kill_9: a process records decisions
      in a loop and prints each id once record_decision returned; after SIGKILL the project opens, every
      printed (confirmed) decision is stored, at most the one in flight is extra, and SQLite's
      integrity_check is "ok".
    - tests/gui/test_kill_recovery.py::test_decisions_made_before_a_kill_survive: the same through the
      real main window, decisions made with the review keys, and the reopened window shows them.
(b) Export: the child pauses for good in the middle of export_dataset (earlier batches written to the
    temporary output and vault) and is killed there: the input is unchanged, nothing exists under the
    output, vault or report names, and what is left is only atomic.py's temporary files, which the next
    export to the same names removes.
(c) Training: killed after a checkpoint was saved, while the next one is being written; resume continues
    from the last complete checkpoint with the ε an uninterrupted run has at that step, and finishes.
    (tests/core/test_train.py::test_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one shows,
    with fixed seeds, that a resumed run ends with bit-identical weights.)

The children (crash_targets.py) say how far they got on stdout and then block, so the kill lands at the
same point on any machine, however loaded.
"""

from __future__ import annotations

import hashlib
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from privdesk.core.atomic import remove_abandoned_temporaries, temporary_name_pattern
from privdesk.core.mask import reidentify_file
from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.train import checkpoints, read_run, resume
from privdesk.core.train.accounting import PrivacyLedger
from tests.reliability import crash_targets

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS = Path(crash_targets.__file__)
MARKER_TIMEOUT_S = 240  # a child imports torch and plans a DP run first: slow on a loaded 2-core machine


class Child:
    """A crash target running in its own process; stdin stays open so it can block on it.

    Its stderr goes to a file, not a pipe: warnings filling an unread pipe would block the child.
    """

    def __init__(self, log: Path, *args: object):
        paths = [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        self.log = log
        with open(log, "wb") as stderr:
            self.process = subprocess.Popen([sys.executable, str(TARGETS), *map(str, args)], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=stderr, env=env)
        self._pending = b""

    def wait_for(self, prefix: str, timeout: float = MARKER_TIMEOUT_S) -> list[str]:
        """The words of the first stdout line starting with `prefix`; fails if the child ends or takes too long."""
        deadline = time.monotonic() + timeout
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        try:
            while True:
                while b"\n" in self._pending:
                    line, self._pending = self._pending.split(b"\n", 1)
                    if line.decode().startswith(prefix):
                        return line.decode().split()
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    pytest.fail(f"no {prefix!r} line within {timeout} s")
                if selector.select(timeout=min(left, 1.0)):
                    chunk = os.read(self.process.stdout.fileno(), 65536)
                    if not chunk:
                        self.process.wait(timeout=30)
                        pytest.fail(f"the child ended (exit {self.process.returncode}) before {prefix!r}: "
                                    f"{self.log.read_text(errors='replace')[-3000:]}")
                    self._pending += chunk
        finally:
            selector.close()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- (b) export --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_export_killed_mid_write_leaves_the_input_alone_and_nothing_under_the_final_names(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    dataset = crash_targets.write_people(folder / "people.csv", 6_000)
    original, digest, modified = dataset.read_bytes(), sha256(dataset), dataset.stat().st_mtime_ns
    outputs = crash_targets.export_outputs(folder)

    child = Child(tmp_path / "export.log", "export", dataset, folder, 4_200)
    try:
        child.wait_for("EXPORTING")
        # While the writer lives, its temporary files are its own: a sweep must not take them.
        live = sorted(path.name for path in folder.iterdir() if path.name != dataset.name)
        assert len(live) == 2  # the temporary output and the temporary vault
        assert all(remove_abandoned_temporaries(folder, path.name) == 0 for path in outputs.values())
        assert sorted(path.name for path in folder.iterdir() if path.name != dataset.name) == live
    finally:
        child.kill()
    assert child.process.returncode == -signal.SIGKILL

    assert dataset.read_bytes() == original and sha256(dataset) == digest
    assert dataset.stat().st_mtime_ns == modified
    assert not any(path.exists() for path in outputs.values())
    leftovers = [path for path in folder.iterdir() if path != dataset]
    patterns = {name: temporary_name_pattern(path.name) for name, path in outputs.items()}
    owners = {path.name: [name for name, pattern in patterns.items() if pattern.match(path.name)] for path in leftovers}
    assert all(owners.values()), f"not an atomic temporary file: {[n for n, o in owners.items() if not o]}"
    output_temporaries = [path for path in leftovers if owners[path.name] == ["output"]]
    assert len(output_temporaries) == 1
    partial = output_temporaries[0].read_bytes()
    # Most of the eight batches masked before the kill reached the file; the writer's buffer held the rest.
    assert partial.count(b"\n") > 2_000
    assert b"Person1 " not in partial and b"p1@example.org" not in partial  # even a partial file is masked

    # The next export to the same names sweeps the dead writer's temporaries and completes.
    crash_targets.run_export(dataset, folder, pause_at=None)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [dataset.name, *(path.name for path in outputs.values())])
    assert outputs["output"].read_bytes().startswith(partial)  # the killed file was this output, half written
    restored = folder.parent / "restored.csv"
    reidentify_file(outputs["output"], outputs["vault"], crash_targets.PASSPHRASE, restored)
    assert restored.read_bytes() == original


def test_temporaries_are_swept_only_for_their_own_final_name(tmp_path):
    """A dead writer's temporary of another file (say, the input's own backup) is not ours to delete here."""
    other = tmp_path / ".notes.csv.abcdefgh.partial"
    mine = tmp_path / ".out.csv.abcdefgh.partial"
    user_file = tmp_path / "out.csv.partial"  # not an atomic temporary name
    for path in (other, mine, user_file):
        path.write_text("x")
    assert remove_abandoned_temporaries(tmp_path, "out.csv") == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([other.name, user_file.name])


# ---- (c) training ------------------------------------------------------------------------------------------


def reference_epsilons(run_dir: Path, steps: int, *, final: bool = False) -> tuple[float, float]:
    """(PRV ε, RDP ε) of an uninterrupted run after `steps` steps, from the run's planned σ, q and δ alone."""
    planned = read_run(run_dir).plan
    ledger = PrivacyLedger([(planned["noise_multiplier"], planned["sample_rate"], steps)])
    return ledger.epsilon_prv(planned["delta"], final=final), ledger.epsilon_rdp(planned["delta"])


def assert_continues_with_uninterrupted_accounting(run_dir: Path, reports: list, resumed_from: int,
                                                   last_step: int) -> None:
    """The resumed run trained steps resumed_from+1 .. last_step, and every ε it reported is an uninterrupted run's."""
    trained = [r.step for r in reports if r.phase == "training" and not r.message]
    assert trained == list(range(resumed_from + 1, last_step + 1))  # right after the checkpoint, none skipped
    first = next(r for r in reports if r.phase == "training")
    assert first.step == resumed_from and first.epsilon_step == resumed_from
    assert (first.epsilon_prv, first.epsilon_rdp) == reference_epsilons(run_dir, resumed_from)
    for report in reports:
        if report.phase == "training" and report.epsilon_step == report.step and report.step > resumed_from:
            assert (report.epsilon_prv, report.epsilon_rdp) == reference_epsilons(run_dir, report.step)


@pytest.mark.slow
def test_training_killed_while_writing_a_checkpoint_resumes_from_the_last_complete_one(tmp_path):
    """Killed at the worst moment: checkpoint 1 (step 4) is saved, checkpoint 2 (step 8) has every byte in its
    temporary file and is being flushed, not yet renamed. Resume must take step 4, not the half-saved 8."""
    dataset = crash_targets.write_training_notes(tmp_path / "notes.csv")
    run_dir = tmp_path / "run"
    child = Child(tmp_path / "train.log", "train-in-checkpoint", dataset, run_dir, 2)
    try:
        _, temporary, size = child.wait_for("CHECKPOINTING")
    finally:
        child.kill()
    assert child.process.returncode == -signal.SIGKILL
    folder = checkpoints.checkpoint_dir(run_dir)
    assert temporary_name_pattern("step-000000008.ckpt").match(temporary)
    assert (folder / temporary).stat().st_size == int(size) > 0
    assert [s for s, _ in checkpoints.list_checkpoints(run_dir)] == [4]
    assert read_run(run_dir).status == "running"  # the process never got to say anything more

    # Resume, and stop after step 9: its own checkpoint at step 8 swept the dead writer's temporary file.
    cancel = CancelToken()
    reports: list = []

    def stop_after_nine(report) -> None:
        reports.append(report)
        if report.phase == "training" and report.step == 9:
            cancel.cancel()

    with pytest.raises(Cancelled):
        resume(run_dir, key=crash_targets.training_key(), cancel=cancel, progress=stop_after_nine)
    assert_continues_with_uninterrupted_accounting(run_dir, reports, resumed_from=4, last_step=9)
    assert sorted(path.name for path in folder.iterdir()) == ["step-000000008.ckpt", "step-000000009.ckpt"]

    # Resume again and finish: ε at the end is exactly that of an uninterrupted run of the planned steps.
    reports = []
    result = resume(run_dir, key=crash_targets.training_key(), progress=reports.append)
    planned_steps = read_run(run_dir).plan["steps"]
    assert_continues_with_uninterrupted_accounting(run_dir, reports, resumed_from=9, last_step=planned_steps)
    assert result.steps == planned_steps
    assert (result.epsilon_prv, result.epsilon_rdp) == reference_epsilons(run_dir, planned_steps, final=True)
    assert result.epsilon_prv <= read_run(run_dir).config.epsilon
    info = read_run(run_dir)
    assert info.status == "done" and info.model_path is not None
    assert not folder.exists()  # a finished run keeps no checkpoint
