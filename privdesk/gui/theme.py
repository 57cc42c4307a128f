"""Light and dark: which scheme is in use, and small colour helpers that follow it.

PrivDesk uses the Fusion style with Qt's palette for the system colour scheme (Qt 6.5+ reports the
scheme through QStyleHints.colorScheme and switches the palette when the system does). Widgets that
draw entity colours ask `is_dark()` and repaint on QEvent.PaletteChange / ApplicationPaletteChange.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap

from privdesk.gui import palette as entity_palette


def is_dark(widget_palette: QPalette | None = None) -> bool:
    """True when the window background is dark (the palette decides; the style hint is a fallback)."""
    colours = widget_palette if widget_palette is not None else QGuiApplication.palette()
    window = colours.color(QPalette.ColorRole.Window)
    if window.isValid():
        return window.lightnessF() < 0.5
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def entity_qcolor(entity_type: str, dark: bool | None = None) -> QColor:
    return QColor(entity_palette.entity_color(entity_type, is_dark() if dark is None else dark))


def entity_text_qcolor(dark: bool | None = None) -> QColor:
    return QColor(entity_palette.text_color(is_dark() if dark is None else dark))


@lru_cache(maxsize=256)
def _dot_pixmap(colour: str, size: int, ring: str) -> QPixmap:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at twice the size: sharp on high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(ring) if ring else Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return pixmap


def dot_icon(colour: str, size: int = 12, ring: str = "") -> QIcon:
    """A filled circle (a legend swatch or a state light) as an icon."""
    return QIcon(_dot_pixmap(colour, size, ring))


def swatch_icon(entity_type: str, dark: bool | None = None, size: int = 12) -> QIcon:
    dark = is_dark() if dark is None else dark
    ring = "#55000000" if not dark else "#66ffffff"  # Qt reads 8 digits as #AARRGGBB
    return dot_icon(entity_palette.entity_color(entity_type, dark), size, ring)


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style, like the one Qt gives it when the system scheme is dark.

    Used where no platform theme reports the scheme (a bare X server, screenshots); on desktops
    that report it, Qt switches Fusion's palette by itself.
    """
    colours = {
        QPalette.ColorRole.Window: "#2b2b2e",
        QPalette.ColorRole.WindowText: "#e8e8ea",
        QPalette.ColorRole.Base: "#1f1f22",
        QPalette.ColorRole.AlternateBase: "#28282c",
        QPalette.ColorRole.ToolTipBase: "#3a3a3f",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#9a9aa2",
        QPalette.ColorRole.Text: "#e8e8ea",
        QPalette.ColorRole.Button: "#35353a",
        QPalette.ColorRole.ButtonText: "#e8e8ea",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Light: "#46464c",
        QPalette.ColorRole.Midlight: "#3c3c42",
        QPalette.ColorRole.Mid: "#505058",
        QPalette.ColorRole.Dark: "#18181a",
        QPalette.ColorRole.Shadow: "#0c0c0d",
        QPalette.ColorRole.Highlight: "#3d7dd8",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6aa7ff",
        QPalette.ColorRole.LinkVisited: "#b38cff",
    }
    result = QPalette()
    for role, colour in colours.items():
        result.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor("#77777d"))
    return result
