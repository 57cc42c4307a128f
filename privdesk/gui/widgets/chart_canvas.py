"""A Qt widget showing a matplotlib Figure made by the core chart functions (privdesk.core.evaluate.charts).

The core builds Figures with the object-oriented API and no pyplot state, so a Figure can be handed
to a FigureCanvasQTAgg as is. Setting a new Figure replaces the canvas: a canvas is bound to the
Figure it was made with.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

# Screen pixels per figure inch: the core sizes its figures for the report (110 dpi PNGs), a little
# smaller suits a tab.
SCREEN_DPI = 90


class ChartCanvas(QWidget):
    """One chart: a caption and the Figure, or a short text while there is none."""

    def __init__(self, empty_text: str = "No chart yet.", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figure: Figure | None = None
        self._canvas: FigureCanvasQTAgg | None = None
        self._empty_text = empty_text
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.hide()
        self.placeholder = QLabel(empty_text, self)
        self.placeholder.setWordWrap(True)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.caption)
        self._layout.addWidget(self.placeholder)

    @property
    def figure(self) -> Figure | None:
        return self._figure

    @property
    def canvas(self) -> FigureCanvasQTAgg | None:
        return self._canvas

    def set_figure(self, figure: Figure | None, caption: str = "") -> None:
        """Show `figure` (None: back to the empty text) under an optional caption."""
        if self._canvas is not None:
            self._layout.removeWidget(self._canvas)
            self._canvas.setParent(None)
            self._canvas.deleteLater()
            self._canvas = None
        self._figure = figure
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption) and figure is not None)
        self.placeholder.setVisible(figure is None)
        if figure is None:
            return
        figure.set_dpi(SCREEN_DPI)
        self._canvas = FigureCanvasQTAgg(figure)
        self._canvas.setParent(self)
        width, height = figure.get_size_inches()
        self._canvas.setMinimumSize(int(width * SCREEN_DPI * 0.6), int(height * SCREEN_DPI))
        self._canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._canvas.setFixedHeight(int(height * SCREEN_DPI))
        self._layout.addWidget(self._canvas)
        self._canvas.draw_idle()

    def clear(self) -> None:
        self.set_figure(None)
