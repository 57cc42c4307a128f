"""The whole PrivDesk pipeline at tiny sizes, in process and through privdesk-cli, for the reliability tests.

    data = canary_dataset(rows=40)                    # synthetic notes seeded with unique canary values
    dataset, gold = write_synth(data, folder / "notes.csv")
    outputs = run_pipeline(folder, dataset, engine=DetectionEngine(DetectionSettings(jobs=1)),
                           canary_spans=canary_spans(data))
    cli = run_cli_pipeline(folder, dataset, gold, env=...)

run_pipeline calls the core functions the GUI calls: load, detect (the real engine), review decisions
(accept, reject, relabel, add, undo, redo) on a Project, mask and export with a preset, an audit
report and a vault, re-identify, train a tiny DP model (cancelled once and resumed, so a sealed
checkpoint exists), evaluate the project and write the report (HTML with its charts embedded as PNG, and the numbers as JSON). The PDF report is written by the
CLI pipeline (the same charts again, and seconds of drawing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from privdesk.core.synth import SynthDataset, generate_dataset
from privdesk.core.types import Span

# ---- canaries ---------------------------------------------------------------------------------------------

CANARY_PERSON = "Zorblax Quintavius"
CANARY_EMAIL = "zq-canary-7731@example.org"
CANARY_PHONE = "(929) 555-0147"
CANARY_SSN = "531-74-2968"
CANARY_ADDRESS = "4417 Quillfeather Lane, Vexmoor"
CANARY_VALUES = (CANARY_PERSON, CANARY_EMAIL, CANARY_PHONE, CANARY_SSN, CANARY_ADDRESS)
# Parts of canaries that would still identify the record: the surname alone, the e-mail local part, ...
CANARY_FRAGMENTS = ("Quintavius", "Zorblax", "zq-canary-7731", "555-0147", "9295550147", "531742968",
                    "Quillfeather", "Vexmoor")
CANARY_RECORDS = (1, 4, 7)  # records whose note gets the canary sentence (more than one: a BPE merge needs two)
CANARY_NAME_RECORD = 1  # its patient_name cell is the canary person
PASSPHRASE = "correct horse battery staple"

_SENTENCE = (("Contact ", None), (CANARY_PERSON, "PERSON"), (" (SSN ", None), (CANARY_SSN, "US_SSN"),
             (") at ", None), (CANARY_ADDRESS, "LOCATION"), (", e-mail ", None), (CANARY_EMAIL, "EMAIL_ADDRESS"),
             (", phone ", None), (CANARY_PHONE, "PHONE_NUMBER"), (".", None))


def canary_dataset(rows: int = 40, seed: int = 11) -> SynthDataset:
    """Synthetic clinical notes; CANARY_RECORDS' notes end with a sentence holding every canary value,
    and CANARY_NAME_RECORD's patient is the canary person. The gold spans cover the canaries too."""
    data = generate_dataset("notes", rows=rows, seed=seed)
    columns = {name: list(values) for name, values in data.columns.items()}
    spans = [span for span in data.spans
             if not (span.record == CANARY_NAME_RECORD and span.column == "patient_name")]
    columns["patient_name"][CANARY_NAME_RECORD] = CANARY_PERSON
    spans.append(Span(CANARY_NAME_RECORD, "patient_name", 0, len(CANARY_PERSON), "PERSON", 1.0, "gold"))
    for record in CANARY_RECORDS:
        text = columns["note_text"][record] + " "
        for part, entity_type in _SENTENCE:
            if entity_type is not None:
                spans.append(Span(record, "note_text", len(text), len(text) + len(part), entity_type, 1.0, "gold"))
            text += part
        columns["note_text"][record] = text
    spans.sort(key=lambda span: (span.record, span.column, span.start))
    return SynthDataset(kind=data.kind, columns=columns, spans=spans, roles=dict(data.roles),
                        template_set=data.template_set, seed=data.seed)


def canary_spans(data: SynthDataset) -> list[Span]:
    """The gold spans that cover a canary value."""
    return [span for span in data.spans if data.value(span) in CANARY_VALUES]


# ---- in process ---------------------------------------------------------------------------------------------


@dataclass
class PipelineOutputs:
    folder: Path
    dataset: Path
    project: Path
    detections: int = 0
    decisions: list[tuple[str, str]] = field(default_factory=list)  # (action, state) of every decision
    export: Path | None = None
    vault: Path | None = None
    restored: Path | None = None
    audit_reports: list[Path] = field(default_factory=list)
    run_dir: Path | None = None
    checkpoint_copy: Path | None = None  # with interrupt_training: the sealed checkpoints at the cancel
    train_result: Any = None
    evaluation: Any = None
    reports: list[Path] = field(default_factory=list)  # evaluation HTML (charts inside) and JSON

    def user_data_files(self) -> set[Path]:
        """Files meant to hold data values: the input, the sanitized export, the vault, the restored copy."""
        return {path.resolve() for path in (self.dataset, self.export, self.vault, self.restored) if path is not None}


