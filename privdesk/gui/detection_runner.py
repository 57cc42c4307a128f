"""Detection over a whole dataset, written into the project chunk by chunk, for the Review tab.

Two ways to run it, both generators that yield a `DetectedChunk` per finished chunk (so review can
start while detection goes on) and return a `DetectionOutcome`:

- `detect_in_process(job, engine, project, dataset)`: the engine runs in the calling thread. Tests
  use it with a small fake engine; it is also the body of the child process below.
- `detect_in_subprocess(job)`: the engine runs in a child process ("spawn"). The GUI process never
  imports spaCy, Presidio or torch: importing them, and the garbage collections over their millions
  of objects, hold Python's global lock for hundreds of milliseconds at a time, which would freeze
  the window. The child writes detections through its own project connection and sends each chunk
  (with the detections' ids) back over a queue; it stops when cancelled or when the GUI process dies.

No Qt here: the GUI runs these inside a privdesk.gui.workers.Worker.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import queue as queue_module
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator, Iterator, Protocol

from privdesk.core.errors import PrivDeskError
from privdesk.core.progress import CancelToken, Cancelled, ProgressCallback, ProgressInfo
from privdesk.core.project import Detection, Project
from privdesk.core.types import ColumnRole, Span

log = logging.getLogger(__name__)

DEFAULT_CHUNK_RECORDS = 256
_POLL_S = 0.1
_CHILD_STOP_WAIT_S = 10.0


class DetectionEngineLike(Protocol):
    def detect_records(self, rows: Any, column_roles: dict[str, ColumnRole], *, start_record: int = 0,
                       chunk_size: int = 1000, progress: ProgressCallback | None = None,
                       cancel: CancelToken | None = None) -> Iterator[list[Span]]: ...


@dataclass(frozen=True)
class DetectionJob:
    """Everything a detection run needs, as plain picklable data."""

    project_path: Path
    dataset_path: Path
    read_options: dict[str, Any]  # privdesk.core.dataset.ReadOptions fields
    column_roles: dict[str, str]  # column -> str(ColumnRole)
    settings: dict[str, Any] = field(default_factory=dict)  # DetectionSettings keyword arguments
    start_record: int = 0
    fresh: bool = True  # detections were cleared first: earlier runs no longer count
    chunk_records: int = DEFAULT_CHUNK_RECORDS
    # The project secret, only for a tagger tuned on the analyst's data in a passphrase project: it goes to
    # the child over the spawn pipe, never into the settings, a run record or a file.
    tagger_secret: bytes | None = field(default=None, repr=False)

    def roles(self) -> dict[str, ColumnRole]:
        return {column: ColumnRole.parse(role) for column, role in self.column_roles.items()}

    def run_params(self) -> dict[str, Any]:
        """What the project's run records: settings and ranges, never data values (lists are counted)."""
        settings = {key: value for key, value in self.settings.items()
                    if key not in ("allow_list", "deny_list", "custom_recognizers")}
        custom = self.settings.get("custom_recognizers") or ()
        return {
            "start_record": self.start_record, "fresh": self.fresh, "chunk_records": self.chunk_records,
            "column_roles": dict(self.column_roles), "settings": settings,
            "allow_list_terms": len(self.settings.get("allow_list", ()) or ()),
            "deny_list_terms": sum(len(terms) for terms in (self.settings.get("deny_list") or {}).values()),
            # Custom recognizers' patterns and terms may spell out values: only their names and types are kept.
            "custom_recognizers": [{"name": _field(spec, "name"), "entity_type": _field(spec, "entity_type")}
                                   for spec in custom],
        }


def _field(spec: Any, name: str) -> Any:
    return spec.get(name) if isinstance(spec, dict) else getattr(spec, name)


@dataclass
class DetectedChunk:
    """Records [first_record, stop_record) are done; `detections` are theirs, as stored (with ids)."""

    run_id: int
    first_record: int
    stop_record: int
    detections: list[Detection]


@dataclass(frozen=True)
class DetectionOutcome:
    run_id: int
    records_done: int
    detections: int
    seconds: float


# -- in process --------------------------------------------------------------------------------------


