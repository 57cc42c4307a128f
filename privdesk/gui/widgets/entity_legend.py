"""The legend above the record text: one chip per entity type, in its colour, with its count and keys.

Each chip is also a toggle: unchecking it hides that type everywhere in the Review tab (the text,
the findings table and the record list's numbers), which is how the entity-type filter works.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from privdesk.core.types import ENTITY_TYPES
from privdesk.gui import palette
from privdesk.gui.review.keys import label_keys
from privdesk.gui.theme import is_dark, swatch_icon
from privdesk.gui.widgets.flow_layout import FlowLayout, expanding_width


class EntityLegend(QWidget):
    hidden_types_changed = Signal(frozenset)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("entityLegend")
        self._layout = FlowLayout(self, spacing=3)
        self.setStyleSheet("QToolButton { padding: 1px 5px; border: 1px solid palette(mid); border-radius: 9px; }"
                           "QToolButton:checked { background: palette(base); }"
                           "QToolButton:!checked { background: transparent; color: palette(placeholder-text);"
                           " border-style: dashed; }")
        expanding_width(self)
        self._chips: dict[str, QToolButton] = {}
        self._counts: dict[str, int] = {}
        self._hidden: frozenset[str] = frozenset()
        self._order: list[str] | None = None
        self.set_types(ENTITY_TYPES, {})

    def set_types(self, types: Iterable[str], counts: dict[str, int]) -> None:
        """Show a chip for each type with findings, plus every type the palette names (dimmed at 0)."""
        wanted = [t for t in ENTITY_TYPES if counts.get(t)] + [t for t in counts if t not in ENTITY_TYPES]
        wanted += [t for t in types if t not in wanted]
        self._counts = dict(counts)
        for entity_type in wanted:
            if entity_type not in self._chips:
                self._chips[entity_type] = self._make_chip(entity_type)
        for entity_type, chip in self._chips.items():
            count = counts.get(entity_type, 0)
            chip.setText(self._chip_text(entity_type, count))
            chip.setVisible(count > 0 or entity_type in self._hidden)
        # Order: types with findings first (most first), then the rest. Re-laid out only when it changes.
        order = sorted(self._chips, key=lambda t: (-counts.get(t, 0), ENTITY_TYPES.index(t) if t in ENTITY_TYPES else 99))
        if order != self._order:
            self._order = order
            for entity_type in order:
                self._layout.removeWidget(self._chips[entity_type])
                self._layout.addWidget(self._chips[entity_type])
            self._layout.invalidate()
        self.updateGeometry()

    def chip(self, entity_type: str) -> QToolButton | None:
        return self._chips.get(entity_type)

    def visible_types(self) -> list[str]:
        return [t for t, chip in self._chips.items() if chip.isVisibleTo(self)]

    @property
    def hidden_types(self) -> frozenset[str]:
        return self._hidden

    def set_hidden_types(self, hidden: Iterable[str]) -> None:
        self._hidden = frozenset(hidden)
        for entity_type, chip in self._chips.items():
            chip.blockSignals(True)
            chip.setChecked(entity_type not in self._hidden)
            chip.blockSignals(False)
            if entity_type in self._hidden:
                chip.setVisible(True)

    def _chip_text(self, entity_type: str, count: int) -> str:
        keys = label_keys(entity_type)
        key_text = f" \u00b7 {keys[-1]}" if keys else ""  # the letter (digits work too: see the tooltip)
        return f"{palette.entity_label(entity_type)} {count:,}{key_text}"

    def _make_chip(self, entity_type: str) -> QToolButton:
        chip = QToolButton(self)
        chip.setObjectName(f"legend:{entity_type}")
        chip.setCheckable(True)
        chip.setChecked(entity_type not in self._hidden)
        chip.setAutoRaise(True)
        chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        chip.setIcon(swatch_icon(entity_type, is_dark(self.palette())))
        chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        chip.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        keys = label_keys(entity_type)
        chip.setToolTip(f"{entity_type}: click to {'hide' if chip.isChecked() else 'show'} these findings"
                        + (f"; press {' or '.join(keys)} to label selected text as {palette.entity_label(entity_type)}" if keys else ""))
        chip.toggled.connect(lambda checked, t=entity_type: self._on_toggled(t, checked))
        return chip

    def _on_toggled(self, entity_type: str, shown: bool) -> None:
        self._hidden = self._hidden - {entity_type} if shown else self._hidden | {entity_type}
        self.hidden_types_changed.emit(self._hidden)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            dark = is_dark(self.palette())
            for entity_type, chip in self._chips.items():
                chip.setIcon(swatch_icon(entity_type, dark))
