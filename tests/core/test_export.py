"""Exporting a sanitized dataset: formats, streaming, atomicity, cancel, formula guard, report, vault round trip."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from privdesk.core.dataset import ReadOptions, read_dataset, sha256_file, write_dataset
from privdesk.core.mask import (
    MaskingError,
    OperatorSpec,
    Policy,
    ReviewSummary,
    VaultError,
    export_dataset,
    load_preset,
    reidentify_file,
)
from privdesk.core.mask import vault as vault_module
from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.synth import generate_dataset, read_gold, write_synth
from privdesk.core.types import Span

SECRET = hashlib.sha256(b"export tests").digest()
PASSPHRASE = "export test passphrase"

# Every reversible operator at once, so one round trip covers them all.
EVERY_OPERATOR = Policy("every operator", default=OperatorSpec("tag"), entities={
    "PERSON": OperatorSpec("surrogate"),
    "EMAIL_ADDRESS": OperatorSpec("encrypt", {"mode": "gcm"}),
    "PHONE_NUMBER": OperatorSpec("hash"),
    "CREDIT_CARD": OperatorSpec("mask", {"keep_last": 4}),
    "US_SSN": OperatorSpec("redact"),
    "DATE_TIME": OperatorSpec("date_shift"),
    "AGE": OperatorSpec("generalize"),
    "LOCATION": OperatorSpec("tag", {"numbered": True}),
    "IBAN_CODE": OperatorSpec("encrypt", {"mode": "siv"}),
})


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)


@pytest.fixture(scope="module")
def notes() -> object:
    return generate_dataset("notes", rows=60, seed=11)


def synth_file(tmp_path: Path, data, fmt: str) -> tuple[Path, list[list[Span]]]:
    path, gold = write_synth(data, tmp_path / f"data.{fmt}")
    return path, read_gold(gold)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix in (".partial", ".narrow"))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_columns_rows_and_untouched_cells_are_kept(tmp_path, notes, fmt):
    source, gold = synth_file(tmp_path, notes, fmt)
    output = tmp_path / f"masked.{fmt}"
    summary = export_dataset(source, gold, load_preset("hipaa_safe_harbor"), SECRET, output, batch_rows=7)
    original = read_dataset(source)
    masked = read_dataset(output)
    assert masked.columns == original.columns and masked.num_rows == original.num_rows == summary.rows
    spanned = {(s.record, s.column) for spans in gold for s in spans}
    for record in range(original.num_rows):
        for column in original.columns:
            if (record, column) not in spanned:
                assert masked.text(record, column) == original.text(record, column)
            else:
                assert masked.text(record, column) != original.text(record, column)
    assert summary.output_sha256 == sha256_file(output)
    assert summary.input_sha256 == sha256_file(source)
    assert summary.replacements > 0 and not leftovers(tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet"])
def test_without_spans_the_output_is_what_write_dataset_writes(tmp_path, notes, fmt):
    source, _ = synth_file(tmp_path, notes, fmt)
    reference = tmp_path / f"reference.{fmt}"
    write_dataset(read_dataset(source), reference)
    output = tmp_path / f"masked.{fmt}"
    export_dataset(source, [], load_preset("pci_dss"), SECRET, output, batch_rows=1000)
    assert output.read_bytes() == reference.read_bytes()


def test_format_conversion_and_txt(tmp_path):
    chat = generate_dataset("chat", rows=30, seed=5)
    source, gold = write_synth(chat, tmp_path / "chat.txt")
    options = ReadOptions(text_split="paragraph")
    spans = read_gold(gold)
    txt_out = tmp_path / "masked.txt"
    export_dataset(source, spans, load_preset("llm_training"), SECRET, txt_out, read_options=options, batch_rows=4)
    assert read_dataset(txt_out, options).num_rows == 30
    parquet_out = tmp_path / "masked.parquet"
    export_dataset(source, spans, load_preset("llm_training"), SECRET, parquet_out, read_options=options)
    assert pq.read_table(parquet_out).column("text").to_pylist() == read_dataset(txt_out, options).column_values("text")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_vault_restores_the_input_byte_for_byte(tmp_path, notes, fmt):
    source, gold = synth_file(tmp_path, notes, fmt)
    output, vault = tmp_path / f"masked.{fmt}", tmp_path / "masked.vault"
    summary = export_dataset(source, gold, EVERY_OPERATOR, SECRET, output, vault_path=vault, passphrase=PASSPHRASE,
                             batch_rows=9)
    operators = set(summary.counts.by_operator())
    assert {"surrogate", "encrypt", "hash", "mask", "redact", "date_shift", "generalize", "tag"} <= operators
    restored = tmp_path / f"restored.{fmt}"
    result = reidentify_file(output, vault, PASSPHRASE, restored)
    assert result.values_restored == summary.vault_entries == summary.replacements
    assert restored.read_bytes() == source.read_bytes()


def test_formula_injection_is_neutralised_in_csv_and_undone_by_the_vault(tmp_path):
    source = tmp_path / "sheet.csv"
    write_dataset(pa.table({"name": ["=cmd|' /C calc'!A0", "plain", "Ann"], "amount": ["-12.50", "+3", "5"],
                            "comment": ["@SUM(A1)", "\ttabbed", "fine"]}), source)
    spans = [[], [], [Span(2, "name", 0, 3, "PERSON")]]
    output, vault = tmp_path / "out.csv", tmp_path / "out.vault"
    summary = export_dataset(source, spans, Policy("p", default=OperatorSpec("redact", {"replacement": "=HYPERLINK()"})),
                             SECRET, output, vault_path=vault, passphrase=PASSPHRASE)
    masked = read_dataset(output)
    assert masked.column_values("name") == ["'=cmd|' /C calc'!A0", "plain", "'=HYPERLINK()"]
    assert masked.column_values("amount") == ["'-12.50", "'+3", "5"]
    assert masked.column_values("comment") == ["'@SUM(A1)", "'\ttabbed", "fine"]
    assert summary.formula_cells_guarded == 6
    reidentify_file(output, vault, PASSPHRASE, tmp_path / "back.csv")
    assert (tmp_path / "back.csv").read_bytes() == source.read_bytes()
    unguarded = tmp_path / "raw.csv"
    export_dataset(source, [], Policy("p"), SECRET, unguarded, neutralise_formulas=False)
    assert unguarded.read_bytes() == source.read_bytes()
    as_json = tmp_path / "out.jsonl"
    export_dataset(source, [], Policy("p"), SECRET, as_json)
    assert json.loads(as_json.read_text(encoding="utf-8").splitlines()[0])["amount"] == "-12.50"  # JSON is not a sheet


def test_export_streams_batch_by_batch(tmp_path, notes, monkeypatch):
    """Spans are asked for one batch at a time, each batch written before the next one's spans are asked for."""
    from privdesk.core.mask import streaming

    source, gold = synth_file(tmp_path, notes, "csv")
    events: list[tuple[str, int]] = []
    original_write = streaming.CsvStreamWriter.write

    def logged_write(self, table, overlay=None):
        events.append(("write", table.num_rows))
        return original_write(self, table, overlay)

    monkeypatch.setattr(streaming.CsvStreamWriter, "write", logged_write)

    def lazy_spans():
        for record, spans in enumerate(gold):
            events.append(("spans", record))
            yield spans

    export_dataset(source, lazy_spans(), load_preset("hipaa_safe_harbor"), SECRET, tmp_path / "masked.csv", batch_rows=10)
    writes = [index for index, event in enumerate(events) if event[0] == "write"]
    assert len(writes) == 6
    for batch, position in enumerate(writes):
        asked_before = [record for kind, record in events[:position] if kind == "spans"]
        assert asked_before == list(range(10 * (batch + 1)))  # only this batch's spans, none ahead


