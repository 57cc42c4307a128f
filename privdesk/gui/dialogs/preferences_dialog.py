"""Edit > Preferences: settings that change what PrivDesk itself does, kept in privdesk.core.appconfig.

For now one setting: network access. It is off by default, and then privdesk.core.netguard refuses
every outbound connection of this process. OK saves the setting and applies it at once (no restart);
Cancel changes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from privdesk.core import netguard
from privdesk.core.appconfig import AppConfig, apply_network_policy, config_path, load_config, save_config
from privdesk.gui.error_reporting import error_dialog

ALLOW_NETWORK_TEXT = ("Allow network access (off by default: PrivDesk blocks every outbound connection so no "
                      "library can send your data anywhere)")
ALLOWED_WARNING = ("With network access on, any library PrivDesk uses may contact servers on the internet. "
                   "Turn it on only while you need it.")


def network_state_text() -> str:
    """What the running program does right now (it may differ from the box until OK is pressed)."""
    if netguard.is_installed():
        return "Now: outbound connections are blocked (this computer's own services stay reachable)."
    return "Now: outbound connections are allowed."


class PreferencesDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.config: AppConfig = load_config()

        self.allow_network_box = QCheckBox(ALLOW_NETWORK_TEXT, self)
        self.allow_network_box.setObjectName("allowNetworkCheckBox")
        self.allow_network_box.setChecked(self.config.allow_network)

        self.warning_label = QLabel(ALLOWED_WARNING, self)
        self.warning_label.setObjectName("networkWarningLabel")
        self.warning_label.setWordWrap(True)
        self.state_label = QLabel(network_state_text(), self)
        self.state_label.setObjectName("networkStateLabel")
        self.state_label.setWordWrap(True)
        location = QLabel(f"Saved in {config_path()}", self)
        location.setObjectName("settingsLocationLabel")
        location.setWordWrap(True)
        location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.allow_network_box)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.state_label)
        layout.addStretch(1)
        layout.addWidget(location)
        layout.addWidget(self.buttons)

        self.allow_network_box.toggled.connect(self._update_warning)
        self._update_warning(self.allow_network_box.isChecked())

    def _update_warning(self, allowed: bool) -> None:
        self.warning_label.setVisible(allowed)

    def accept(self) -> None:
        """Save the settings and apply them now; on a save error say so and stay open."""
        config = AppConfig(allow_network=self.allow_network_box.isChecked())
        try:
            save_config(config)
        except Exception as error:  # noqa: BLE001 - shown to the analyst; nothing was changed
            error_dialog(self, error, action="Saving the preferences")
            return
        self.config = config
        apply_network_policy(config)
        self.state_label.setText(network_state_text())
        super().accept()