def _review(project: Any, canaries: Sequence[Span]) -> None:
    """Accept, reject, relabel, undo and redo on findings elsewhere; over the canaries, accept what was found
    and add each canary's exact range too, as an analyst making sure nothing of it survives would."""
    detections = project.detections()
    covered = [d for d in detections if any(d.overlaps(c) for c in canaries)]
    others = [d for d in detections if d not in covered]
    assert len(others) >= 3, "the synthetic data should give more than three findings outside the canaries"
    project.record_decision("accept", detection_id=others[0].id)
    project.record_decision("reject", detection_id=others[1].id)
    relabel_to = "ORGANIZATION" if others[2].entity_type != "ORGANIZATION" else "LOCATION"
    project.record_decision("relabel", detection_id=others[2].id, entity_type=relabel_to)
    assert [d.action for d in project.undo()] == ["relabel"]
    assert [d.action for d in project.redo()] == ["relabel"]
    for detection in covered:
        project.record_decision("accept", detection_id=detection.id)
    for canary in canaries:
        project.record_decision("add", record=canary.record, column=canary.column, start=canary.start,
                                end=canary.end, entity_type=canary.entity_type)


def _train(outputs: PipelineOutputs, project: Any, interrupt: bool) -> None:
    from privdesk.core.progress import CancelToken, Cancelled
    from privdesk.core.train import SealKey, TrainConfig, resume, train
    from privdesk.core.train.checkpoints import checkpoint_dir

    assert outputs.export is not None
    run_dir = outputs.folder / "runs" / "tiny-dp"
    key = SealKey.from_secret(project.project_secret())
    config = TrainConfig(data_path=outputs.export, model="tiny", epochs=1, batch_size=12, physical_batch_size=12,
                         max_length=32, epsilon=4.0, tiny_vocab_size=400, canaries=1, canary_repeats=2,
                         canary_format="The door code is ####", checkpoint_every_steps=2, num_threads=1)
    outputs.run_dir = run_dir
    if not interrupt:
        outputs.train_result = train(config, run_dir, key=key, project=project)
        return
    # A finished run deletes its checkpoints; cancelling once keeps a copy of them to look into.
    cancel = CancelToken()

    def cancel_after_two_steps(report: Any) -> None:
        if report.phase == "training" and report.step >= 2:
            cancel.cancel()

    try:
        train(config, run_dir, key=key, project=project, progress=cancel_after_two_steps, cancel=cancel)
        raise AssertionError("training should have stopped at the cancel request")
    except Cancelled:
        pass
    outputs.checkpoint_copy = outputs.folder / "checkpoints-at-cancel"
    shutil.copytree(checkpoint_dir(run_dir), outputs.checkpoint_copy)
    outputs.train_result = resume(run_dir, key=key, project=project)


def _evaluate(outputs: PipelineOutputs, project: Any, engine: Any) -> None:
    from privdesk.core.evaluate import LeakageOptions, evaluate_project
    from privdesk.core.evaluate.report import write_report

    # A sampled (skew-normal) exposure of 200 candidates keeps this to seconds; the exact one scores 10,000.
    options = LeakageOptions(generations=4, max_new_tokens=8, max_members=20, batch_size=64, base_model=False,
                             exact_limit=10, sample_size=200)
    evaluation = evaluate_project(project, export_path=outputs.export, engine=engine, options=options)
    folder = outputs.folder / "evaluation"
    html, results = folder / "evaluation.html", folder / "evaluation.json"
    write_report(evaluation, html)
    results.write_text(json.dumps(evaluation.to_dict(), indent=2, default=str), encoding="utf-8")
    outputs.reports = [html, results]
    outputs.evaluation = evaluation