def detect_in_process(job: DetectionJob, engine: DetectionEngineLike, project: Project, dataset: Any, *,
                      progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                      ) -> Generator[DetectedChunk, None, DetectionOutcome]:
    """Run `engine` over `dataset` from job.start_record, storing each chunk in `project` as it ends."""
    started = time.monotonic()
    run_id = project.start_detection_run(job.run_params())
    records_done = stored = 0
    status = "failed"
    try:
        chunk: list[list[Span]] = []
        first = job.start_record
        for record_spans in engine.detect_records(dataset, job.roles(), start_record=job.start_record,
                                                  chunk_size=job.chunk_records, progress=progress, cancel=cancel):
            chunk.append(record_spans)
            if len(chunk) >= job.chunk_records:
                detected = _store_chunk(project, run_id, first, chunk)
                records_done += len(chunk)
                stored += len(detected.detections)
                project.update_run(run_id, results={"records_done": records_done, "detections": stored})
                yield detected
                first += len(chunk)
                chunk = []
        if chunk:
            detected = _store_chunk(project, run_id, first, chunk)
            records_done += len(chunk)
            stored += len(detected.detections)
            project.update_run(run_id, results={"records_done": records_done, "detections": stored})
            yield detected
        status = "done"
    except Cancelled:
        status = "cancelled"
        raise
    finally:
        project.update_run(run_id, status=status, results={"records_done": records_done, "detections": stored})
    return DetectionOutcome(run_id, records_done, stored, time.monotonic() - started)


def _store_chunk(project: Project, run_id: int, first: int, chunk: list[list[Span]]) -> DetectedChunk:
    spans = [span for record_spans in chunk for span in record_spans]
    project.add_detections(spans, run_id)
    records_with_spans = sorted({span.record for span in spans})
    detections = [d for record in records_with_spans for d in project.detections(record=record, run_id=run_id)]
    return DetectedChunk(run_id, first, first + len(chunk), detections)


# -- in a child process -------------------------------------------------------------------------------


class _EventToken(CancelToken):
    """A CancelToken backed by a multiprocessing Event, that also cancels when the parent is gone."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self._shared = event
        self._parent = multiprocessing.parent_process()

    @property
    def cancelled(self) -> bool:
        if self._shared.is_set():
            return True
        return self._parent is not None and not self._parent.is_alive()

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


class _PipeSender:
    """The child's end: put() sends at once (pickled), so nothing is lost when the child exits right after."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def put(self, message: Any) -> None:
        self._connection.send(message)