def test_cancel_leaves_no_output_vault_or_report(tmp_path, notes):
    source, gold = synth_file(tmp_path, notes, "csv")
    output = tmp_path / "masked.csv"
    output.write_text("an older export\n")
    token = CancelToken()

    def progress(info):
        if info.done > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        export_dataset(source, gold, load_preset("llm_training"), SECRET, output, report_path=tmp_path / "r.html",
                       vault_path=tmp_path / "v.vault", passphrase=PASSPHRASE, batch_rows=5, progress=progress,
                       cancel=token)
    assert output.read_text() == "an older export\n"
    assert not (tmp_path / "v.vault").exists() and not (tmp_path / "r.html").exists()
    assert not (tmp_path / "r.json").exists() and not leftovers(tmp_path)


def test_detections_that_do_not_fit_the_data_fail_cleanly(tmp_path, notes):
    source, gold = synth_file(tmp_path, notes, "csv")
    output = tmp_path / "masked.csv"
    shifted = [[Span(r, s.column, s.start + 1, s.end + 1, s.entity_type, extra=dict(s.extra)) for s in spans]
               for r, spans in enumerate(gold)]
    with pytest.raises(MaskingError, match="does not cover the text"):
        export_dataset(source, shifted, load_preset("pci_dss"), SECRET, output)
    with pytest.raises(MaskingError, match="column"):
        export_dataset(source, [[Span(0, "nope", 0, 1, "PERSON")]], load_preset("pci_dss"), SECRET, output)
    with pytest.raises(MaskingError, match="beyond"):
        export_dataset(source, gold + [[Span(len(gold), "note_text", 0, 1, "PERSON")]], load_preset("pci_dss"),
                       SECRET, output)
    with pytest.raises(MaskingError, match="record 3"):
        export_dataset(source, [[], [], [], [Span(4, "note_text", 0, 1, "PERSON")]], load_preset("pci_dss"), SECRET,
                       output)
    assert not output.exists() and not leftovers(tmp_path)


