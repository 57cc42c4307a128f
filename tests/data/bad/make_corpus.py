"""Write the small, fixed files of the bad-input corpus (committed next to this script).

    python tests/data/bad/make_corpus.py        # rewrites them; the output is the same every time

The tests read the committed files; this script documents exactly how each one was made (several
are binary) and regenerates them if one is edited by mistake. README.md says what each tests.
Large or project-bound inputs are made at test time instead (make_large.py, and the tests).
"""

from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _billion_laughs() -> str:
    lines = ["name: Laughs", "default: {operator: tag}", "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        lines.append(f"x{level}: &x{level} [" + ", ".join([f"*x{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def corpus() -> dict[str, bytes]:
    """File name (relative to this folder) -> content."""
    rng = random.Random(20240611)
    notes = gzip.compress(_csv("id,note", *(f"{i},Patient {i} was seen today." for i in range(200))), mtime=0)
    deep = 5000  # past the readers' limit of 100 levels and past Python's recursion limit; 10 KB
    return {
        # -- not what the extension says ---------------------------------------------------------
        "empty.csv": b"",
        "bom_only.csv": b"\xef\xbb\xbf",
        "binary_junk.csv": rng.randbytes(4096),
        "truncated.csv.gz": notes[: len(notes) // 2],
        "zip_posing_as.csv": b"PK\x03\x04\x14\x00\x06\x00" + rng.randbytes(256),
        # -- encodings --------------------------------------------------------------------------------
        "latin1.csv": "id,name,city\n1,José Müller,Zürich\n2,Françoise Løvås,Malmö\n".encode("latin-1"),
        "cp1252.csv": "id,note\n1,\u201cQuoted\u201d \u2013 costs 5\u20ac \u2026 O\u2019Brien\n".encode("cp1252"),
        "utf16le_no_bom.csv": "id,name\n1,Ann Smith\n2,Bob Jones\n".encode("utf-16-le"),
        "mixed_encodings.csv": ("id,note\n1,Café in UTF-8\n".encode("utf-8")
                                + "2,Café in cp1252\n".encode("cp1252")),
        "invalid_utf8.csv": b"id,note\n1,stray \x81 and \x8d bytes\n2,cut \xc3\n",
        "nul_bytes.csv": b"id,note\n1,Ann\x00Smith\n2,Bob\n",
        # -- CSV structure ------------------------------------------------------------------------------
        "ragged_extra_field.csv": _csv("id,note", "1,fine", "2,one field too many,Secret Value", "3,fine"),
        "ragged_missing_field.csv": _csv("id,name,note", "1,Ann,fine", "2,Bob", "3,Cid,fine"),
        "unclosed_quote.csv": _csv("id,note", '1,"this quote is never closed', "2,Bob Jones", "3,Cid"),
        "header_only.csv": _csv("id,name,note"),
        "header_only_no_newline.csv": b"id,name,note",
        "duplicate_columns.csv": _csv("id,note,note", "1,first,second"),
        "empty_column_name.csv": _csv("id,,note", "1,unnamed,named"),
        "formula_injection.csv": _csv(
            "id,formula,note",
            '1,"=HYPERLINK(""http://x"",""y"")",Mail dana.levi@example.org today',
            "2,\"+cmd|' /C calc'!A0\",nothing here",
            "3,-2+3,@SUM(1)",
            '4,@SUM(1),"=1+1 then bob@example.com"',
        ),
        # -- text that breaks naive code ----------------------------------------------------------------
        "rtl_combining.csv": _csv(
            "id,note",
            "1,\"שלום, שמי דנה. הכתובת שלי dana.levi@example.org תודה\"",
            "2,مرحبا، بريدي ahmed.k@example.com شكرا",
            "3,\u202eoverride\u202c bob@example.com \u200fmark\u200e",
            "4,Ame\u0301lie Zoe\u0308 with zoe@example.net and n\u0303o\u0336",
            "5,Z\u0334\u0321\u0331a\u0335l\u0336g\u0337o carol@example.org",
        ),
        "emoji.jsonl": "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in [
            {"id": 1, "note": "\U0001F4DE call me \U0001F642 or mail \U0001F469\u200d\u2695\ufe0f eve@example.org"},
            {"id": 2, "note": "flags \U0001F1FA\U0001F1F8\U0001F1EB\U0001F1F7 and \U0001F44D\U0001F3FD frank@example.com \U0001F389"},
            {"id": 3, "note": "astral \U0001D4D0\U0001D4F7\U0001D4F7 gina@example.org"},
        ]).encode("utf-8"),
        # -- JSON -------------------------------------------------------------------------------------------
        "deeply_nested.json": ('[{"note": ' + "[" * deep + "]" * deep + "}]").encode("ascii"),
        "non_string_text.json": json.dumps([
            {"id": 1, "text": "Ann Smith"}, {"id": 2, "text": 42}, {"id": 3, "text": ["Cid", 7]},
            {"id": 4, "text": None}, {"id": 5, "text": True}, {"id": 6, "text": 3.5}, {"id": 7, "text": {"name": "Bob"}},
        ]).encode("utf-8"),
        "mixed_types_array.json": json.dumps([{"text": "Ann"}, 42, "a string", None, ["a"], {"text": "Bob"}]).encode(),
        "broken_line.jsonl": b'{"id": 1, "note": "fine"}\n{"id": 2, "note": "no closing brace"\n{"id": 3, "note": "fine"}\n',
        "lone_surrogate.json": b'[{"note": "half a pair \\ud800 here"}, {"note": "pair \\ud83d\\ude00 is fine"}]',
        "huge_number.json": b'[{"id": 1' + b"0" * 5000 + b', "note": "x"}]',
        "dotted_key_collision.json": b'[{"note": "ok"}, {"patient.name": "Ann", "patient": {"name": "Bob"}}]',
        # -- Parquet -----------------------------------------------------------------------------------------
        "truncated.parquet": _parquet(pa.table({"name": [f"person {i}" for i in range(300)]}))[:900],
        "numbers_only.parquet": _parquet(pa.table({"id": [1, 2, 3], "amount": [1.5, None, 2.25]})),
        "nested_struct.parquet": _parquet(pa.table({
            "id": [1, 2],
            "patient": [{"name": "Ann Smith", "address": {"city": "Boston"}}, {"name": "Bob Jones", "address": None}],
        })),
        "dotted_name_collision.parquet": _parquet(pa.table({"patient.name": ["Ann"], "patient": [{"name": "Bob"}]})),
        # -- a folder of .txt files with a binary one among them --------------------------------------------
        "txt_folder_with_binary/note_1.txt": "Ann Smith called on Monday.\n".encode("utf-8"),
        "txt_folder_with_binary/scan.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(64),
        "txt_folder_with_binary/corrupt.txt": rng.randbytes(512).replace(b"\x00", b"\x01")[:256] + b"\x00" * 64,
        # -- policies ----------------------------------------------------------------------------------------------
        "policy_syntax_error.yaml": b"name: Broken\ndefault: {operator: tag\nentities:\n  PERSON: redact\n",
        "policy_unknown_operator.yaml": b"name: Unknown operator\ndefault: tag\nentities:\n  PERSON: {operator: scramble}\n",
        "policy_wrong_param_type.yaml": (b"name: Wrong type\ndefault: tag\nentities:\n"
                                         b"  CREDIT_CARD: {operator: mask, keep_last: four}\n"),
        "policy_billion_laughs.yaml": _billion_laughs().encode("ascii"),
        "policy_binary.yaml": b"name: x\x00\x01\x02\ndefault: tag\n",
        # -- project and detections files --------------------------------------------------------------------------
        "not_sqlite.privdesk": _csv("id,note", "1,a CSV saved with the project extension"),
        "detections_malformed.jsonl": (b'{"record": 0, "spans": []}\n'
                                       b'{"record": 1, "spans": [{"column": "note", "start": 0, "end": 3\n'
                                       b'{"record": 2, "spans": []}\n'),
        "detections_wrong_fields.jsonl": b'{"record": 0, "spans": [{"column": "note", "begin": 0, "end": 3}]}\n',
        "detections_deeply_nested.jsonl": ('{"record": 0, "spans": ' + "[" * deep + "]" * deep + "}\n").encode("ascii"),
        "detections_name_as_record.jsonl": b'{"record": "Jane Doe", "spans": []}\n',
    }


def main() -> None:
    for name, content in corpus().items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    total = sum(len(content) for content in corpus().values())
    print(f"wrote {len(corpus())} files, {total:,} bytes, under {HERE}")


if __name__ == "__main__":
    main()
