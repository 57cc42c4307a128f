"""PrivDesk's QSettings: window geometry, the last folder and recent files. Never anything from the data.

Settings are opened through `open_settings()`, which honours QSettings.defaultFormat(), so tests
can redirect every read and write into a temporary folder with QSettings.setDefaultFormat and
QSettings.setPath.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "PrivDesk"
APPLICATION = "PrivDesk"
MAX_RECENT_FILES = 10

KEY_GEOMETRY = "window/geometry"
KEY_WINDOW_STATE = "window/state"
KEY_LAST_FOLDER = "paths/last_folder"
KEY_RECENT_FILES = "paths/recent_files"


def open_settings() -> QSettings:
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_files(settings: QSettings) -> list[Path]:
    # type=list: with one entry an INI file hands back a bare string, not a list of one.
    values = settings.value(KEY_RECENT_FILES, [], type=list) or []
    return [Path(str(value)) for value in values if str(value)]


def add_recent_file(settings: QSettings, path: Path) -> list[Path]:
    """Put `path` first in the recent files (once), keep at most MAX_RECENT_FILES, return the new list."""
    path = Path(path).resolve()
    files = [path] + [existing for existing in recent_files(settings) if existing != path]
    files = files[:MAX_RECENT_FILES]
    settings.setValue(KEY_RECENT_FILES, [str(file) for file in files])
    return files


def clear_recent_files(settings: QSettings) -> None:
    settings.setValue(KEY_RECENT_FILES, [])


def last_folder(settings: QSettings) -> str:
    folder = str(settings.value(KEY_LAST_FOLDER, "", type=str) or "")
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def set_last_folder(settings: QSettings, folder: Path) -> None:
    settings.setValue(KEY_LAST_FOLDER, str(folder))
