"""The main window: five tabs (one per stage), the menus, the status bar, drag and drop, saved settings."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QSettings, Qt, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QUndoGroup,
)
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QTabWidget, QWidget

from privdesk.gui import settings as app_settings
from privdesk.gui.icons import app_icon
from privdesk.gui.tabs.data_tab import DataTab
from privdesk.gui.tabs.placeholder import PlaceholderTab
from privdesk.gui.widgets.help_dialogs import ShortcutsDialog, about_dialog
from privdesk.gui.workers import ThreadPoolLike

log = logging.getLogger(__name__)

DATASET_FILTER = (
    "Datasets (*.csv *.tsv *.tab *.json *.jsonl *.ndjson *.parquet *.txt);;"
    "CSV and TSV (*.csv *.tsv *.tab);;JSON (*.json *.jsonl *.ndjson);;Parquet (*.parquet);;"
    "Plain text (*.txt);;All files (*)"
)
PLACEHOLDER_TABS = (("Review", "reviewTab"), ("Policy", "policyTab"), ("Train", "trainTab"), ("Evaluate", "evaluateTab"))


def standard_keys(key: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's keys for a standard action; `fallback` where the platform theme defines none."""
    return QKeySequence.keyBindings(key) or [QKeySequence(fallback)]


class MainWindow(QMainWindow):
    def __init__(
        self,
        thread_pool: ThreadPoolLike | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("PrivDesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else app_settings.open_settings()

        self.data_tab = DataTab(thread_pool, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.data_tab, "&Data")
        for title, object_name in PLACEHOLDER_TABS:
            self.tabs.addTab(PlaceholderTab(title, object_name, self), f"&{title}")
        self.setCentralWidget(self.tabs)

        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.data_tab.undo_stack)
        self.tabs.currentChanged.connect(self._activate_undo_stack)
        self._activate_undo_stack()

        self._create_actions()
        self._create_menus()
        self.dataset_status = QLabel("No dataset open", self)
        self.dataset_status.setObjectName("datasetStatus")
        self.statusBar().addPermanentWidget(self.dataset_status)

        self.data_tab.open_requested.connect(self.choose_dataset)
        self.data_tab.dataset_loaded.connect(self._on_dataset_loaded)
        self.data_tab.status_message.connect(self._show_status_message)
        self._restore_window()

    # -- public API ---------------------------------------------------------------------------

    def open_dataset(self, path: str | Path) -> None:
        """Load `path` into the Data tab (in the background) and show that tab."""
        path = Path(path)
        app_settings.set_last_folder(self.settings, path.resolve().parent)
        self.tabs.setCurrentWidget(self.data_tab)
        self.data_tab.open_dataset(path)

    @Slot()
    def choose_dataset(self) -> None:
        """Ask for a dataset file, starting in the folder used last, and open it."""
        file_name, _ = QFileDialog.getOpenFileName(
            self, "Open dataset", app_settings.last_folder(self.settings), DATASET_FILTER
        )
        if file_name:
            self.open_dataset(file_name)

    def recent_files(self) -> list[Path]:
        return app_settings.recent_files(self.settings)

    # -- actions and menus --------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.open_action = QAction("&Open dataset\u2026", self)
        self.open_action.setObjectName("openDatasetAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_action.setStatusTip("Open a CSV, TSV, JSON, JSONL, Parquet or text file")
        self.open_action.triggered.connect(self.choose_dataset)

        self.clear_recent_action = QAction("&Clear Recent Files", self)
        self.clear_recent_action.setObjectName("clearRecentAction")
        self.clear_recent_action.triggered.connect(self._clear_recent_files)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # Cmd+Q on macOS; Qt maps Ctrl to Cmd there
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setObjectName("undoAction")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setObjectName("redoAction")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])

        self.full_screen_action = QAction("&Full Screen", self)
        self.full_screen_action.setObjectName("fullScreenAction")
        self.full_screen_action.setCheckable(True)
        self.full_screen_action.setShortcuts(standard_keys(QKeySequence.StandardKey.FullScreen, "F11"))
        self.full_screen_action.toggled.connect(self._set_full_screen)

        self.shortcuts_action = QAction("&Keyboard Shortcuts", self)
        self.shortcuts_action.setObjectName("shortcutsAction")
        self.shortcuts_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)

        self.about_action = QAction("&About PrivDesk", self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    def _create_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setObjectName("recentMenu")
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu()

        edit_menu = menu_bar.addMenu("&Edit")
        edit_menu.setObjectName("editMenu")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        view_menu = menu_bar.addMenu("&View")
        view_menu.setObjectName("viewMenu")
        view_menu.addAction(self.full_screen_action)

        help_menu = menu_bar.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def shortcut_actions(self) -> list[QAction]:
        return [
            self.open_action, self.quit_action, self.undo_action, self.redo_action,
            self.full_screen_action, self.shortcuts_action,
        ]

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.shortcut_actions(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def show_about(self) -> None:
        about_dialog(self)

    # -- recent files -------------------------------------------------------------------------

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for number, path in enumerate(files, start=1):
            exists = path.exists()
            label = f"&{number} {path.name}" if number < 10 else f"{number} {path.name}"
            action = self.recent_menu.addAction(label if exists else f"{label} (not found)")
            action.setData(str(path))
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.setEnabled(exists)
            action.triggered.connect(lambda _checked=False, target=path: self.open_dataset(target))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.clear_recent_action)
        self.recent_menu.menuAction().setEnabled(bool(files))
        self.recent_menu.menuAction().setObjectName("recentMenuAction")

    def recent_file_actions(self) -> list[QAction]:
        return [action for action in self.recent_menu.actions() if action.data()]

    @Slot()
    def _clear_recent_files(self) -> None:
        app_settings.clear_recent_files(self.settings)
        self._rebuild_recent_menu()

    # -- reacting to the Data tab -------------------------------------------------------------

    @Slot(object)
    def _on_dataset_loaded(self, dataset: object) -> None:
        path = Path(getattr(dataset, "path"))
        app_settings.add_recent_file(self.settings, path)
        self._rebuild_recent_menu()
        table = getattr(dataset, "table")
        self.dataset_status.setText(f"{path.name} \u00b7 {table.num_rows:,} rows \u00d7 {table.num_columns} columns")
        self.setWindowTitle(f"{path.name} \u2014 PrivDesk")

    @Slot(str)
    def _show_status_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 5000)

    @Slot()
    def _activate_undo_stack(self) -> None:
        stack = getattr(self.tabs.currentWidget(), "undo_stack", None)
        self.undo_group.setActiveStack(stack)

    # -- view ---------------------------------------------------------------------------------

    @Slot(bool)
    def _set_full_screen(self, on: bool) -> None:
        if on:
            self._was_maximized = self.isMaximized()
            self.showFullScreen()
        elif getattr(self, "_was_maximized", False):
            self.showMaximized()
        else:
            self.showNormal()

    # -- drag and drop ------------------------------------------------------------------------

    @staticmethod
    def dropped_path(mime: QMimeData) -> Path | None:
        """The first local file or folder in a drag, if there is one."""
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if self.dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        if self.dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        path = self.dropped_path(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_dataset(path)

    # -- window state -------------------------------------------------------------------------

    def _restore_window(self) -> None:
        geometry = self.settings.value(app_settings.KEY_GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty() and self.restoreGeometry(geometry):
            state = self.settings.value(app_settings.KEY_WINDOW_STATE)
            if isinstance(state, QByteArray):
                self.restoreState(state)
        else:
            self.resize(1280, 800)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.data_tab.shutdown()
        if self.full_screen_action.isChecked():
            self.full_screen_action.setChecked(False)  # save the normal geometry, not the full-screen one
        self.settings.setValue(app_settings.KEY_GEOMETRY, self.saveGeometry())
        self.settings.setValue(app_settings.KEY_WINDOW_STATE, self.saveState())
        self.settings.sync()
        event.accept()
