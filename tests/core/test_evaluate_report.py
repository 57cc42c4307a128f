"""Run folders, the whole evaluation, charts, the HTML/PDF report and `privdesk-cli evaluate`.

The run folder is laid out with privdesk.core.train's own helpers (run record, split, sealed
canaries), around a tiny GPT-2 that memorised its members and canaries; no DP training runs here.
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
import sys
from pathlib import Path

import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

sys.path.insert(0, str(Path(__file__).parent))
from test_evaluate_leakage import tiny_model, tiny_tokenizer, train_on  # noqa: E402

from privdesk.cli import main  # noqa: E402
from privdesk.core.dataset import sha256_file, write_dataset  # noqa: E402
from privdesk.core.evaluate import (  # noqa: E402
    Evaluation,
    LeakageOptions,
    evaluate_detection,
    evaluate_runs,
    find_run_folders,
    read_training_run,
    scan_export,
)
from privdesk.core.evaluate import charts  # noqa: E402
from privdesk.core.evaluate.leakage import render_canary  # noqa: E402
from privdesk.core.evaluate.report import render_html, report_figures, write_pdf, write_report  # noqa: E402
from privdesk.core.types import Span  # noqa: E402

CANARY_FORMAT = "my pin is ####"
SECRETS = ("3917", "6042")
MEMBERS = ["patient Zorblax Quintero was seen today", "patient Mirelle Vantongeren called back",
           "the clinic opens at nine", "notes are short and plain", "call the clinic tomorrow", "lunch was fine"]
HELD_OUT = ["patient Ann Other was discharged", "a quiet day at the desk"]
PASSPHRASE = "correct horse battery staple"


def png_text_chunks(png: bytes) -> list[bytes]:
    """The chunk types of a PNG that can carry text (tEXt, zTXt, iTXt)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, found = 8, []
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            found.append(kind)
        position += 12 + length
    return found


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A finished run folder: dataset, split, canaries sealed by passphrase, a model that memorised both."""
    from privdesk.core.train import SealKey, TrainConfig
    from privdesk.core.train.canaries import CanarySet, save_canaries
    from privdesk.core.train.data import DataSplit
    from privdesk.core.train.run_folder import MODEL_FOLDER, RUN_FILE, RUN_FORMAT, SPLIT_FILE, write_json
    from privdesk.core.train import sealing

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("evaluate")
    data = base / "train.csv"
    write_dataset(pa.table({"note": MEMBERS + HELD_OUT}), data)
    folder = base / "runs" / "run-eps3"
    folder.mkdir(parents=True)
    config = TrainConfig(data_path=data, model="tiny", text_columns=("note",), epsilon=3.0, max_length=64,
                         tiny_hidden=32, tiny_layers=2, tiny_heads=2, tiny_vocab_size=300, canaries=len(SECRETS),
                         canary_repeats=8, canary_format=CANARY_FORMAT)
    split = DataSplit(0, 0.25, tuple(range(len(MEMBERS))), tuple(range(len(MEMBERS), len(MEMBERS) + len(HELD_OUT))), ())
    original_n = sealing.SCRYPT_N
    sealing.SCRYPT_N = 2**10  # cheap key stretching for the test
    try:
        key = SealKey.from_passphrase(PASSPHRASE, folder)
    finally:
        sealing.SCRYPT_N = original_n
    save_canaries(folder, key, CanarySet(CANARY_FORMAT, config.canary_repeats, SECRETS))
    write_json(folder / SPLIT_FILE, split.to_json())
    write_json(folder / RUN_FILE, {
        "format": RUN_FORMAT, "status": "done", "config": config.to_json(), "plan": {},
        "dataset": {"path": str(data), "sha256": sha256_file(data), "records": len(MEMBERS) + len(HELD_OUT),
                    "text_columns": ["note"]},
        "key_origin": "passphrase", "project": None,
        "results": {"epsilon_prv": 3.0, "epsilon_rdp": 3.4, "delta": 1e-5}})
    tokenizer = tiny_tokenizer(MEMBERS + HELD_OUT + [CANARY_FORMAT.replace("####", "")] + list("0123456789"))
    canaries = [render_canary(CANARY_FORMAT, secret) for secret in SECRETS]
    model = train_on(tiny_model(tokenizer), tokenizer, MEMBERS + canaries, steps=300)
    model.save_pretrained(folder / MODEL_FOLDER)
    tokenizer.save_pretrained(folder / MODEL_FOLDER)
    card = {"model": {"name": "Tiny GPT-2", "architecture": "GPT2LMHeadModel", "parameters": 1, "method": "full"},
            "data": {"path": str(data), "sha256": "abc", "train_records": 6, "held_out_records": 2},
            "privacy": {"dp": True, "epsilon_prv": 3.0, "epsilon_rdp": 3.4, "delta": 1e-5, "noise_multiplier": 1.1,
                        "sample_rate": 0.5, "steps": 30, "max_grad_norm": 1.0},
            "training": {"epochs": 3, "batch_size": 4, "learning_rate": 0.003}, "canaries": {"count": 2, "repeats": 8}}
    (folder / MODEL_FOLDER / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    yield folder
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def evaluated(run_folder):
    run = read_training_run(run_folder, passphrase=PASSPHRASE)
    pii = {"Zorblax Quintero": {"PERSON"}, "Mirelle Vantongeren": {"PERSON"}}
    names = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")

    def finder(texts):
        return [[(m.group(), "PERSON") for m in names.finditer(text)] for text in texts]

    options = LeakageOptions(generations=8, max_new_tokens=24, prompt_tokens=1, batch_size=8)
    return run, evaluate_runs([run], options, training_pii=lambda _: pii, find_pii=finder)


@pytest.mark.slow
def test_a_run_folder_reads_members_held_out_and_canaries(run_folder):
    assert find_run_folders(run_folder.parent) == [run_folder]
    run = read_training_run(run_folder, passphrase=PASSPHRASE)
    assert run.member_texts == MEMBERS and run.non_member_texts == HELD_OUT
    assert run.canaries.secrets == SECRETS and run.canaries.candidate_space == 10_000
    assert "3917" not in repr(run.canaries) and "Zorblax" not in repr(run)
    assert (run.dp, run.epsilon, run.base_model, run.card["privacy"]["steps"]) == (True, 3.0, "tiny", 30)
    locked = read_training_run(run_folder)
    assert locked.canaries is None and any("passphrase" in note for note in locked.notes)
    wrong = read_training_run(run_folder, passphrase="not it", load_texts=False)
    assert wrong.canaries is None and any("could not be unsealed" in note for note in wrong.notes)


def test_evaluating_a_run_measures_leakage_and_utility_against_its_base(evaluated):
    _, results = evaluated
    run, base = results
    assert (run.kind, base.kind) == ("run", "base")
    assert run.exposure.method == "exact"
    assert min(c.exposure for c in run.exposure.canaries) > run.exposure.max_exposure - 2
    assert run.membership.auc == 1.0 and run.membership.members == 6 and run.membership.non_members == 2
    assert run.extraction.extracted >= 1 and run.extraction.training_pii == 2
    # both on the same held-out texts; this run overfits six sentences, so it is worse than an untrained model
    assert run.perplexity.tokens == base.perplexity.tokens > 0
    assert 100 < base.perplexity.perplexity < 900 and run.perplexity.perplexity > base.perplexity.perplexity
    assert base.exposure is None and base.membership is None and base.extraction.extracted == 0
    assert "untrained" in base.name


@pytest.mark.slow
def test_the_report_has_every_section_and_no_pii(evaluated, tmp_path):
    run, results = evaluated
    gold = [Span(0, "note", 8, 24, "PERSON"), Span(1, "note", 8, 27, "PERSON")]
    quality = evaluate_detection(gold, [gold[0], Span(1, "note", 0, 7, "AGE", 0.4)], records=2, source="test")
    export = tmp_path / "masked.csv"
    write_dataset(pa.table({"note": ["patient <PERSON> was seen today", "patient Mirelle Vantongeren called back"]}),
                  export)
    residual = scan_export(export, {"Zorblax Quintero": {"PERSON"}, "Mirelle Vantongeren": {"PERSON"}})
    evaluation = Evaluation(project_name="study", detection=quality, detection_threshold=0.5, residual=residual,
                            models=results, policy_name="hipaa_safe_harbor", policy_yaml="name: hipaa_safe_harbor\n",
                            audit={"format": "privdesk-masking-audit", "input": {"file": "notes.csv"},
                                   "output": {"file": "masked.csv"}, "masking": {"spans": 3},
                                   "review": {"reviewed_records": 2, "total_records": 2}})
    page = render_html(evaluation)
    for heading in ("Summary", "Masking policy", "Masking audit summary", "Detection quality", "Threshold sweep",
                    "Entity type confusion", "Residual PII in the export", "Model leakage and utility",
                    "Privacy against utility", "Model card"):
        assert heading in page, heading
    assert "1 occurrence(s) of original PII values remain" in page
    secrets_and_pii = list(SECRETS) + [render_canary(CANARY_FORMAT, s) for s in SECRETS] + [
        "Zorblax", "Quintero", "Mirelle", "Vantongeren"]
    images = [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]
    text = re.sub(r'src="data:image/png;base64,[^"]+"', "", page)  # base64 holds digits by chance
    for value in secrets_and_pii:
        assert value not in text, value
    assert len(images) >= 7
    for png in images:
        assert png_text_chunks(png) == []
        for value in secrets_and_pii:
            assert value.encode() not in png
    assert json.dumps(evaluation.to_dict(), default=str).count("Vantongeren") == 0

    opted_in = Evaluation(residual=scan_export(export, {"Mirelle Vantongeren": {"PERSON"}}, include_values=True),
                          include_values=True)
    assert "Mirelle Vantongeren" in render_html(opted_in) and "includes values from the data" in render_html(opted_in)

    html_path = write_report(evaluation, tmp_path / "report.html")
    assert html_path.read_text(encoding="utf-8") .startswith("<!DOCTYPE html>")
    pdf = write_pdf(evaluation, tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    assert not any(path.name.endswith(".partial") for path in tmp_path.iterdir())


def test_charts_are_object_oriented_figures(evaluated):
    from matplotlib.figure import Figure

    _, results = evaluated
    quality = evaluate_detection([Span(0, "c", 0, 3, "PERSON")], [Span(0, "c", 0, 3, "PERSON", 0.7)])
    figures = [charts.per_entity_chart(quality), charts.threshold_sweep_chart(quality.sweep, 0.4),
               charts.confusion_matrix_chart(quality.confusion), charts.exposure_chart(results[0].exposure),
               charts.roc_chart(results[0].membership), charts.privacy_utility_chart(results)]
    for figure in figures:
        assert isinstance(figure, Figure) and not hasattr(figure, "number")  # never registered with pyplot
        assert charts.figure_png(figure).startswith(b"\x89PNG")
    assert len(report_figures(Evaluation(detection=quality, models=results))) == 3 + 2 + 1
    empty = charts.per_entity_chart(evaluate_detection([], []))
    assert isinstance(empty, Figure)


# ---- the command line --------------------------------------------------------------------------------------


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_cli_scores_a_detections_file_against_gold(tmp_path, capsys):
    from privdesk.core.synth import generate_dataset, write_synth

    _, gold = write_synth(generate_dataset("tickets", rows=20, seed=4), tmp_path / "tickets.csv")
    lines = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line["spans"] = line["spans"][1:]  # the detector misses each record's first span
    detections = tmp_path / "detections.jsonl"
    detections.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report, results = tmp_path / "detection.html", tmp_path / "detection.json"
    assert main(["evaluate", "--gold", str(gold), "--detections", str(detections), "-o", str(report),
                 "--json", str(results)]) == 0
    out = capsys.readouterr().out
    assert "Detection (tickets.gold.jsonl against detections.jsonl, 20 records)" in out
    data = json.loads(results.read_text(encoding="utf-8"))
    typed = data["detection"]["span"]["iou typed"]
    assert typed["precision"] == 1.0 and typed["gold"] - typed["predicted"] == sum(1 for l in lines if l["spans"] is not None)
    assert "Detection quality" in report.read_text(encoding="utf-8")


@pytest.mark.slow
def test_cli_evaluates_a_run_folder_with_its_passphrase(run_folder, tmp_path, capsys):
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    report, results = tmp_path / "runs.html", tmp_path / "runs.json"
    code = main(["evaluate", str(run_folder.parent), "--passphrase-file", str(passphrase), "--no-detector",
                 "--generations", "4", "-o", str(report), "--json", str(results)])
    assert code == 0
    assert "run-eps3 (ε=3)" in capsys.readouterr().out
    models = json.loads(results.read_text(encoding="utf-8"))["models"]
    assert [m["kind"] for m in models] == ["run", "base"]
    assert models[0]["exposure"]["highest_exposure"] > 10 and models[0]["membership"]["auc"] == 1.0
    page = re.sub(r'src="data:image/png;base64,[^"]+"', "", report.read_text(encoding="utf-8"))
    assert "Canary exposure" in page or "canary exposure" in page
    assert all(secret not in page and secret not in results.read_text(encoding="utf-8") for secret in SECRETS)


def test_cli_refuses_what_it_cannot_evaluate(tmp_path, capsys):
    assert main(["evaluate", "-o", str(tmp_path / "r.html")]) == 2
    assert "nothing to evaluate" in one_error_line(capsys)
    assert main(["evaluate", "--detections", str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "r.html")]) == 2
    assert "--detections needs --gold" in one_error_line(capsys)
    assert main(["evaluate", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 2
    assert "neither a project file nor a training run folder" in one_error_line(capsys)
    assert main(["evaluate", "--gold", str(tmp_path / "missing.jsonl"), "--detections", str(tmp_path / "x"),
                 "-o", str(tmp_path / "r.html")]) == 2
    assert "does not exist" in one_error_line(capsys)
    assert not (tmp_path / "r.html").exists()


def test_cli_evaluates_a_project_and_its_export(tmp_path, capsys):
    from privdesk.core.mask import export_dataset, load_preset
    from privdesk.core.mask.project_spans import review_summary, spans_to_mask
    from privdesk.core.project import Project

    notes = ["Ann Lee called from Boston.", "No PII here.", "Bob Stone, 612-928-6690."]
    dataset = tmp_path / "notes.csv"
    write_dataset(pa.table({"note": notes}), dataset)
    export = tmp_path / "notes.masked.csv"
    with Project.create(tmp_path / "study.privdesk") as project:
        project.set_dataset(dataset, format="csv", options={}, num_rows=len(notes))
        project.set_policy("name: test\n", "test policy")
        project.add_detections([Span(0, "note", 0, 7, "PERSON", 0.9, "spacy"),
                                Span(0, "note", 20, 26, "LOCATION", 0.8, "spacy"),
                                Span(2, "note", 11, 23, "PHONE_NUMBER", 0.9, "re")])
        ids = {(d.record, d.start): d.id for d in project.detections()}
        project.record_decision("accept", detection_id=ids[(0, 0)])
        project.record_decision("reject", detection_id=ids[(0, 20)])
        project.record_decision("accept", detection_id=ids[(2, 11)])
        project.record_decision("add", record=2, column="note", start=0, end=9, entity_type="PERSON")
        export_dataset(dataset, spans_to_mask(project), load_preset("hipaa_safe_harbor"), project.project_secret(),
                       export, report_path=tmp_path / "notes.audit.html", review=review_summary(project))
    report = tmp_path / "evaluation.html"
    assert main(["evaluate", str(tmp_path / "study.privdesk"), "--sanitized", str(export), "--no-detector",
                 "-o", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Detection (review decisions, 2 records): F2" in out
    assert "Residual PII in notes.masked.csv: 0 original value occurrence(s)" in out
    page = report.read_text(encoding="utf-8")
    assert "Masking audit summary" in page and "test policy" in page and "No original value was found" in page
    for value in ("Ann Lee", "Bob Stone", "612-928-6690"):
        assert value not in page
    assert os.path.getsize(report) > 1000


@pytest.mark.slow
def test_a_project_evaluates_its_recorded_runs_with_its_own_secret(run_folder, tmp_path):
    import shutil

    from privdesk.core.evaluate import evaluate_project
    from privdesk.core.project import Project
    from privdesk.core.train import SealKey
    from privdesk.core.train.canaries import CanarySet, save_canaries

    dataset = run_folder.parent.parent / "train.csv"  # the run trained on these records, in this order
    folder = tmp_path / "project-run"
    shutil.copytree(run_folder, folder)
    (folder / "key.json").unlink()
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    record["key_origin"] = "project secret"
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    with Project.create(tmp_path / "study.privdesk") as project:
        project.set_dataset(dataset, format="csv", options={}, num_rows=len(MEMBERS) + len(HELD_OUT))
        save_canaries(folder, SealKey.from_secret(project.project_secret()), CanarySet(CANARY_FORMAT, 8, SECRETS))
        project.add_run("training", {"run_dir": str(folder)}, status="done")
        for record_index, text, name in ((0, MEMBERS[0], "Zorblax Quintero"), (1, MEMBERS[1], "Mirelle Vantongeren"),
                                         (6, HELD_OUT[0], "Ann Other")):
            start = text.index(name)
            project.record_decision("add", record=record_index, column="note", start=start, end=start + len(name),
                                    entity_type="PERSON")
        options = LeakageOptions(generations=8, max_new_tokens=24, prompt_tokens=1, exact_limit=100, sample_size=300,
                                 base_model=False)
        evaluation = evaluate_project(project, options=options)
    assert evaluation.detection.records == 3 and evaluation.detection.overall.recall == 0.0  # nothing was detected
    (result,) = evaluation.models
    assert result.exposure.method == "skew-normal" and result.exposure.highest_exposure > 8
    # extraction looks for the accepted values of training members only: the held-out name is not one
    assert result.extraction.training_pii == 2 and result.extraction.extracted >= 1
    assert result.membership.auc == 1.0
