"""The entity palette (one for text, legend and charts) and the span text view's offsets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from privdesk.core.types import ENTITY_TYPES
from privdesk.gui import palette
from privdesk.gui.review import keys
from privdesk.gui.widgets.span_text_view import ShownSpan, SpanTextView, _Utf16Map


@pytest.mark.parametrize("dark", [False, True])
def test_every_colour_keeps_its_text_readable(dark):
    text = palette.text_color(dark)
    for entity_type in (*ENTITY_TYPES, "EMPLOYEE_ID", "CUSTOM_THING"):
        assert palette.contrast_ratio(palette.entity_color(entity_type, dark), text) >= 4.5, entity_type


def test_colours_are_distinct_and_stable():
    light = [palette.entity_color(t) for t in ENTITY_TYPES]
    assert len(set(light)) == len(light)
    assert palette.entity_color("EMPLOYEE_ID") == palette.entity_color("EMPLOYEE_ID")
    assert palette.entity_label("PHONE_NUMBER") == "Phone" and palette.entity_label("EMPLOYEE_ID") == "Employee Id"


def test_the_palette_module_needs_no_qt():
    import subprocess
    import sys

    code = "import sys, privdesk.gui.palette; print(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_label_keys_are_unique():
    seen: dict[str, str] = {}
    for entity_type in ENTITY_TYPES:
        for key in keys.label_keys(entity_type):
            assert key not in seen, f"{key} is used by {seen.get(key)} and {entity_type}"
            assert key not in keys.ACCEPT_KEYS + keys.REJECT_KEYS
            seen[key] = entity_type
    assert keys.label_keys("PERSON") == ("1", "P")


def test_utf16_offsets_round_trip():
    text = "a😀b😀😀c"
    mapping = _Utf16Map(text)
    assert [mapping.to_qt(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 8, 9]
    assert [mapping.from_qt(mapping.to_qt(i)) for i in range(len(text) + 1)] == list(range(len(text) + 1))
    assert mapping.from_qt(2) == 1  # inside a surrogate pair: the character's start


def test_spans_line_up_after_emoji_and_windows_line_ends(qtbot):
    view = SpanTextView()
    qtbot.addWidget(view)
    note = "Call 😀 Jane Roe\r\nabout Zoë Ångström"
    other = "second column"
    jane = note.index("Jane Roe")
    zoe = note.index("Zoë")
    spans = [ShownSpan(("detection", 1), "note", jane, jane + 8, "PERSON", "pending", 0.8),
             ShownSpan(("detection", 2), "note", zoe, len(note), "PERSON", "accepted", 0.9),
             ShownSpan(("added", 3), "other", 0, 6, "ORGANIZATION", "accepted")]
    view.set_record([("note", "note", note), ("other", "other", other)], spans)
    for span, expected in zip(spans, ("Jane Roe", "Zoë Ångström", "second")):
        first, last = view.document_range(span.column, span.start, span.end)
        cursor = view.textCursor()
        cursor.setPosition(first)
        cursor.setPosition(last, cursor.MoveMode.KeepAnchor)
        assert cursor.selectedText() == expected
        assert view.span_at(first).key == span.key
    view.select_text("note", jane, jane + 4)
    assert view.text_selection() == ("note", jane, jane + 4)
    assert view.segment_columns() == ["note", "other"]
    assert "\r" not in view.toPlainText() and view.toPlainText().count("Jane Roe") == 1


def test_escape_clears_the_text_selection_then_the_span(qtbot):
    view = SpanTextView()
    qtbot.addWidget(view)
    clicked = []
    view.span_clicked.connect(clicked.append)
    view.set_record([("t", "t", "Jane Roe here")], [ShownSpan(("detection", 1), "t", 0, 8, "PERSON", "pending")],
                    ("detection", 1))
    view.select_text("t", 9, 13)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.text_selection() is None and clicked == []
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert clicked == [None]
