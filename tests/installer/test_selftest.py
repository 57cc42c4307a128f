"""`privdesk --self-test` from the virtual environment, and the checks it makes on the exported file.

The bundle runs the same self-test (installer/test_bundle.py, `make installer-test`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from privdesk.core.types import Span
from privdesk.gui.selftest import CellOutcome, gold_file_for, is_covered, leftover_pii, outside
from privdesk.paths import default_sample

STEPS = 7


def self_test_command() -> list[str]:
    """The installed `privdesk` launcher beside this interpreter (what `.venv/bin/privdesk` is)."""
    launcher = Path(sys.executable).with_name("privdesk.exe" if os.name == "nt" else "privdesk")
    assert launcher.is_file(), f"{launcher} is missing: install PrivDesk into this environment (make install)"
    return [str(launcher), "--self-test"]


def run_self_test(*arguments: str, home: Path, timeout: float) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QT_", "PRIVDESK_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_CACHE_HOME=str(home / ".cache"), TMPDIR=str(home))
    return subprocess.run([*self_test_command(), *arguments], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_the_self_test_passes_end_to_end(tmp_path):
    result = run_self_test(home=tmp_path, timeout=900)
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert output.splitlines()[0].startswith("PrivDesk ")
    for step in range(1, STEPS + 1):
        assert f"[{step}/{STEPS}] " in output
    assert output.count(" ... ok (") == STEPS
    assert "(child process)" in output  # detection ran where the Review tab runs it
    assert "no gold PII left" in output and "the vault restores the original" in output
    assert output.rstrip().splitlines()[-1].startswith("SELF-TEST PASSED in ")
    # It cleaned up after itself and left the user's own folders alone.
    assert not [path for path in tmp_path.iterdir() if path.name.startswith("privdesk-selftest-")]
    assert not (tmp_path / ".config" / "PrivDesk").exists()


def test_a_missing_sample_fails_with_a_message(tmp_path):
    missing = tmp_path / "no-such-sample.csv"
    result = run_self_test(str(missing), home=tmp_path, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"[1/{STEPS}] bundled resources and models ... FAILED" in result.stdout
    assert f"SELF-TEST FAILED: step 1 (bundled resources and models): the sample dataset {missing} does not exist" \
        in result.stdout
    assert "SELF-TEST PASSED" not in result.stdout


def test_a_sample_without_gold_spans_fails_with_a_message(tmp_path):
    sample = tmp_path / "notes.csv"
    shutil.copyfile(default_sample(), sample)
    result = run_self_test(str(sample), home=tmp_path, timeout=300)
    assert result.returncode == 1
    assert f"the sample has no gold file {tmp_path / 'notes.gold.jsonl'}" in result.stdout


# -- the output checks, on hand-made cells ------------------------------------------------------------

TEXT = "Pt Jane Roe, 42, seen 2021-03-04 in Boston. BP 140/95."
NAME, AGE, DATE, CITY = (Span(0, "note", 3, 11, "PERSON"), Span(0, "note", 13, 15, "AGE"),
                         Span(0, "note", 22, 32, "DATE_TIME"), Span(0, "note", 36, 42, "LOCATION"))
GOLD = [NAME, AGE, DATE, CITY]


def masked_cell(replacements: dict[Span, str], text: str = TEXT) -> tuple[str, CellOutcome]:
    """`text` with each span replaced, and the vault's regions for it (output offsets, original value)."""
    out, regions, position, shift = "", [], 0, 0
    for span in sorted(replacements, key=lambda s: s.start):
        out += text[position:span.start]
        new = replacements[span]
        start = len(out)
        out += new
        regions.append({"s": start, "e": start + len(new), "o": text[span.start:span.end], "t": span.entity_type})
        position = span.end
    out += text[position:]
    return out, CellOutcome(regions=regions)


def test_a_cleanly_masked_cell_passes():
    after, cell = masked_cell({NAME: "<PERSON_1>", AGE: "40-49", DATE: "2021", CITY: "<LOCATION>"})
    assert leftover_pii(TEXT, after, GOLD, GOLD, cell) == []


def test_a_gold_span_that_was_not_masked_is_reported_without_its_value():
    after, cell = masked_cell({NAME: "<PERSON_1>", AGE: "40-49", DATE: "2021"})
    problems = leftover_pii(TEXT, after, GOLD, [NAME, AGE, DATE], cell)
    assert problems == ["LOCATION at 36-42 was not masked"]
    assert not any("Boston" in problem for problem in problems)


def test_a_value_that_survives_elsewhere_in_the_cell_is_caught():
    text = TEXT + " Seen by Roe."
    after, cell = masked_cell({NAME: "<PERSON_1>", AGE: "40-49", DATE: "2021", CITY: "<LOCATION>"}, text)
    after = after.replace("Seen by Roe.", "Seen by Jane Roe.")  # the output grew a copy of the name
    problems = leftover_pii(text, after, GOLD, GOLD, cell)
    assert "PERSON at 3-11 appears in the output" in problems
    assert "the text outside the masked regions differs from the original" in problems


def test_a_region_that_keeps_its_original_is_caught_even_for_short_numbers():
    after, cell = masked_cell({NAME: "<PERSON_1>", AGE: "42", DATE: "2021", CITY: "<LOCATION>"})
    assert leftover_pii(TEXT, after, GOLD, GOLD, cell) == ["a AGE region kept its original value"]


def test_an_age_that_also_sits_in_the_vitals_is_not_a_leak():
    text = "Aged 40, BP 140/95."
    age = Span(0, "note", 5, 7, "AGE")
    after, cell = masked_cell({age: "40-49"}, text)
    assert leftover_pii(text, after, [age], [age], cell) == []


def test_a_formula_guard_apostrophe_is_allowed():
    text = "=Jane Roe"
    name = Span(0, "note", 1, 9, "PERSON")
    after, cell = masked_cell({name: "<PERSON_1>"}, text)
    # The vault's offsets are those of the cell without the apostrophe the formula guard put in front.
    escaped = CellOutcome(regions=cell.regions, escaped=True)
    assert leftover_pii(text, "'" + after, [name], [name], escaped) == []
    assert leftover_pii(text, after, [name], [name], escaped) == ["the formula guard's apostrophe is missing",
                                                                  "the text outside the masked regions differs "
                                                                  "from the original"]


def test_coverage_joins_touching_spans():
    parts = [Span(0, "note", 3, 7, "PERSON"), Span(0, "note", 7, 11, "PERSON")]
    assert is_covered(NAME, parts)
    assert not is_covered(NAME, parts[:1])
    assert not is_covered(NAME, [Span(0, "other", 0, 50, "PERSON")])  # another column covers nothing here
    assert outside("abcdef", [(1, 3), (2, 4)]) == ["a", "ef"]


def test_the_gold_file_sits_beside_the_sample():
    assert gold_file_for(Path("/data/clinical_notes.csv")) == Path("/data/clinical_notes.gold.jsonl")
    assert gold_file_for(default_sample()).is_file()
