"""Application settings shared by the GUI and the CLI: a small JSON file in the per-user config folder.

The core cannot use Qt, so QSettings is out; the GUI keeps window geometry and recent files there,
and settings that change what the core does (network access) live here, readable by both.

Where the file lives (settings.json in):
  $PRIVDESK_CONFIG_DIR                     when set (tests, portable installs)
  %APPDATA%\\PrivDesk                      Windows
  ~/Library/Application Support/PrivDesk   macOS
  $XDG_CONFIG_HOME/privdesk                other systems, ~/.config/privdesk without XDG_CONFIG_HOME

The file holds no data values and no secrets. Keys this version does not know are kept when it
saves, so an older PrivDesk does not erase a newer one's settings.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from privdesk.core import netguard
from privdesk.core.atomic import atomic_write_text
from privdesk.core.errors import PrivDeskError

log = logging.getLogger(__name__)

CONFIG_DIR_ENV = "PRIVDESK_CONFIG_DIR"
CONFIG_FILE_NAME = "settings.json"


class ConfigError(PrivDeskError):
    """The settings file cannot be written."""


@dataclass
class AppConfig:
    allow_network: bool = False  # off: netguard refuses every outbound connection


def config_dir() -> Path:
    """The per-user folder of PrivDesk's settings (it may not exist yet)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        base = Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
        return base / "PrivDesk"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "PrivDesk"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "privdesk"


def config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME


def _read_raw(path: Path) -> dict[str, Any]:
    """The file's JSON object; {} when it is missing or unreadable (logged: the defaults then apply)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        log.warning("cannot read the settings file %s (%s); using the defaults", path, error.strerror)
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("the settings file %s is not valid JSON; using the defaults", path)
        return {}
    if not isinstance(data, dict):
        log.warning("the settings file %s does not hold a JSON object; using the defaults", path)
        return {}
    return data


def load_config() -> AppConfig:
    """The saved settings; defaults for anything missing, damaged or of the wrong type."""
    path = config_path()
    raw = _read_raw(path)
    config = AppConfig()
    for field in fields(AppConfig):
        if field.name not in raw:
            continue
        value = raw[field.name]
        default = getattr(config, field.name)
        # bool is checked exactly: a stray "yes" or 1 must not switch the network on.
        if type(value) is type(default):
            setattr(config, field.name, value)
        else:
            log.warning("settings file %s: %s should be %s; using the default", path, field.name,
                        type(default).__name__)
    return config


def save_config(config: AppConfig) -> Path:
    """Write the settings atomically (keeping keys this version does not know); returns the file's path."""
    path = config_path()
    data = _read_raw(path)
    data.update(asdict(config))
    try:
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    except OSError as error:
        raise ConfigError(f"the settings cannot be saved ({error.strerror or error}).", path=path,
                          hint="Check that the folder is writable.") from None
    return path


def apply_network_policy(config: AppConfig | None = None) -> bool:
    """Install the network guard unless network access is allowed (else remove it); True when installed.

    Call it once at start-up (CLI and GUI), and again when the setting changes.
    """
    config = config if config is not None else load_config()
    if config.allow_network:
        netguard.uninstall()
        return False
    netguard.install()
    return True
