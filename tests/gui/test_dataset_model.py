"""DatasetTableModel: a correct Qt model, lazy over a big Arrow table, one line per cell with the full text in the tooltip."""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa
import pyarrow.compute as pc
from PySide6.QtCore import QModelIndex, Qt

from privdesk.gui.models.dataset_model import DatasetTableModel, value_to_text

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def small_table() -> pa.Table:
    return pa.table({
        "id": pa.array([1, 2, None], pa.int64()),
        "note": ["first line\nsecond line", "x" * 1000, None],
        "score": [0.5, None, 2.25],
        "seen": [dt.date(2024, 3, 2), None, dt.date(2023, 1, 31)],
    })


def test_model_passes_qtmodeltester(qtmodeltester):
    model = DatasetTableModel()
    model.set_table(small_table())
    qtmodeltester.check(model)


def test_empty_model_passes_qtmodeltester_and_has_no_cells(qtmodeltester):
    model = DatasetTableModel()
    qtmodeltester.check(model)
    assert model.rowCount() == 0 and model.columnCount() == 0


def test_cells_show_one_line_and_the_tooltip_the_full_text():
    model = DatasetTableModel()
    model.set_table(small_table())
    multiline = model.index(0, 1)
    assert "\n" not in model.data(multiline, DISPLAY)
    assert model.data(multiline, DISPLAY).startswith("first line")
    assert model.data(multiline, DISPLAY).endswith("second line")
    assert "first line<br>second line" in model.data(multiline, TOOLTIP)

    long_cell = model.index(1, 1)
    shown = model.data(long_cell, DISPLAY)
    assert len(shown) == DatasetTableModel.DISPLAY_CHARS + 1 and shown.endswith("\u2026")
    assert "x" * 1000 in model.data(long_cell, TOOLTIP)

    assert model.data(model.index(2, 1), DISPLAY) == ""  # null
    assert model.data(model.index(2, 1), TOOLTIP) is None
    assert model.data(model.index(0, 3), DISPLAY) == "2024-03-02"
    assert model.data(model.index(2, 2), DISPLAY) == "2.25"


def test_numbers_are_right_aligned_and_text_left_aligned():
    model = DatasetTableModel()
    model.set_table(small_table())
    align = Qt.ItemDataRole.TextAlignmentRole
    assert model.data(model.index(0, 0), align) & int(Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(0, 1), align) & int(Qt.AlignmentFlag.AlignLeft)


def test_headers_are_column_names_and_one_based_row_numbers():
    model = DatasetTableModel()
    model.set_table(small_table())
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == ["id", "note", "score", "seen"]
    assert model.headerData(0, Qt.Orientation.Vertical) == "1"
    assert model.headerData(2, Qt.Orientation.Vertical) == "3"
    assert "int64" in model.headerData(0, Qt.Orientation.Horizontal, TOOLTIP)
    assert model.headerData(9, Qt.Orientation.Horizontal) is None


def test_a_million_rows_answer_for_the_last_row_quickly_without_converting_the_table():
    rows = 1_000_000
    ids = pa.array(range(rows), pa.int64())
    # The text column is built by Arrow itself: "note #0" ... "note #999999".
    notes = pc.binary_join_element_wise(pa.repeat("note", rows), pc.cast(ids, pa.string()), " #")
    table = pa.table({"id": ids, "note": notes})
    model = DatasetTableModel()
    model.set_table(table)
    assert model.rowCount() == rows and model.columnCount() == 2
    assert model.rowCount(model.index(0, 0)) == 0  # a table has no children

    start = time.perf_counter()
    last_note = model.data(model.index(rows - 1, 1), DISPLAY)
    last_id = model.data(model.index(rows - 1, 0), DISPLAY)
    middle = model.data(model.index(rows // 2, 1), DISPLAY)
    elapsed = time.perf_counter() - start
    assert (last_note, last_id, middle) == (f"note #{rows - 1}", str(rows - 1), f"note #{rows // 2}")
    assert elapsed < 0.5, f"three cells took {elapsed:.3f}s"
    assert model.headerData(rows - 1, Qt.Orientation.Vertical) == str(rows)
    # Only the blocks holding those cells were converted.
    assert model.cached_block_count() == 3


def test_block_cache_is_bounded_while_scrolling_through_everything():
    rows = 200_000
    model = DatasetTableModel()
    model.set_table(pa.table({"n": pa.array(range(rows), pa.int32())}))
    step = DatasetTableModel.BLOCK_ROWS
    for row in range(0, rows, step):
        assert model.data(model.index(row, 0), DISPLAY) == str(row)
    assert model.cached_block_count() <= DatasetTableModel.MAX_CACHED_BLOCKS


def test_replacing_the_table_resets_the_model_and_its_cache(qtbot):
    model = DatasetTableModel()
    model.set_table(small_table())
    model.data(model.index(0, 0), DISPLAY)
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_table(pa.table({"only": ["a"]}))
    assert model.columnCount() == 1 and model.cached_block_count() == 0
    assert model.data(model.index(0, 0), DISPLAY) == "a"
    model.set_dataset(None)
    assert model.rowCount() == 0 and model.data(QModelIndex(), DISPLAY) is None


def test_value_to_text_covers_the_arrow_value_kinds():
    assert value_to_text(None) == ""
    assert value_to_text(True) == "true"
    assert value_to_text(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert value_to_text(b"\x00\x01") == "<2 bytes>"
    assert value_to_text({"a": [1, "é"]}) == '{"a": [1, "é"]}'
    assert value_to_text(7) == "7"
