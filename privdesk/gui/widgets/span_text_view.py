"""The record's text with every span highlighted in its entity type's colour.

Each shown column gets a small header and its text below. Spans are painted as extra selections:
pending ones with a tint of their type's colour and a dotted underline, accepted ones in the full
colour, rejected ones struck through and muted. The selected span gets an outline, and its ends can
be dragged to resize it; selected text can be turned into a new span by the caller.

Offsets: spans count Python characters (code points); Qt counts UTF-16 units. `_Utf16Map` converts
between them, so text with emoji or other characters outside the Basic Multilingual Plane lines up.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QFrame, QTextEdit, QWidget

from privdesk.gui import palette
from privdesk.gui.theme import is_dark

EDGE_GRAB_PX = 5  # how close to a selected span's end the mouse must be to drag it
SpanKey = tuple[str, int]


@dataclass(frozen=True)
class ShownSpan:
    key: SpanKey
    column: str
    start: int
    end: int
    entity_type: str
    status: str  # pending, accepted, rejected
    score: float = 1.0


class _Utf16Map:
    """Python string offsets <-> UTF-16 offsets for one text."""

    def __init__(self, text: str) -> None:
        self._wide = [index for index, char in enumerate(text) if ord(char) > 0xFFFF]
        self.length = len(text)

    def to_qt(self, offset: int) -> int:
        return offset + bisect.bisect_left(self._wide, offset)

    def from_qt(self, position: int) -> int:
        # Each wide character before the offset takes two units: walk them in order.
        offset = position
        for count, wide in enumerate(self._wide):
            if wide + count < position:
                offset -= 1
            else:
                break
        return max(0, min(offset, self.length))


@dataclass
class _Segment:
    column: str
    base: int  # document position of the text's first character
    length_qt: int
    mapping: _Utf16Map

    def contains(self, position: int) -> bool:
        return self.base <= position <= self.base + self.length_qt


def displayable(text: str) -> str:
    """The text as the document holds it: same length, but Windows line ends show as one break."""
    return text.replace("\r\n", " \n").replace("\r", "\n").replace("\u2029", "\n")


class SpanTextView(QTextEdit):
    span_clicked = Signal(object)  # SpanKey, or None for a click outside every span
    span_resized = Signal(object, int, int)  # key, new start, new end: an end was dragged
    text_selected = Signal(object)  # (column, start, end) of selected text inside one column, or None
    navigate_spans = Signal(int)  # +1 Tab, -1 Shift+Tab
    resize_by_key = Signal(str, int, bool)  # "start" or "end", -1/+1, by word
    menu_requested = Signal(object, QPoint)  # SpanKey or None, global position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanTextView")
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.viewport().setMouseTracking(True)
        self.document().setDocumentMargin(14)
        self.setAccessibleName("Record text with highlighted findings")
        self._segments: list[_Segment] = []
        self._spans: list[ShownSpan] = []
        self._selected: SpanKey | None = None
        self._drag: tuple[SpanKey, str] | None = None  # (span, "start" | "end")
        self._drag_preview: tuple[int, int] | None = None
        self._placeholder = ""
        self._content: tuple[list, list] | None = None  # what set_record showed, to rebuild on a palette change
        self.selectionChanged.connect(self._on_selection_changed)

    # -- content ----------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """An explanatory line instead of a record (nothing open, nothing found)."""
        self._segments, self._spans, self._selected = [], [], None
        self._content = None
        self._placeholder = text
        self.document().clear()
        self.setExtraSelections([])
        self.viewport().update()

    def set_record(self, segments: Sequence[tuple[str, str, str]], spans: Sequence[ShownSpan],
                   selected: SpanKey | None = None) -> None:
        """Show `segments` ((column, header, text) each) and highlight `spans`."""
        self._placeholder = ""
        self._content = (list(segments), list(spans))
        document = self.document()
        document.clear()
        cursor = QTextCursor(document)
        header_format = QTextCharFormat()
        header_format.setFontWeight(QFont.Weight.DemiBold)
        header_format.setFontPointSize(max(self.font().pointSizeF() * 0.85, 7.0))
        header_format.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        body_format = QTextCharFormat()  # no colour of its own: the palette's text colour, light or dark
        self._segments = []
        for number, (column, header, text) in enumerate(segments):
            if number:
                cursor.insertBlock()
                cursor.insertBlock()
            cursor.setCharFormat(header_format)
            cursor.insertText(header.upper() if header == column else header)
            cursor.insertBlock()
            cursor.setCharFormat(body_format)
            base = cursor.position()
            shown = displayable(text)
            cursor.insertText(shown)
            self._segments.append(_Segment(column, base, cursor.position() - base, _Utf16Map(text)))
        self.moveCursor(QTextCursor.MoveOperation.Start)
        self.set_spans(spans, selected)

    def set_spans(self, spans: Sequence[ShownSpan], selected: SpanKey | None = None) -> None:
        if self._content is not None:
            self._content = (self._content[0], list(spans))
        self._spans = list(spans)
        self._selected = selected if any(span.key == selected for span in self._spans) else None
        self._drag = None
        self._drag_preview = None
        self._apply_highlights()

    def spans(self) -> list[ShownSpan]:
        return list(self._spans)

    def segment_columns(self) -> list[str]:
        return [segment.column for segment in self._segments]

    @property
    def selected_key(self) -> SpanKey | None:
        return self._selected

    def select_span(self, key: SpanKey | None, *, ensure_visible: bool = True) -> None:
        if key is not None and not any(span.key == key for span in self._spans):
            key = None
        self._selected = key
        self._apply_highlights()
        span = self.span(key)
        if span is not None and ensure_visible:
            start = self.document_range(span.column, span.start, span.end)
            if start is not None:
                cursor = QTextCursor(self.document())
                cursor.setPosition(start[0])
                self.setTextCursor(cursor)  # clears any text selection
                self.ensureCursorVisible()

    def span(self, key: SpanKey | None) -> ShownSpan | None:
        return next((span for span in self._spans if span.key == key), None) if key is not None else None

    # -- offsets ------------------------------------------------------------------------------------

    def _segment(self, column: str) -> _Segment | None:
        return next((segment for segment in self._segments if segment.column == column), None)

    def document_range(self, column: str, start: int, end: int) -> tuple[int, int] | None:
        segment = self._segment(column)
        if segment is None:
            return None
        return segment.base + segment.mapping.to_qt(start), segment.base + segment.mapping.to_qt(end)

    def column_offset(self, position: int, column: str | None = None) -> tuple[str, int] | None:
        """(column, Python offset) of a document position; with `column`, clamped into that column."""
        if column is not None:
            segment = self._segment(column)
            if segment is None:
                return None
            clamped = min(max(position, segment.base), segment.base + segment.length_qt)
            return column, segment.mapping.from_qt(clamped - segment.base)
        for segment in self._segments:
            if segment.contains(position):
                return segment.column, segment.mapping.from_qt(position - segment.base)
        return None

    def text_selection(self) -> tuple[str, int, int] | None:
        """The selected text as (column, start, end) when it lies inside one column's text."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        first, last = cursor.selectionStart(), cursor.selectionEnd()
        for segment in self._segments:
            if segment.contains(first) and segment.contains(last):
                start = segment.mapping.from_qt(first - segment.base)
                end = segment.mapping.from_qt(last - segment.base)
                return (segment.column, start, end) if end > start else None
        return None

    def select_text(self, column: str, start: int, end: int) -> None:
        """Select [start, end) of `column`'s text, as a mouse drag would."""
        span_range = self.document_range(column, start, end)
        if span_range is None:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(span_range[0])
        cursor.setPosition(span_range[1], QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def clear_text_selection(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            cursor.clearSelection()
            self.setTextCursor(cursor)

    def span_at(self, position: int) -> ShownSpan | None:
        located = self.column_offset(position)
        if located is None:
            return None
        column, offset = located
        hits = [s for s in self._spans if s.column == column and s.start <= offset < s.end]
        if not hits:
            return None
        # The smallest span wins (a name inside an address); the selected one is preferred among equals.
        return min(hits, key=lambda s: (s.end - s.start, s.key != self._selected))

    def span_at_point(self, point: QPoint) -> ShownSpan | None:
        return self.span_at(self.cursorForPosition(point).position())

    # -- painting -----------------------------------------------------------------------------------

    def _apply_highlights(self) -> None:
        dark = is_dark(self.palette())
        text_colour = QColor(palette.text_color(dark))
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        selections = []
        ordered = sorted(self._spans, key=lambda s: -(s.end - s.start))  # small spans on top of big ones
        for span in ordered:
            start, end = self._shown_offsets(span)
            doc_range = self.document_range(span.column, start, end)
            if doc_range is None:
                continue
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(doc_range[0])
            cursor.setPosition(doc_range[1], QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            char_format = QTextCharFormat()
            colour = QColor(palette.entity_color(span.entity_type, dark))
            if span.status == "rejected":
                char_format.setFontStrikeOut(True)
                char_format.setForeground(muted)
            elif span.status == "accepted":
                char_format.setBackground(colour)
                char_format.setForeground(text_colour)
                char_format.setFontWeight(QFont.Weight.DemiBold)
            else:
                tint = QColor(colour)
                tint.setAlphaF(0.45)
                char_format.setBackground(tint)
                char_format.setForeground(self.palette().color(QPalette.ColorRole.Text))
                char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
                char_format.setUnderlineColor(colour.darker(160) if not dark else colour.lighter(170))
            char_format.setToolTip(f"{palette.entity_label(span.entity_type)} \u00b7 {span.status}"
                                   + (f" \u00b7 score {span.score:.2f}" if span.key[0] == "detection" else ""))
            char_format.setProperty(QTextFormat.Property.FullWidthSelection, False)
            selection.format = char_format
            selections.append(selection)
        self.setExtraSelections(selections)
        self.viewport().update()

    def _shown_offsets(self, span: ShownSpan) -> tuple[int, int]:
        if self._drag is not None and self._drag[0] == span.key and self._drag_preview is not None:
            return self._drag_preview
        return span.start, span.end

    def _span_rects(self, span: ShownSpan) -> list[QRectF]:
        """Viewport rectangles covering the span, one per line it spans."""
        start, end = self._shown_offsets(span)
        doc_range = self.document_range(span.column, start, end)
        if doc_range is None:
            return []
        first, last = doc_range
        rects: list[QRectF] = []
        offset_x = -self.horizontalScrollBar().value()
        offset_y = -self.verticalScrollBar().value()
        block = self.document().findBlock(first)
        while block.isValid() and block.position() <= last:
            layout = block.layout()
            block_start = block.position()
            origin = layout.position()
            for line_number in range(layout.lineCount()):
                line = layout.lineAt(line_number)
                line_first = block_start + line.textStart()
                line_last = line_first + line.textLength()
                low, high = max(first, line_first), min(last, line_last)
                if low >= high and not (first == last == low):
                    continue
                x1 = line.cursorToX(low - block_start)[0]
                x2 = line.cursorToX(high - block_start)[0]
                rects.append(QRectF(origin.x() + x1 + offset_x, origin.y() + line.y() + offset_y,
                                    max(x2 - x1, 2.0), line.height()))
            block = block.next()
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._placeholder:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self._placeholder)
        span = self.span(self._selected)
        if span is not None:
            highlight = self.palette().color(QPalette.ColorRole.Highlight)
            pen = QPen(highlight, 2.0)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rects = self._span_rects(span)
            for rect in rects:
                painter.drawRoundedRect(rect.adjusted(-2, -1, 2, 1), 3, 3)
            if rects:  # handles at the two ends say "drag me"
                painter.setBrush(highlight)
                for x, rect in ((rects[0].left() - 2, rects[0]), (rects[-1].right() + 2, rects[-1])):
                    painter.drawRect(QRectF(x - 2, rect.center().y() - 4, 4, 8))
        painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            if self._content is not None:  # the headers' muted colour was baked in: lay the text out again
                selected, position = self._selected, self.verticalScrollBar().value()
                self.set_record(self._content[0], self._content[1], selected)
                self.verticalScrollBar().setValue(position)
            else:
                self._apply_highlights()

    # -- mouse --------------------------------------------------------------------------------------

    def _edge_at(self, point: QPoint) -> str | None:
        span = self.span(self._selected)
        if span is None:
            return None
        rects = self._span_rects(span)
        if not rects:
            return None
        first, last = rects[0], rects[-1]
        if abs(point.x() - first.left()) <= EDGE_GRAB_PX and first.top() <= point.y() <= first.bottom():
            return "start"
        if abs(point.x() - last.right()) <= EDGE_GRAB_PX and last.top() <= point.y() <= last.bottom():
            return "end"
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        point = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton:
            edge = self._edge_at(point)
            span = self.span(self._selected)
            if edge is not None and span is not None:
                self._drag = (span.key, edge)
                self._drag_preview = (span.start, span.end)
                event.accept()
                return
        self._press_point = point
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        point = event.position().toPoint()
        if self._drag is not None:
            span = self.span(self._drag[0])
            if span is not None:
                located = self.column_offset(self.cursorForPosition(point).position(), span.column)
                if located is not None:
                    offset = located[1]
                    start, end = self._drag_preview or (span.start, span.end)
                    if self._drag[1] == "start":
                        start = min(offset, end - 1)
                    else:
                        end = max(offset, start + 1)
                    self._drag_preview = (start, end)
                    self._apply_highlights()
            event.accept()
            return
        if event.buttons() == Qt.MouseButton.NoButton:
            if self._edge_at(point) is not None:
                self.viewport().setCursor(Qt.CursorShape.SizeHorCursor)
            elif self.span_at_point(point) is not None:
                self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
            else:
                self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._drag is not None:
            key, _edge = self._drag
            preview = self._drag_preview
            span = self.span(key)
            self._drag = None
            self._drag_preview = None
            if span is not None and preview is not None and preview != (span.start, span.end):
                self.span_resized.emit(key, preview[0], preview[1])
            else:
                self._apply_highlights()
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            span = self.span_at_point(event.position().toPoint())
            self.span_clicked.emit(span.key if span is not None else None)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt API
        span = self.span_at_point(event.pos())
        if span is None and self.text_selection() is None and self._selected is not None:
            span = self.span(self._selected)
        self.menu_requested.emit(span.key if span is not None else None, event.globalPos())

    # -- keys ---------------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and not (
                    event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)):
                backwards = event.key() == Qt.Key.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.navigate_spans.emit(-1 if backwards else 1)
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key, modifiers = event.key(), event.modifiers()
        arrows = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}
        if key in arrows and self._selected is not None and not self.textCursor().hasSelection():
            shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
            alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
            by_word = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
            if shift and not alt:
                self.resize_by_key.emit("end", arrows[key], by_word)
                event.accept()
                return
            if alt and not shift:
                self.resize_by_key.emit("start", arrows[key], by_word)
                event.accept()
                return
        if key == Qt.Key.Key_Escape:
            if self.textCursor().hasSelection():
                self.clear_text_selection()
            else:
                self.span_clicked.emit(None)
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_selection_changed(self) -> None:
        self.text_selected.emit(self.text_selection())