def test_never_writes_over_the_input(tmp_path, notes):
    source, gold = synth_file(tmp_path, notes, "csv")
    before = source.read_bytes()
    with pytest.raises(MaskingError, match="input dataset"):
        export_dataset(source, gold, load_preset("pci_dss"), SECRET, source)
    with pytest.raises(MaskingError, match="input dataset"):
        export_dataset(source, gold, load_preset("pci_dss"), SECRET, tmp_path / "o.csv", vault_path=source,
                       passphrase=PASSPHRASE)
    with pytest.raises(MaskingError, match="different files"):
        export_dataset(source, gold, load_preset("pci_dss"), SECRET, tmp_path / "o.csv", vault_path=tmp_path / "o.csv",
                       passphrase=PASSPHRASE)
    with pytest.raises(MaskingError, match="passphrase"):
        export_dataset(source, gold, load_preset("pci_dss"), SECRET, tmp_path / "o.csv", vault_path=tmp_path / "v")
    assert source.read_bytes() == before


def test_typed_json_values_and_late_columns(tmp_path):
    """JSON is typed batch by batch: a masked number becomes text, a column may appear late; all of it comes back."""
    records = [{"id": i, "age": 30 + i, "note": f"Patient {i} is {30 + i} today"} for i in range(6)]
    records += [{"id": 6, "age": 44, "note": "Late record", "extra": {"city": "Boston"}}]
    source = tmp_path / "typed.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    spans = [[Span(i, "age", 0, len(str(30 + i)), "AGE")] if i % 2 == 0 else [] for i in range(6)]
    spans.append([Span(6, "extra.city", 0, 6, "LOCATION")])
    policy = Policy("p", entities={"AGE": OperatorSpec("generalize")})
    for fmt in ("jsonl", "csv", "parquet"):
        output, vault = tmp_path / f"typed.out.{fmt}", tmp_path / f"typed.{fmt}.vault"
        export_dataset(source, spans, policy, SECRET, output, vault_path=vault, passphrase=PASSPHRASE, batch_rows=3)
        masked = read_dataset(output)
        assert masked.columns == ["id", "age", "note", "extra.city"]
        assert masked.text(0, "age") == "30-39" and masked.text(1, "age") == "31" and masked.text(6, "extra.city") == "<LOCATION>"
        restored = tmp_path / f"typed.back.{fmt}"
        reidentify_file(output, vault, PASSPHRASE, restored)
        if fmt == "jsonl":
            assert restored.read_bytes() == source.read_bytes()
        elif fmt == "parquet":
            table = pq.read_table(restored)
            assert table.column("age").type == pa.int64() and table.column("age").to_pylist() == [r["age"] for r in records]
        else:
            assert read_dataset(restored).column_values("age") == [str(r["age"]) for r in records]


def test_reidentify_refuses_a_changed_output_a_wrong_passphrase_and_another_project(tmp_path, notes):
    source, gold = synth_file(tmp_path, notes, "csv")
    output, vault = tmp_path / "m.csv", tmp_path / "m.vault"
    export_dataset(source, gold, EVERY_OPERATOR, SECRET, output, vault_path=vault, passphrase=PASSPHRASE,
                   project_id="project-A")
    with pytest.raises(VaultError, match="passphrase is wrong"):
        reidentify_file(output, vault, "guess", tmp_path / "r.csv")
    with pytest.raises(VaultError, match="another project"):
        reidentify_file(output, vault, PASSPHRASE, tmp_path / "r.csv", expected_project_id="project-B")
    output.write_bytes(output.read_bytes().replace(b"NOTE-000001", b"NOTE-000999"))
    with pytest.raises(VaultError, match="not the file the vault was written for"):
        reidentify_file(output, vault, PASSPHRASE, tmp_path / "r.csv")
    assert not (tmp_path / "r.csv").exists()


CANARIES = ("Zebulon Quagmire-Xylophone", "zq.canary@example.invalid", "+1 555 013 7777", "4929 1307 6151 8427")


