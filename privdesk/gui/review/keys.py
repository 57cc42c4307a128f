"""The Review tab's keyboard map, in one place so the actions, the legend and Help agree.

One key per label: digits 1-9 for the first nine entity types (in ENTITY_TYPES order, as the
legend lists them) and a letter for the common types. A and R (or X) accept and reject; letters
used for labels therefore avoid A, R and X.
"""

from __future__ import annotations

from privdesk.core.types import ENTITY_TYPES

ACCEPT_KEYS = ("A",)
REJECT_KEYS = ("R", "X")
DELETE_KEYS = ("Del", "Backspace")
ACCEPT_REST_KEYS = ("Ctrl+Return",)
NEXT_RECORD_KEYS = ("Ctrl+Down",)
PREVIOUS_RECORD_KEYS = ("Ctrl+Up",)
EXPLAIN_KEYS = ("Ctrl+I",)
RUN_DETECTION_KEYS = ("F5",)
GO_TO_RECORD_KEYS = ("Ctrl+G",)
FIND_KEYS = ("Ctrl+F",)

LETTERS: dict[str, str] = {
    "PERSON": "P",
    "LOCATION": "L",
    "ORGANIZATION": "O",
    "DATE_TIME": "D",
    "AGE": "G",
    "NRP": "N",
    "PHONE_NUMBER": "T",
    "EMAIL_ADDRESS": "E",
    "CREDIT_CARD": "C",
    "IBAN_CODE": "I",
    "US_SSN": "S",
    "URL": "U",
    "ZIP_CODE": "Z",
    "MEDICAL_LICENSE": "M",
    "US_PASSPORT": "Q",
    "US_DRIVER_LICENSE": "V",
    "US_BANK_NUMBER": "B",
    "IP_ADDRESS": "H",
}

# Keys handled by the text view itself (they depend on what is selected there), for Help.
TEXT_VIEW_KEYS: tuple[tuple[str, str], ...] = (
    ("Next / previous finding in the record", "Tab / Shift+Tab"),
    ("Move the selected finding's end", "Shift+Left / Shift+Right (Ctrl+Shift: by word)"),
    ("Move the selected finding's start", "Alt+Left / Alt+Right (Ctrl+Alt: by word)"),
    ("Add a finding", "Select text, then press a label key"),
    ("Relabel the selected finding", "Press a label key"),
    ("Deselect", "Esc"),
)


def label_keys(entity_type: str) -> tuple[str, ...]:
    """The keys that apply `entity_type`: a digit for the first nine types, and its letter."""
    keys: list[str] = []
    if entity_type in ENTITY_TYPES[:9]:
        keys.append(str(ENTITY_TYPES.index(entity_type) + 1))
    if entity_type in LETTERS:
        keys.append(LETTERS[entity_type])
    return tuple(keys)


def _check_no_clashes() -> None:
    taken = set(ACCEPT_KEYS) | set(REJECT_KEYS)
    letters = list(LETTERS.values())
    if len(set(letters)) != len(letters) or taken & set(letters):
        raise AssertionError("two review actions share a key")


_check_no_clashes()
