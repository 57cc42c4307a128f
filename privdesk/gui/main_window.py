"""The main window: five tabs (one per stage), the menus, the status bar, projects, drag and drop, settings.

Work is never lost by closing: a dataset opened without a project gets an automatic one (see
privdesk.gui.project_controller) and every review decision is committed the moment it is made.
QSettings keep only window geometry, the last folder and recent file paths, never data.
"""

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
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget, QWidget

from privdesk.core.dataset import ReadOptions
from privdesk.core.project import PROJECT_SUFFIX, Project
from privdesk.gui import settings as app_settings
from privdesk.gui.app import freeze_long_lived_objects
from privdesk.gui.error_reporting import error_dialog
from privdesk.gui.icons import app_icon
from privdesk.gui.project_controller import Attachment, ProjectController
from privdesk.gui.review import keys as review_keys
from privdesk.gui.review.detection import EngineFactory
from privdesk.gui.tabs.data_tab import DataTab
from privdesk.gui.tabs.evaluate_tab import EvaluateTab
from privdesk.gui.tabs.policy_tab import PolicyTab
from privdesk.gui.tabs.train_tab import TrainTab
from privdesk.gui.tabs.review_tab import ReviewTab
from privdesk.gui.widgets.help_dialogs import ShortcutsDialog, about_dialog
from privdesk.gui.workers import ThreadPoolLike

log = logging.getLogger(__name__)

DATASET_FILTER = (
    "Datasets (*.csv *.tsv *.tab *.json *.jsonl *.ndjson *.parquet *.txt);;"
    "CSV and TSV (*.csv *.tsv *.tab);;JSON (*.json *.jsonl *.ndjson);;Parquet (*.parquet);;"
    "Plain text (*.txt);;All files (*)"
)
PROJECT_FILTER = f"PrivDesk projects (*{PROJECT_SUFFIX});;All files (*)"


def standard_keys(key: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's keys for a standard action; `fallback` where the platform theme defines none."""
    return QKeySequence.keyBindings(key) or [QKeySequence(fallback)]


def is_project_path(path: Path) -> bool:
    return path.suffix == PROJECT_SUFFIX


class MainWindow(QMainWindow):
    def __init__(
        self,
        thread_pool: ThreadPoolLike | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        engine_factory: EngineFactory | None = None,
        projects_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("PrivDesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else app_settings.open_settings()
        self.projects = ProjectController(thread_pool, projects_folder, self)
        self._dataset_for_project: Path | None = None  # a project's dataset being loaded for it

        self.data_tab = DataTab(thread_pool, self)
        self.review_tab = ReviewTab(thread_pool, engine_factory, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.data_tab, "&Data")
        self.tabs.addTab(self.review_tab, "&Review")
        self.policy_tab = PolicyTab(thread_pool, self)
        self.train_tab = TrainTab(thread_pool, self)
        self.evaluate_tab = EvaluateTab(thread_pool, self)
        self.tabs.addTab(self.policy_tab, "&Policy")
        self.tabs.addTab(self.train_tab, "&Train")
        self.tabs.addTab(self.evaluate_tab, "&Evaluate")
        self.train_tab.run_finished.connect(self.evaluate_tab.add_run_folder)
        self.policy_tab.export_finished.connect(lambda summary: self.evaluate_tab.set_export_path(summary.output_path))
        self.policy_tab.export_requested.connect(lambda: self.tabs.setCurrentWidget(self.policy_tab))
        for tab in (self.policy_tab, self.train_tab):
            tab.status_message.connect(self._show_status_message)
        self.setCentralWidget(self.tabs)

        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.data_tab.undo_stack)
        self.undo_group.addStack(self.review_tab.undo_stack)
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self._create_actions()
        self._create_menus()
        self._create_status_bar()
        self._connect()
        self._on_tab_changed()
        self._update_titles()
        self._restore_window()

    # -- public API ---------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> None:
        """Open a .privdesk project or a dataset file (the command line and drag and drop come here)."""
        path = Path(path)
        if is_project_path(path):
            self.open_project(path)
        else:
            self.open_dataset(path)

    def open_dataset(self, path: str | Path, options: ReadOptions | None = None) -> None:
        """Load `path` into the Data tab (in the background) and show that tab."""
        path = Path(path)
        app_settings.set_last_folder(self.settings, path.resolve().parent)
        self.tabs.setCurrentWidget(self.data_tab)
        self.data_tab.open_dataset(path, options)

    def open_project(self, path: str | Path) -> None:
        path = Path(path)
        app_settings.set_last_folder(self.settings, path.resolve().parent)
        self._clear_step_contexts()
        self.projects.open_project(path)

    @property
    def project(self) -> Project | None:
        return self.projects.project

    @Slot()
    def choose_dataset(self) -> None:
        """Ask for a dataset file, starting in the folder used last, and open it."""
        file_name, _ = QFileDialog.getOpenFileName(
            self, "Open dataset", app_settings.last_folder(self.settings), DATASET_FILTER
        )
        if file_name:
            self.open_dataset(file_name)

    @Slot()
    def choose_project(self) -> None:
        file_name, _ = QFileDialog.getOpenFileName(
            self, "Open project", app_settings.last_folder(self.settings), PROJECT_FILTER)
        if file_name:
            self.open_project(file_name)

    @Slot()
    def new_project(self) -> None:
        """Create a project file where the analyst says; the open dataset (if any) moves into it."""
        file_name, _ = QFileDialog.getSaveFileName(
            self, "New project", app_settings.last_folder(self.settings), PROJECT_FILTER)
        if not file_name:
            return
        target = Path(file_name)
        if target.suffix != PROJECT_SUFFIX:
            target = target.with_name(target.name + PROJECT_SUFFIX)
        dataset = self.data_tab.dataset
        if dataset is not None:
            self._clear_step_contexts()
            self.projects.attach(dataset, self.data_tab.roles(), target=target)
            return
        try:
            project = Project.create(target)
        except Exception as error:  # noqa: BLE001 - shown to the analyst
            error_dialog(self, error, action="Creating the project")
            return
        self._clear_step_contexts()
        self.projects.adopt(project)
        self._remember(target)
        self._show_status_message(f"Created {target.name}. Open a dataset to review it in this project.")

    @Slot()
    def save_project(self) -> None:
        if self.project is None:
            return
        try:
            self.projects.save()
        except Exception as error:  # noqa: BLE001
            error_dialog(self, error, action="Saving the project")
            return
        self._show_status_message("Saved. PrivDesk also saves every decision the moment you make it.")

    @Slot()
    def save_project_as(self) -> None:
        if self.project is None:
            return
        suggested = str(Path(app_settings.last_folder(self.settings)) / f"{self.project.name}{PROJECT_SUFFIX}")
        file_name, _ = QFileDialog.getSaveFileName(self, "Save project as", suggested, PROJECT_FILTER)
        if file_name:
            self.save_project_as_path(Path(file_name))

    def save_project_as_path(self, target: Path) -> Path | None:
        if self.review_tab.detection.is_running:
            self._show_status_message("Wait for detection to finish (or cancel it) before saving a copy.")
            return None
        try:
            copy = self.projects.save_as(target)
        except Exception as error:  # noqa: BLE001
            error_dialog(self, error, action="Saving the project")
            return None
        self._remember(copy)
        if self.data_tab.dataset is not None and self.project is not None:
            self.review_tab.set_context(self.project, self.data_tab.dataset, self.data_tab.roles())
            self._set_step_contexts(self.project, self.data_tab.dataset)
        self._update_titles()
        self._show_status_message(f"Saved a copy as {copy.name}; you are now working in it.")
        return copy

    def recent_files(self) -> list[Path]:
        return app_settings.recent_files(self.settings)

    # -- actions and menus --------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.new_project_action = QAction("&New project\u2026", self)
        self.new_project_action.setObjectName("newProjectAction")
        self.new_project_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_project_action.triggered.connect(self.new_project)

        self.open_project_action = QAction("Open &project\u2026", self)
        self.open_project_action.setObjectName("openProjectAction")
        self.open_project_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_project_action.triggered.connect(self.choose_project)

        self.save_action = QAction("&Save project", self)
        self.save_action.setObjectName("saveProjectAction")
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_action.setStatusTip("Every decision is saved as you make it; this also tidies the file for copying")
        self.save_action.triggered.connect(self.save_project)

        self.save_as_action = QAction("Save project &as\u2026", self)
        self.save_as_action.setObjectName("saveProjectAsAction")
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.triggered.connect(self.save_project_as)

        self.open_action = QAction("&Open dataset\u2026", self)
        self.open_action.setObjectName("openDatasetAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_action.setStatusTip("Open a CSV, TSV, JSON, JSONL, Parquet or text file")
        self.open_action.triggered.connect(self.choose_dataset)

        self.clear_recent_action = QAction("&Clear Recent Files", self)
        self.clear_recent_action.setObjectName("clearRecentAction")
        self.clear_recent_action.triggered.connect(self._clear_recent_files)

        self.export_action = QAction("&Export sanitized dataset\u2026", self)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self._export)
        self.reidentify_action = QAction("Re-&identify from a vault\u2026", self)
        self.reidentify_action.setObjectName("reidentifyAction")
        self.reidentify_action.triggered.connect(self._reidentify)
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
        self.preferences_action = QAction("&Preferences\u2026", self)
        self.preferences_action.setObjectName("preferencesAction")
        self.preferences_action.setShortcuts(standard_keys(QKeySequence.StandardKey.Preferences, "Ctrl+,"))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.show_preferences)

        self.full_screen_action = QAction("&Full Screen", self)
        self.full_screen_action.setObjectName("fullScreenAction")
        self.full_screen_action.setCheckable(True)
        self.full_screen_action.setShortcuts(standard_keys(QKeySequence.StandardKey.FullScreen, "F11"))
        self.full_screen_action.toggled.connect(self._set_full_screen)

        self.tab_actions: list[QAction] = []
        for number in range(self.tabs.count()):
            title = self.tabs.tabText(number).replace("&", "")
            action = QAction(f"{title} tab", self)
            action.setObjectName(f"show{title}TabAction")
            action.setShortcut(QKeySequence(f"Ctrl+{number + 1}"))
            action.triggered.connect(lambda _checked=False, n=number: self.tabs.setCurrentIndex(n))
            self.tab_actions.append(action)

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
        for action in (self.new_project_action, self.open_project_action, self.save_action, self.save_as_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setObjectName("recentMenu")
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.reidentify_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu()

        edit_menu = menu_bar.addMenu("&Edit")
        edit_menu.setObjectName("editMenu")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)

        self.review_menu = menu_bar.addMenu("Re&view")
        self.review_menu.setObjectName("reviewMenu")
        tab = self.review_tab
        for action in (tab.run_detection_action, tab.cancel_detection_action):
            self.review_menu.addAction(action)
        self.review_menu.addSeparator()
        for action in (tab.accept_action, tab.reject_action, tab.delete_action, tab.accept_rest_action):
            self.review_menu.addAction(action)
        label_menu = self.review_menu.addMenu("&Label as")
        for action in tab.label_actions.values():
            label_menu.addAction(action)
        self.review_menu.addAction(tab.explain_action)
        self.review_menu.addSeparator()
        for action in (tab.next_record_action, tab.previous_record_action, tab.next_span_action,
                       tab.previous_span_action, tab.go_to_record_action, tab.find_action):
            self.review_menu.addAction(action)
        self.review_menu.addSeparator()
        self.review_menu.addAction(tab.bulk_action)
        self.review_menu.addAction(tab.lists_action)

        view_menu = menu_bar.addMenu("&View")
        view_menu.setObjectName("viewMenu")
        for action in self.tab_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.full_screen_action)

        help_menu = menu_bar.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _create_status_bar(self) -> None:
        self.project_status = QLabel("No project", self)
        self.project_status.setObjectName("projectStatus")
        self.dataset_status = QLabel("No dataset open", self)
        self.dataset_status.setObjectName("datasetStatus")
        self.review_status = QLabel("", self)
        self.review_status.setObjectName("reviewStatus")
        for label in (self.review_status, self.dataset_status, self.project_status):
            self.statusBar().addPermanentWidget(label)

    def _connect(self) -> None:
        self.data_tab.open_requested.connect(self.choose_dataset)
        self.data_tab.dataset_loaded.connect(self._on_dataset_loaded)
        self.data_tab.roles_changed.connect(self._on_roles_changed)
        self.data_tab.status_message.connect(self._show_status_message)
        self.review_tab.status_message.connect(self._show_status_message)
        self.review_tab.progress_changed.connect(self._on_review_progress)
        self.review_tab.detection_running_changed.connect(self._on_detection_running)
        self.projects.attached.connect(self._on_attached)
        self.projects.project_opened.connect(self._on_project_opened)
        self.projects.dataset_changed_on_disk.connect(self._on_dataset_changed_on_disk)
        self.projects.project_changed.connect(lambda _project: self._update_titles())
        self.projects.failed.connect(lambda error, action: error_dialog(self, error, action=action))
        self.review_tab.session.reset.connect(freeze_long_lived_objects)

    def shortcut_actions(self) -> list[QAction]:
        return [
            self.new_project_action, self.open_project_action, self.save_action, self.save_as_action,
            self.open_action, self.quit_action, self.undo_action, self.redo_action,
            *self.review_tab.review_actions(), *self.tab_actions, self.full_screen_action, self.shortcuts_action,
        ]

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.shortcut_actions(), self, extra_rows=review_keys.TEXT_VIEW_KEYS)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def show_about(self) -> None:
        about_dialog(self)

    # -- recent files -------------------------------------------------------------------------

    def _remember(self, path: Path) -> None:
        app_settings.add_recent_file(self.settings, path)
        self._rebuild_recent_menu()

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
            action.triggered.connect(lambda _checked=False, target=path: self.open_path(target))
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

    # -- datasets and projects ----------------------------------------------------------------

    @Slot(object)
    def _on_dataset_loaded(self, dataset: object) -> None:
        path = Path(getattr(dataset, "path"))
        if self._dataset_for_project is None:
            self._remember(path)
        table = getattr(dataset, "table")
        self.dataset_status.setText(f"{path.name} \u00b7 {table.num_rows:,} rows \u00d7 {table.num_columns} columns")
        keep = self._dataset_for_project is not None and self._dataset_for_project.resolve() == path.resolve()
        self._dataset_for_project = None
        self._clear_step_contexts()
        self.projects.attach(dataset, self.data_tab.roles(), keep_current=keep)
        self._update_titles()

    def _on_project_opened(self, project: Project) -> None:
        self._remember(project.path)
        ref = project.dataset_ref()
        if ref is None:
            self._show_status_message(f"Opened {project.name}. It has no dataset yet: open one (Ctrl+O).")
            self.tabs.setCurrentWidget(self.data_tab)
            return
        path = ref.path
        if not path.exists():
            box = QMessageBox(QMessageBox.Icon.Warning, "Dataset not found",
                              f"The project's dataset is not where it was:\n{path}", parent=self)
            box.setObjectName("datasetMissingDialog")
            box.setInformativeText("Locate the file (a moved or renamed copy with the same content is fine), "
                                   "or open the project without it.")
            locate = box.addButton("Locate\u2026", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is not locate:
                return
            file_name, _ = QFileDialog.getOpenFileName(self, "Locate the dataset", str(path.parent), DATASET_FILTER)
            if not file_name:
                return
            path = Path(file_name)
        options = {key: value for key, value in ref.options.items() if key in ("format", "encoding", "delimiter", "text_split")}
        self._dataset_for_project = path
        self.tabs.setCurrentWidget(self.data_tab)
        self.data_tab.open_dataset(path, ReadOptions(**options))

    def _on_attached(self, attachment: Attachment) -> None:
        dataset = self.data_tab.dataset
        if dataset is None or attachment.project.closed:
            return
        self.data_tab.apply_roles(attachment.roles)
        self.review_tab.set_context(attachment.project, dataset, attachment.roles)
        self._set_step_contexts(attachment.project, dataset)
        if attachment.status == "changed":
            self.review_tab.show_banner(
                "\u26a0 The dataset file changed since this project's findings were made. Findings point at "
                "character positions and may no longer line up; run detection again to start afresh.")
        else:
            self.review_tab.show_banner("")
        if attachment.created:
            self._show_status_message(f"Created the project {attachment.project.name} for this dataset; "
                                      "every decision is saved as you make it.")
        self._update_titles()

    def _on_dataset_changed_on_disk(self, attachment: Attachment) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "The dataset changed",
                          f"{Path(getattr(self.data_tab.dataset, 'path', '')).name} differs from the file the project "
                          f"\u201c{attachment.project.name}\u201d reviewed.", parent=self)
        box.setObjectName("datasetChangedDialog")
        box.setInformativeText("Its findings and decisions point at character positions in the old file. Start a "
                               "fresh review of this file (the old project is kept, renamed), or keep the old findings?")
        fresh = box.addButton("Start a fresh review", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep the old findings", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is fresh and self.data_tab.dataset is not None:
            self._clear_step_contexts()
            self.projects.attach(self.data_tab.dataset, self.data_tab.roles(), replace_changed=True)

    @Slot(dict)
    def _on_roles_changed(self, roles: dict) -> None:
        self.review_tab.set_roles(roles)
        if self.project is not None:
            self.project.set_column_roles(roles)

    def _on_review_progress(self, done: int, with_findings: int) -> None:
        if with_findings:
            self.review_status.setText(f"Reviewed {done:,} of {with_findings:,} records with findings "
                                       f"({done / with_findings:.0%})")
        else:
            self.review_status.setText("")

    def _on_detection_running(self, running: bool) -> None:
        for action in (self.save_as_action, self.new_project_action):
            action.setEnabled(not running)

    def _is_automatic(self, project: Project) -> bool:
        return project.path.parent == self.projects.projects_folder.resolve()

    def _update_titles(self) -> None:
        project = self.project
        dataset = self.data_tab.dataset
        dataset_name = Path(dataset.path).name if dataset is not None else ""
        if project is None:
            self.project_status.setText("No project")
            self.project_status.setToolTip("")
        elif self._is_automatic(project):
            self.project_status.setText("Project saved automatically")
            self.project_status.setToolTip(f"{project.path}\nUse File \u25b8 Save project as\u2026 to keep a copy elsewhere.")
        else:
            self.project_status.setText(f"Project: {project.name}")
            self.project_status.setToolTip(str(project.path))
        parts = [dataset_name] if dataset_name else []
        if project is not None and not self._is_automatic(project):
            parts.insert(0, project.name)
        self.setWindowTitle(" \u2014 ".join(parts + ["PrivDesk"]))
        for action in (self.save_action, self.save_as_action):
            action.setEnabled(project is not None)

    @Slot(str)
    def _show_status_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    @Slot()
    def _on_tab_changed(self) -> None:
        current = self.tabs.currentWidget()
        self.undo_group.setActiveStack(getattr(current, "undo_stack", None))
        self.review_menu.setEnabled(current is self.review_tab)

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
        self.open_path(path)

    # -- window state -------------------------------------------------------------------------

    def _restore_window(self) -> None:
        geometry = self.settings.value(app_settings.KEY_GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty() and self.restoreGeometry(geometry):
            state = self.settings.value(app_settings.KEY_WINDOW_STATE)
            if isinstance(state, QByteArray):
                self.restoreState(state)
        else:
            self.resize(1280, 800)

    def _export(self) -> None:
        self.tabs.setCurrentWidget(self.policy_tab)
        self.policy_tab.open_export_dialog()

    def _reidentify(self) -> None:
        self.policy_tab.open_reidentify_dialog()

    @Slot()
    def show_preferences(self) -> QWidget:
        """Edit > Preferences: network access (privdesk.core.appconfig), applied when the analyst presses OK."""
        from privdesk.gui.dialogs.preferences_dialog import PreferencesDialog

        dialog = PreferencesDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _set_step_contexts(self, project: Project | None, dataset) -> None:
        """The steps after review (policy, training, evaluation) follow the project and dataset in hand."""
        for tab in (self.policy_tab, self.train_tab, self.evaluate_tab):
            tab.set_context(project, dataset)

    def _clear_step_contexts(self) -> None:
        self.review_tab.clear_context()
        self._set_step_contexts(None, None)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.train_tab.shutdown()
        self.review_tab.shutdown()
        self.data_tab.shutdown()
        self._clear_step_contexts()
        self.projects.close()
        if self.full_screen_action.isChecked():
            self.full_screen_action.setChecked(False)  # save the normal geometry, not the full-screen one
        self.settings.setValue(app_settings.KEY_GEOMETRY, self.saveGeometry())
        self.settings.setValue(app_settings.KEY_WINDOW_STATE, self.saveState())
        self.settings.sync()
        event.accept()
