"""Which project the window works in, and how datasets and projects find each other.

A dataset opened without a project gets one automatically, in the app data folder
(`<AppDataLocation>/projects/<stem>-<hash>.privdesk`, privdesk.core.project_files), and the same
file opened again reopens it: nothing the analyst decides can be lost by closing the window,
because the project commits every decision as it is made. "Save project as" copies it elsewhere.

Opening, creating and fingerprinting touch the disk (a dataset fingerprint reads the whole file),
so they run in a Worker; the controller reports the outcome with signals.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QThreadPool, Signal

from privdesk.core.errors import ProjectError
from privdesk.core.project import PROJECT_SUFFIX, Project, key_file_path
from privdesk.core.project_files import automatic_project_path, checkpoint, save_project_as
from privdesk.core.types import ColumnRole
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

PROJECTS_FOLDER_ENV = "PRIVDESK_PROJECTS_DIR"  # overrides the automatic projects' folder (tests, portable use)


def default_projects_folder() -> Path:
    override = os.environ.get(PROJECTS_FOLDER_ENV)
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".privdesk") / "projects"


def dataset_options(dataset: Any) -> dict[str, Any]:
    """The read options that read `dataset` again exactly as it was read (ReadOptions fields)."""
    return {"format": dataset.format, "encoding": dataset.encoding, "delimiter": dataset.delimiter,
            "text_split": dataset.text_split or "line"}


@dataclass(frozen=True)
class Attachment:
    """The outcome of pairing a dataset with a project."""

    project: Project
    created: bool  # a new project was made for the dataset
    status: str  # "ok", or "changed" when the file differs from the one the project's findings are about
    roles: dict[str, ColumnRole]  # the roles to use: the project's own when it had some


def attach_dataset(project_path: Path, dataset_path: Path, dataset_format: str, options: dict, num_rows: int,
                   roles: dict[str, ColumnRole], *, project: Project | None = None, replace_changed: bool = False,
                   progress=None, cancel=None) -> Attachment:
    """Open (or create) the project at `project_path` and make `dataset_path` its dataset.

    An open `project` is used as it is. With `replace_changed`, a project whose findings are about an
    earlier version of the file is moved aside (renamed, never deleted) and a fresh one is created.
    """
    created = opened_here = False
    if project is None:
        opened_here = True
        if project_path.exists() and replace_changed:
            _move_aside(project_path)
        if project_path.exists():
            project = Project.open(project_path)
        else:
            project = Project.create(project_path)
            created = True
    try:
        ref = project.dataset_ref()
        status = "ok"
        if ref is None or ref.path != Path(dataset_path).resolve():
            try:
                project.set_dataset(dataset_path, format=dataset_format, options=options, num_rows=num_rows)
            except ProjectError:
                status = "changed"  # review work about other data: the caller asks what to do
        else:
            status = "ok" if project.dataset_status() == "ok" else "changed"
            if status == "changed" and not (project.detection_count() or project.decisions()):
                project.set_dataset(dataset_path, format=dataset_format, options=options, num_rows=num_rows)
                status = "ok"
        stored = project.column_roles()
        if stored and set(stored) == set(roles):
            roles = stored
        else:
            project.set_column_roles(roles)
        return Attachment(project, created, status, dict(roles))
    except BaseException:
        if opened_here:
            project.close()
        raise


def _move_aside(project_path: Path) -> Path:
    """Rename a project (and its key file and log files) to `<name>-replaced-<time>.privdesk`."""
    with Project.open(project_path) as old:
        checkpoint(old)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    stem = project_path.name[: -len(PROJECT_SUFFIX)]
    target = project_path.with_name(f"{stem}-replaced-{stamp}{PROJECT_SUFFIX}")
    for suffix in ("-wal", "-shm"):
        Path(f"{project_path}{suffix}").unlink(missing_ok=True)
    os.replace(project_path, target)
    old_key = key_file_path(project_path)
    if old_key.exists():
        os.replace(old_key, key_file_path(target))
    log.info("moved an outdated project aside")
    return target


def open_project_file(path: Path, *, progress=None, cancel=None) -> Project:
    return Project.open(path)


class ProjectController(QObject):
    project_changed = Signal(object)  # the open Project, or None
    attached = Signal(object)  # Attachment: a dataset and its project are ready for review
    dataset_changed_on_disk = Signal(object)  # Attachment with status "changed": ask the analyst
    project_opened = Signal(object)  # a project file was opened (its dataset is to be loaded next)
    failed = Signal(object, str)  # exception, what was being done

    def __init__(self, thread_pool: ThreadPoolLike | None = None, projects_folder: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread_pool: ThreadPoolLike = thread_pool if thread_pool is not None else QThreadPool.globalInstance()
        self.projects_folder = projects_folder if projects_folder is not None else default_projects_folder()
        self.project: Project | None = None
        self._workers: list[Worker] = []
        self._generation = 0

    # -- life cycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self._generation += 1
        if self.project is not None:
            project, self.project = self.project, None
            try:
                checkpoint(project)  # leave one self-contained file behind
            except ProjectError:
                log.info("project checkpoint skipped on close")
            project.close()
            self.project_changed.emit(None)

    def adopt(self, project: Project) -> None:
        """Work in `project` from now on (the previous one is closed)."""
        self._set_project(project)

    def _set_project(self, project: Project) -> None:
        if self.project is not None and self.project is not project:
            self.project.close()
        self.project = project
        self.project_changed.emit(project)

    def _run(self, function, *args, on_done, action: str, on_failed=None, **kwargs) -> None:
        generation = self._generation
        worker = Worker(function, *args, name=action, **kwargs)
        self._workers.append(worker)

        def finish(result: object) -> None:
            self._forget(worker)
            if generation == self._generation:
                on_done(result)
            elif isinstance(result, Attachment) and result.project is not self.project:
                result.project.close()  # a newer request replaced this one
            elif isinstance(result, Project) and result is not self.project:
                result.close()

        def fail(error: BaseException) -> None:
            self._forget(worker)
            if generation == self._generation:
                self.failed.emit(error, action)
                if on_failed is not None:
                    on_failed()

        worker.signals.finished.connect(finish)
        worker.signals.failed.connect(fail)
        worker.signals.cancelled.connect(lambda: self._forget(worker))
        worker.start(self._thread_pool)

    def _forget(self, worker: Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)

    # -- datasets and projects ----------------------------------------------------------------------

    def attach(self, dataset: Any, roles: dict[str, ColumnRole], *, replace_changed: bool = False,
               target: Path | None = None, keep_current: bool = False) -> None:
        """Pair a loaded dataset with a project: the open one if it is about this file (or with
        keep_current, whatever file it was about: a located copy), else the dataset's automatic
        project, or a new project at `target`."""
        dataset_path = Path(dataset.path).resolve()
        keep = self.project
        if keep is not None and not keep_current:
            ref = keep.dataset_ref()
            if ref is None or ref.path != dataset_path:
                keep = None
        if target is not None or replace_changed:
            keep = None
        if keep is None:
            self._generation += 1
            if self.project is not None:
                old, self.project = self.project, None
                old.close()
                self.project_changed.emit(None)
        project_path = target if target is not None else automatic_project_path(self.projects_folder, dataset_path)
        self._run(attach_dataset, project_path, dataset_path, dataset.format, dataset_options(dataset),
                  dataset.num_rows, roles, project=keep, replace_changed=replace_changed,
                  on_done=self._on_attached, action="Opening the project")

    def _on_attached(self, attachment: Attachment) -> None:
        self._set_project(attachment.project)
        if attachment.status == "changed":
            self.dataset_changed_on_disk.emit(attachment)
            if self.project is not attachment.project:
                return  # the analyst chose a fresh project: that attachment is reported instead
        self.attached.emit(attachment)

    def open_project(self, path: Path) -> None:
        """Open a project file; `project_opened` follows, and the window loads its dataset.

        The project open now stays open until the new one has opened: when the file is not a
        project, or is damaged, `failed` is followed by `attached` for the project kept, so the
        window goes on with it as before.
        """
        self._generation += 1
        kept = self.project
        self._run(open_project_file, Path(path), on_done=self._on_project_opened, action="Opening the project",
                  on_failed=lambda: self._keep_after_failed_open(kept))

    def _keep_after_failed_open(self, kept: Project | None) -> None:
        if kept is None or kept.closed or kept is not self.project:
            return
        roles = kept.column_roles()
        if roles:  # it was paired with the dataset on show: give the window that pairing back
            self.attached.emit(Attachment(kept, created=False, status="ok", roles=roles))

    def _on_project_opened(self, project: Project) -> None:
        self._set_project(project)
        self.project_opened.emit(project)

    def save(self) -> None:
        if self.project is not None:
            checkpoint(self.project)

    def save_as(self, target: Path) -> Path:
        """Copy the project to `target` and continue in the copy; returns the copy's path."""
        if self.project is None:
            raise ProjectError("there is no project open.", hint="Open a dataset or a project first.")
        copy_path = save_project_as(self.project, target, overwrite=Path(target).exists())
        copy = Project.open(copy_path)
        self._set_project(copy)
        return copy_path