def run_pipeline(folder: Path, dataset: Path, *, engine: Any, canary_spans: Sequence[Span] = (),
                 interrupt_training: bool = False, policy_name: str = "hipaa_safe_harbor") -> PipelineOutputs:
    """Every stage on `dataset`, writing under `folder` (see the module docstring). With
    `interrupt_training`, training is cancelled after its first checkpoint (copied aside) and resumed."""
    from privdesk.core.dataset import inspect_dataset, read_dataset
    from privdesk.core.mask import export_dataset, load_preset, reidentify_file, review_summary, spans_to_mask
    from privdesk.core.mask.presets import preset_path
    from privdesk.core.project import Project

    folder.mkdir(parents=True, exist_ok=True)
    loaded = read_dataset(dataset)
    roles = {column.name: column.role for column in inspect_dataset(dataset).columns}
    outputs = PipelineOutputs(folder=folder, dataset=dataset, project=folder / "study.privdesk")
    with Project.create(outputs.project) as project:
        project.set_dataset(dataset, format=loaded.format, options={}, num_rows=loaded.table.num_rows)
        project.set_column_roles(roles)

        run_id = project.start_detection_run({"threshold": engine.settings.threshold, "jobs": engine.settings.jobs})
        scanned = {column: role for column, role in roles.items() if role.kind != "ignore"}
        for spans in engine.detect_records(loaded, scanned):
            outputs.detections += project.add_detections(spans, run_id)
        project.update_run(run_id, status="done", results={"detections": outputs.detections})

        _review(project, canary_spans)
        outputs.decisions = [(d.action, d.state) for d in project.decisions(include_inactive=True)]

        policy = load_preset(policy_name)
        project.set_policy(preset_path(policy_name).read_text(encoding="utf-8"), policy.name)
        outputs.export, outputs.vault = folder / "notes.masked.csv", folder / "notes.vault"
        summary = export_dataset(dataset, spans_to_mask(project), policy, project.project_secret(), outputs.export,
                                 report_path=folder / "audit.html", vault_path=outputs.vault, passphrase=PASSPHRASE,
                                 project_id=project.project_id, review=review_summary(project))
        outputs.audit_reports = list(summary.report_paths)

        outputs.restored = folder / "notes.restored.csv"
        reidentify_file(outputs.export, outputs.vault, PASSPHRASE, outputs.restored,
                        expected_project_id=project.project_id)

        _train(outputs, project, interrupt_training)
        _evaluate(outputs, project, engine)
    return outputs


# ---- privdesk-cli in subprocesses -------------------------------------------------------------------------------


@dataclass
class CliOutputs:
    folder: Path
    dataset: Path
    gold: Path
    commands: list[tuple[list[str], subprocess.CompletedProcess]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)  # each command's stdout and stderr, as files

    @property
    def export(self) -> Path:
        return self.folder / "notes.masked.csv"

    @property
    def vault(self) -> Path:
        return self.folder / "notes.vault"

    @property
    def restored(self) -> Path:
        return self.folder / "notes.restored.csv"

    def user_data_files(self) -> set[Path]:
        return {path.resolve() for path in (self.dataset, self.gold, self.export, self.vault, self.restored)}

    def failures(self) -> list[str]:
        return [f"privdesk-cli {' '.join(argv)} exited {result.returncode}:\n{result.stderr[-3000:]}"
                for argv, result in self.commands if result.returncode != 0]


def run_cli_pipeline(folder: Path, dataset: Path, gold: Path, *, env: dict[str, str],
                     debug: bool = True, timeout_s: float = 300) -> CliOutputs:
    """inspect, detect (two processes), mask with report and vault, reidentify, train tiny, evaluate (detection
    and residual PII, HTML and PDF), each as `python -m privdesk.cli` under `env`; stops at the first failure.
    Output, and each command's stdout and stderr, go to files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs = CliOutputs(folder, dataset, gold)
    passphrase_file = folder / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret = folder / "project.secret"
    detections = folder / "detections.jsonl"
    run_dir = folder / "runs" / "tiny-cli"
    steps = [
        ["inspect", "--json", str(dataset)],
        ["detect", str(dataset), "--jobs", "2", "-o", str(detections)],
        ["mask", str(dataset), "--policy", "hipaa_safe_harbor", "--detections", str(detections),
         "-o", str(outputs.export), "--report", str(folder / "audit.html"), "--vault", str(outputs.vault),
         "--passphrase-file", str(passphrase_file), "--secret-file", str(secret)],
        ["reidentify", str(outputs.export), "--vault", str(outputs.vault), "--passphrase-file", str(passphrase_file),
         "--secret-file", str(secret), "-o", str(outputs.restored)],
        ["train", str(outputs.export), "--model", "tiny", "--epochs", "1", "--batch-size", "12", "--max-length", "32",
         "--epsilon", "4", "--secret-file", str(secret), "-o", str(run_dir)],
        # The trained model is evaluated in process (run_pipeline); here: detection quality, residual PII, PDF.
        ["evaluate", "--gold", str(gold), "--detections", str(detections), "--dataset", str(dataset),
         "--sanitized", str(outputs.export), "--no-detector", "-o", str(folder / "evaluation.html"),
         "--pdf", str(folder / "evaluation.pdf"), "--json", str(folder / "evaluation.json")],
    ]
    for number, argv in enumerate(steps):
        command = [sys.executable, "-m", "privdesk.cli", *(["--debug"] if debug else []), *argv]
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=folder, timeout=timeout_s)
        outputs.commands.append((argv, result))
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            log = folder / "cli-logs" / f"{number}-{argv[0]}.{stream}.txt"
            log.parent.mkdir(exist_ok=True)
            log.write_text(text, encoding="utf-8")
            outputs.logs.append(log)
        if result.returncode != 0:
            break
    return outputs