class _PipeReceiver:
    """The GUI side, with Queue.get's interface: raises queue.Empty on timeout, and also once the child has
    exited and everything it sent has been read."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def get(self, timeout: float) -> Any:
        try:
            if self._connection.poll(timeout):
                return self._connection.recv()
        except (EOFError, OSError):
            time.sleep(min(timeout, 0.05))  # the child closed its end; its exit code tells the rest
        raise queue_module.Empty


def _child_main(job: DetectionJob, messages: Any, cancel_event: Any) -> None:
    """The child process: load the engine, detect, send chunks; never raises (it reports)."""
    from privdesk.core.appconfig import apply_network_policy

    apply_network_policy()  # the child loads spaCy, Presidio and transformers: guard it as the GUI process is
    token = _EventToken(cancel_event)
    # `messages` is the sending end of a pipe: each put() is written before it returns (no feeder thread
    # whose buffer a quick exit could drop), and a dead GUI process makes it raise instead of hanging.
    project = None
    try:
        # Importing the engine creates millions of objects; collecting them repeatedly while importing
        # would only slow the start. They live as long as the process, so they are frozen afterwards.
        gc.disable()
        from privdesk.core.dataset import ReadOptions, read_dataset
        from privdesk.core.detect import DetectionEngine, DetectionSettings

        messages.put(("status", "Loading the detection engine\u2026"))
        engine = DetectionEngine(DetectionSettings(**_settings_arguments(job.settings)), tagger_secret=job.tagger_secret)
        engine.load()
        messages.put(("status", "Reading the dataset\u2026"))
        dataset = read_dataset(job.dataset_path, ReadOptions(**job.read_options), cancel=token)
        gc.freeze()
        gc.enable()
        project = Project.open(job.project_path)
        outcome = yield_from_child(detect_in_process(job, engine, project, dataset,
                                                     progress=lambda info: messages.put(("progress", info)),
                                                     cancel=token), messages)
        messages.put(("done", outcome))
    except Cancelled:
        messages.put(("cancelled", None))
    except PrivDeskError as error:
        messages.put(("failed", (type(error).__name__, error.message, True)))
    except BaseException as error:  # noqa: BLE001 - the parent must hear about every failure
        from privdesk.gui.tracebacks import traceback_without_values

        messages.put(("failed", (type(error).__name__, traceback_without_values(error), False)))
    finally:
        if project is not None:
            project.close()


def yield_from_child(generator: Generator[DetectedChunk, None, DetectionOutcome], messages: Any) -> DetectionOutcome:
    while True:
        try:
            chunk = next(generator)
        except StopIteration as stop:
            return stop.value
        messages.put(("chunk", chunk))


def _settings_arguments(settings: dict[str, Any]) -> dict[str, Any]:
    """DetectionSettings keyword arguments from a job's JSON-friendly settings (custom recognizers
    travel as dicts and become CustomRecognizerSpec objects here, validated)."""
    from privdesk.core.detect.settings import CustomRecognizerSpec

    arguments = dict(settings)
    if "allow_list" in arguments:
        arguments["allow_list"] = tuple(arguments["allow_list"])
    if arguments.get("entities") is not None:
        arguments["entities"] = tuple(arguments["entities"])
    if "custom_recognizers" in arguments:
        arguments["custom_recognizers"] = [
            spec if isinstance(spec, CustomRecognizerSpec) else CustomRecognizerSpec.from_dict(spec)
            for spec in arguments["custom_recognizers"] or ()
        ]
    return arguments


class DetectionProcessError(PrivDeskError):
    """The detection process stopped with an error."""


def detect_in_subprocess(job: DetectionJob, *, progress: ProgressCallback | None = None,
                         cancel: CancelToken | None = None, status: Callable[[str], None] | None = None,
                         ) -> Generator[DetectedChunk, None, DetectionOutcome]:
    """Run detection in a child process; yields its chunks as they arrive (see the module docstring)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    cancel_event = context.Event()
    process = context.Process(target=_child_main, args=(job, _PipeSender(sender), cancel_event),
                              name="privdesk-detection", daemon=True)
    process.start()
    sender.close()  # the child holds the only sending end: its exit ends the pipe
    messages = _PipeReceiver(receiver)
    log.info("detection process %s started for records from %d", process.pid, job.start_record)
    cancel_sent_at: float | None = None
    try:
        while True:
            if cancel is not None and cancel.cancelled and cancel_sent_at is None:
                cancel_event.set()
                cancel_sent_at = time.monotonic()
            try:
                kind, payload = messages.get(timeout=_POLL_S)
            except queue_module.Empty:
                if not process.is_alive():
                    # It may have put its last message just before exiting.
                    try:
                        kind, payload = messages.get(timeout=1.0)
                    except queue_module.Empty:
                        raise DetectionProcessError(
                            f"the detection process stopped unexpectedly (exit code {process.exitcode}).",
                            hint="The findings stored so far are kept. See the log, then run detection again.",
                        ) from None
                elif cancel_sent_at is not None and time.monotonic() - cancel_sent_at > _CHILD_STOP_WAIT_S:
                    process.terminate()
                    raise Cancelled()
                else:
                    continue
            if kind == "chunk":
                yield payload
            elif kind == "progress":
                if progress is not None:
                    progress(payload)
            elif kind == "status":
                if status is not None:
                    status(payload)
                elif progress is not None:
                    progress(ProgressInfo(0, None, payload))
            elif kind == "done":
                return payload
            elif kind == "cancelled":
                raise Cancelled()
            elif kind == "failed":
                name, message, user_error = payload
                if user_error:
                    raise DetectionProcessError(message)
                log.error("detection process failed (%s):\n%s", name, message)
                raise RuntimeError(f"detection process failed with {name}")
    finally:
        if process.is_alive():
            cancel_event.set()
            process.join(_CHILD_STOP_WAIT_S)
            if process.is_alive():
                process.terminate()
                process.join(2.0)
        receiver.close()
