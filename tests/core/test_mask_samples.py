"""Done-when check of the masking issue: every preset on every bundled sample, with its gold spans as detections.

No gold PII string may survive in the output, and the vault must give the input back byte for byte.

"Survive" is checked three ways:
- exact substring search of every gold value in its output cell. A value may still appear there only
  as often as it appears in the parts of the original cell that are not PII (an age "40" also sits
  in "BP 140/95"). Values of at most three digits (ages) are left out of this search: generated text
  (tag numbers such as <PERSON_140>, fake phone digits, the band "40-49") contains such digits by
  chance, so for them the next two checks are the proof;
- outside the replaced regions, the output is the original minus the gold spans, character for
  character: no character of a gold span survives anywhere else;
- no replaced region gives back its own original (nor contains it, for values of four characters or
  more; an age band such as "40-49" for 49 is a band, not the value).
A whole-file search would fail for reasons that are not leaks: ages appear in other records' vitals,
tags like <US_SSN> contain the location "US", and surrogate names come from the same name pools as
the (synthetic) originals, so some surrogate in some record is another record's name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from privdesk.core.dataset import ReadOptions, read_dataset
from privdesk.core.mask import VaultReader, export_dataset, load_preset, preset_names, reidentify_file
from privdesk.core.mask import vault as vault_module
from privdesk.core.synth import read_gold
from privdesk.paths import samples_dir

SECRET = hashlib.sha256(b"bundled samples").digest()
PASSPHRASE = "samples passphrase"
SAMPLES = [("clinical_notes.csv", None), ("support_tickets.jsonl", None), ("bank_transactions.parquet", None),
           ("chat_logs.txt", ReadOptions(text_split="paragraph"))]


def cut(text: str, regions: list[tuple[int, int]]) -> list[str]:
    """The pieces of `text` outside the (sorted, non-overlapping after merging) regions."""
    pieces, position = [], 0
    for start, end in sorted(regions):
        if start >= position:
            pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position:])
    return pieces


def short_number(value: str) -> bool:
    return value.isdigit() and len(value) <= 3


@pytest.mark.parametrize("preset", preset_names())
@pytest.mark.parametrize(("sample", "options"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_preset_leaves_no_gold_pii_and_the_vault_restores_the_input(tmp_path: Path, monkeypatch, preset, sample,
                                                                     options):
    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)
    source = samples_dir() / sample
    gold = read_gold(source.with_name(source.name.rsplit(".", 1)[0] + ".gold.jsonl"))
    output, vault = tmp_path / f"masked{source.suffix}", tmp_path / "masked.vault"
    summary = export_dataset(source, gold, load_preset(preset), SECRET, output, read_options=options, vault_path=vault,
                             passphrase=PASSPHRASE)
    assert summary.counts.spans == sum(len(spans) for spans in gold)

    original, masked = read_dataset(source, options), read_dataset(output, options)
    assert masked.columns == original.columns and masked.num_rows == original.num_rows
    cells: dict[tuple[int, str], dict] = {}
    for item in VaultReader(vault, PASSPHRASE).entries():
        if item["type"] in ("r", "cell"):
            cell = cells.setdefault((item["r"], item["c"]), {"regions": [], "escaped": False})
            if item["type"] == "r":
                cell["regions"].append(item)
            cell["escaped"] |= bool(item.get("esc"))

    for record, spans in enumerate(gold):
        for column in {span.column for span in spans}:
            before = original.text(record, column)
            after = masked.text(record, column)
            cell = cells[(record, column)]
            if cell["escaped"]:
                assert after.startswith("'")
                after = after[1:]
            own = [span for span in spans if span.column == column]
            not_pii = "\x00".join(cut(before, [(s.start, s.end) for s in own]))
            # 1. exact substring search
            for span in own:
                value = before[span.start:span.end]
                if not short_number(value):
                    assert after.count(value) <= not_pii.count(value), (record, column, span.entity_type)
            # 2. outside the replaced regions the output is the original minus the gold spans
            assert cut(after, [(r["s"], r["e"]) for r in cell["regions"]]) == cut(before, [(s.start, s.end) for s in own])
            # 3. no region gives back its original
            for region in cell["regions"]:
                new, old = after[region["s"]:region["e"]], region["o"]
                assert new != old, (record, column, region["t"])
                if len(old) >= 4:
                    assert old not in new, (record, column, region["t"])

    restored = tmp_path / f"restored{source.suffix}"
    reidentify_file(output, vault, PASSPHRASE, restored)
    assert restored.read_bytes() == source.read_bytes()
