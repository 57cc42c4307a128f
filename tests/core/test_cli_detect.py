"""privdesk-cli detect: one JSON line per input record, in order, offsets into the column's text."""

from __future__ import annotations

import json

import pytest

from privdesk.cli import main


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_detect_csv_writes_one_line_per_record_in_order(tmp_path, capsys):
    data = tmp_path / "tickets.csv"
    data.write_text(
        "id,email,body\n"
        '1,ann.lee@example.org,"Please call me back on +44 20 7946 0958, thanks."\n'
        "2,,Nothing personal in this one.\n"
        '3,bob@example.com,"My card 4111 1111 1111 1111 was charged twice."\n',
        encoding="utf-8",
    )
    out = tmp_path / "detections.jsonl"
    assert main(["detect", str(data), "-o", str(out)]) == 0
    lines = read_lines(out)
    assert [line["record"] for line in lines] == [0, 1, 2]
    bodies = [row.split(",", 2)[2].strip('"') for row in data.read_text().splitlines()[1:]]
    found = {(line["record"], span["entity_type"]) for line in lines for span in line["spans"]}
    assert (0, "PHONE_NUMBER") in found and (2, "CREDIT_CARD") in found
    assert (0, "EMAIL_ADDRESS") in found  # the email column is an identifier column, flagged whole
    assert not [span for span in lines[1]["spans"] if span["column"] == "body"]
    for line in lines:
        for span in line["spans"]:
            assert set(span) == {"column", "start", "end", "entity_type", "score", "recognizer"}
            if span["column"] == "body":
                text = bodies[line["record"]]
                assert 0 <= span["start"] < span["end"] <= len(text)
    phone = next(s for s in lines[0]["spans"] if s["entity_type"] == "PHONE_NUMBER")
    assert bodies[0][phone["start"]:phone["end"]] == "+44 20 7946 0958"


def test_detect_json_array_with_nested_span_lists_and_extra_fields(tmp_path):
    records = [
        {"full_text": "Jane Doe lives at 221B Baker Street, London NW1 6XE.", "id": 7,
         "spans": [{"entity_type": "PERSON", "start_position": 0, "end_position": 8}], "meta": {"source": "x"}},
        {"full_text": "Write to jane.doe@example.com today.", "id": 8, "spans": [], "meta": {"source": "y"}},
    ]
    data = tmp_path / "gold.json"
    data.write_text(json.dumps(records), encoding="utf-8")
    out = tmp_path / "detections.jsonl"
    assert main(["detect", str(data), "--text-column", "full_text", "-o", str(out)]) == 0
    lines = read_lines(out)
    assert len(lines) == 2
    assert {span["column"] for line in lines for span in line["spans"]} == {"full_text"}
    email = [s for s in lines[1]["spans"] if s["entity_type"] == "EMAIL_ADDRESS"]
    assert records[1]["full_text"][email[0]["start"]:email[0]["end"]] == "jane.doe@example.com"


def test_threshold_and_entities_filter(tmp_path):
    data = tmp_path / "notes.txt"
    data.write_text("Email jane.doe@example.com or call (415) 555-0132.\n", encoding="utf-8")
    out = tmp_path / "d.jsonl"
    assert main(["detect", str(data), "--entities", "EMAIL_ADDRESS", "-o", str(out)]) == 0
    types = {span["entity_type"] for span in read_lines(out)[0]["spans"]}
    assert types == {"EMAIL_ADDRESS"}


@pytest.mark.parametrize("args, fragment", [
    (["--text-column", "nope"], "no column 'nope'"),
    (["--identifier", "email"], "COLUMN=TYPE"),
    (["--threshold", "7"], "--threshold"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, args, fragment):
    data = tmp_path / "a.csv"
    data.write_text("email,body\nx@example.org,hello there\n", encoding="utf-8")
    assert main(["detect", str(data), *args, "-o", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()