def test_the_report_and_the_logs_hold_no_pii(tmp_path, caplog):
    text_template = "Patient {0} wrote from {1}, phone {2}, card {3}."
    rows = [text_template.format(*CANARIES) for _ in range(5)]
    source = tmp_path / "canary.csv"
    write_dataset(pa.table({"note": rows, "name": [CANARIES[0]] * 5}), source)
    spans = []
    for record, text in enumerate(rows):
        spans.append([Span(record, "note", text.index(value), text.index(value) + len(value), entity)
                      for value, entity in zip(CANARIES, ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"))]
                     + [Span(record, "name", 0, len(CANARIES[0]), "PERSON")])
    caplog.set_level(logging.DEBUG)
    for preset in ("hipaa_safe_harbor", "gdpr_pseudonymisation", "pci_dss", "llm_training"):
        report = tmp_path / f"{preset}.html"
        summary = export_dataset(source, spans, load_preset(preset), SECRET, tmp_path / f"{preset}.csv", report_path=report,
                                 vault_path=tmp_path / f"{preset}.vault", passphrase=PASSPHRASE,
                                 review=ReviewSummary(source="detections file"))
        assert summary.report_paths == [report, report.with_suffix(".json")]
        everything = (report.read_text(encoding="utf-8") + report.with_suffix(".json").read_text(encoding="utf-8")
                      + (tmp_path / f"{preset}.csv").read_text(encoding="utf-8") + caplog.text)
        vault_bytes = (tmp_path / f"{preset}.vault").read_bytes()
        for canary in CANARIES:
            words = [word for word in re.split(r"[ -]", canary) if len(word) >= 5]
            for fragment in (canary, canary.replace(" ", ""), *words):
                assert fragment not in everything, (preset, fragment)
            assert canary.encode() not in vault_bytes


def test_the_report_says_what_was_done(tmp_path, notes):
    source, gold = synth_file(tmp_path, notes, "csv")
    policy = load_preset("gdpr_pseudonymisation")
    review = ReviewSummary(source="project", total_records=60, reviewed_records=20, pending_spans=7,
                           pending_below_threshold=3, threshold=0.5)
    summary = export_dataset(source, gold, policy, SECRET, tmp_path / "m.csv", report_path=tmp_path / "audit.json",
                             vault_path=tmp_path / "m.vault", passphrase=PASSPHRASE, review=review,
                             project_id="project-42")
    report = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert report["input"] == {"file": "data.csv", "format": "csv", "sha256": sha256_file(source), "records": 60}
    assert report["output"]["sha256"] == sha256_file(tmp_path / "m.csv")
    assert report["policy"]["sha256"] == policy.sha256() and report["policy"]["name"] == "GDPR pseudonymisation"
    assert report["tool"]["version"] and re.match(r"\d{4}-\d\d-\d\dT", report["created_at"])
    spans_total = sum(len(spans) for spans in gold)
    assert report["masking"]["spans"] == spans_total
    assert sum(report["masking"]["by_entity_type"].values()) == summary.replacements
    gold_types = {s.entity_type for spans in gold for s in spans}
    assert set(report["masking"]["by_entity_type"]) == gold_types
    assert report["masking"]["by_entity_type_and_operator"]["PERSON"] == {"surrogate": summary.counts.by_entity()["PERSON"]}
    assert report["review"] == {"source": "project", "total_records": 60, "reviewed_records": 20,
                                "unreviewed_records": 40, "pending_spans": 7, "pending_below_threshold": 3,
                                "threshold": 0.5}
    assert report["vault"] == {"written": True, "file": "m.vault", "entries": summary.vault_entries,
                               "bound_to_project": "project-42"}
    html = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and policy.sha256() in html and "3 pending span(s)" in html
    assert "<script" not in html and "src=" not in html and "href=" not in html  # self-contained


def test_progress_is_reported(tmp_path, notes):
    source, gold = synth_file(tmp_path, notes, "csv")
    infos = []
    export_dataset(source, gold, load_preset("pci_dss"), SECRET, tmp_path / "m.csv", batch_rows=10, progress=infos.append)
    assert infos and infos[-1].message == "done"
    assert infos[-1].done == infos[-1].total


def test_a_masked_number_column_in_parquet(tmp_path):
    """A float column with masked ages becomes text in the output (pandas can still read it) and comes back as floats."""
    import pandas as pd

    source = tmp_path / "ages.parquet"
    pd.DataFrame({"age": [42.0, 91.0, 33.5], "name": ["a", "b", "c"]}).to_parquet(source, index=False)
    spans = [[Span(0, "age", 0, 4, "AGE")], [], [Span(2, "age", 0, 4, "AGE")]]
    output, vault = tmp_path / "out.parquet", tmp_path / "out.vault"
    export_dataset(source, spans, Policy("p", entities={"AGE": OperatorSpec("generalize")}), SECRET, output,
                   vault_path=vault, passphrase=PASSPHRASE)
    assert pd.read_parquet(output)["age"].tolist() == ["40-49", "91.0", "30-39"]
    reidentify_file(output, vault, PASSPHRASE, tmp_path / "back.parquet")
    assert (tmp_path / "back.parquet").read_bytes() == source.read_bytes()
