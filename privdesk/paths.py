"""Where PrivDesk finds its bundled resources, in a checkout, an installed package or a frozen bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` folder: policy presets, sample datasets, icons, stylesheet."""
    override = os.environ.get("PRIVDESK_RESOURCES")
    if override:
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def samples_dir() -> Path:
    return resources_dir() / "samples"


def default_sample() -> Path:
    """The dataset `make run` opens: the bundled clinical notes sample."""
    return samples_dir() / "clinical_notes.csv"


def is_frozen() -> bool:
    """True inside a PyInstaller bundle (installer/privdesk.spec)."""
    return bool(getattr(sys, "frozen", False)) and getattr(sys, "_MEIPASS", None) is not None


def licenses_dir() -> Path:
    """Licence texts PrivDesk ships for components whose packages carry none (Qt, Presidio, the models).

    In a bundle they sit in its `licenses/` folder; in a checkout, in installer/licenses/.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "licenses"
    return Path(__file__).resolve().parent.parent / "installer" / "licenses"
