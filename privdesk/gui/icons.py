"""Icons from resources/icons (SVG, so they stay sharp at any scale factor)."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from privdesk.paths import resources_dir

APP_ICON_FILE = "privdesk.svg"


def app_icon() -> QIcon:
    """The PrivDesk icon; an empty icon (Qt's default) if the resources folder is missing."""
    path = resources_dir() / "icons" / APP_ICON_FILE
    return QIcon(str(path)) if path.is_file() else QIcon()
