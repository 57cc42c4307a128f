"""Shared fixtures for the core tests: small synthetic datasets with awkward text."""

from __future__ import annotations

import pyarrow as pa
import pytest

# Text that breaks naive readers: accents, CJK, emoji (outside the BMP), right-to-left script, a
# combining mark, quotes, delimiters and newlines inside values, and an empty value.
AWKWARD_TEXTS: tuple[str, ...] = (
    "Zoë Ångström met Dr. Müller in São Paulo",
    "患者の名前は山田太郎です",
    "Call me 📞 +1 (555) 010-9999 🙂",
    "مرحبا، اسمي أحمد",
    "שלום, קוראים לי דוד",
    "e\u0301 combining, \"quoted\", semi;colon|pipe\ttab",
    "",
)

MULTILINE_TEXTS: tuple[str, ...] = (
    "first line\nsecond line",
    "windows\r\nline end",
    "ends with newline\n",
)


@pytest.fixture
def awkward_texts() -> tuple[str, ...]:
    return AWKWARD_TEXTS


@pytest.fixture
def awkward_table() -> pa.Table:
    """A string table (as a CSV would read it): ids with leading zeros, awkward unicode, empty cells."""
    texts = list(AWKWARD_TEXTS) + list(MULTILINE_TEXTS)
    count = len(texts)
    return pa.table({
        "id": [f"{i:05d}" for i in range(count)],
        "zip": ["02139", "", "00501", "10001", "", "94103", "60601", "02139", "", "07030"][:count],
        "note": texts,
    })


@pytest.fixture
def nested_records() -> list[dict]:
    """JSON records with nested objects, a list of span objects, and a field that changes type."""
    return [
        {"id": 1, "patient": {"name": "Ann Smith", "address": {"city": "Boston", "zip": "02139"}},
         "note": "Ann Smith was seen today.", "spans": [{"start": 0, "end": 9, "label": "PERSON"}], "score": 0.5},
        {"id": 2, "patient": {"name": "李小龍", "age": 32}, "note": "Follow-up 🙂", "spans": [], "score": 1},
        {"id": 3, "patient": None, "note": None, "spans": [{"start": 1, "end": 2, "label": "DATE_TIME"}],
         "score": 2.25},
    ]


@pytest.fixture(autouse=True)
def isolated_config_dir(tmp_path, monkeypatch):
    """PrivDesk's own settings file (network permission) lives under tmp_path, never in the user's folder."""
    from privdesk.core.appconfig import CONFIG_DIR_ENV

    folder = tmp_path / "privdesk-config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder
