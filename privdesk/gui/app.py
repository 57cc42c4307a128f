"""`privdesk [FILE_OR_PROJECT]`: open the PrivDesk window, and open a dataset or a .privdesk project if given."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

from privdesk import __version__

log = logging.getLogger("privdesk.gui")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="privdesk", description="PrivDesk: detect, review and mask PII, offline.")
    parser.add_argument("file", nargs="?", type=Path,
                        help="a .privdesk project, or a dataset to open (CSV, TSV, JSON, JSONL, Parquet, text); "
                             "with --self-test, the sample to test with (its .gold.jsonl file beside it)")
    parser.add_argument("--platform", metavar="NAME",
                        help="Qt platform plugin to use, e.g. offscreen or xcb (default: Qt's choice)")
    parser.add_argument("--debug", action="store_true", help="debug logging (never data values)")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation: open the bundled sample offscreen, detect, mask, export "
                             "to a temporary folder and check that no PII is left; exit 0 when all is well")
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    return parser.parse_args(argv)


def configure_logging(debug: bool) -> Path | None:
    """Log to stderr and to privdesk.log in the user's data folder; return the log file's path."""
    from PySide6.QtCore import QStandardPaths

    from privdesk.gui import error_reporting

    level = logging.DEBUG if debug else logging.INFO
    root = logging.getLogger()
    root.setLevel(level)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler()
    console.setLevel(level if debug else logging.WARNING)
    console.setFormatter(formatter)
    root.addHandler(console)
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    if not folder:
        return None
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        log_path = Path(folder) / "privdesk.log"
        file_handler = logging.handlers.RotatingFileHandler(log_path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError as error:
        log.warning("cannot write the log file in %s: %s", folder, type(error).__name__)
        return None
    file_handler.setFormatter(formatter)
    file_handler.setLevel(level)
    root.addHandler(file_handler)
    error_reporting.log_file_path = log_path
    return log_path


def create_application(platform: str | None = None):
    """The QApplication, named and with its icon. The platform plugin is only set when asked for.

    High-DPI: Qt 6 scales by the screen's factor; fractional factors (125 %, 150 %) are passed
    through rather than rounded, so text is neither blurry nor too small. The Fusion style follows
    the system's light or dark scheme through Qt's palette on every platform.
    """
    if platform:
        os.environ["QT_QPA_PLATFORM"] = platform
    from privdesk.gui import refcount_guard

    refcount_guard.install()
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from privdesk.gui.icons import app_icon
    from privdesk.gui.settings import APPLICATION, ORGANIZATION

    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    created = QApplication.instance() is None
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "privdesk"])
    if created:
        app.setStyle("Fusion")
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("PrivDesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("privdesk")
    app.setWindowIcon(app_icon())
    return app


def create_window(file: Path | None):
    """The main window, shown; opening FILE (a dataset or a project) starts once the event loop runs,
    so the window appears first."""
    from PySide6.QtCore import QTimer

    from privdesk.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if file is not None:
        QTimer.singleShot(0, lambda: window.open_path(file))
    return window


def freeze_startup_objects() -> None:
    """Exempt everything alive after start-up (modules, classes, Qt wrappers) from garbage collection.

    A full collection walks every tracked object while holding the interpreter lock; with Qt,
    pyarrow and numpy loaded that is long enough to freeze the window for a moment. Objects made
    at start-up live as long as the program, so collecting them again and again buys nothing.
    """
    import gc

    gc.collect()
    gc.freeze()


def freeze_long_lived_objects() -> None:
    """Exempt what is alive now from later collections, without collecting first (no pause).

    Called when a dataset and its review state are loaded: they live until the next one, and a
    full collection walking them would pause the window while detection streams in.
    """
    import gc

    gc.freeze()


def close_on_interrupt(window) -> None:
    """Ctrl+C in the terminal closes the window the normal way (settings saved, loads cancelled)."""
    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    # Python runs signal handlers only when it gets control; an idle timer gives it that while Qt's loop runs.
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # detection runs in a spawned process; a frozen build needs this
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from privdesk.core.appconfig import apply_network_policy

    apply_network_policy()  # refuse outbound connections unless Preferences allow them
    if args.self_test:
        from privdesk.gui.selftest import run_self_test

        logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)  # stderr; no log file
        return run_self_test(args.file, platform=args.platform or "offscreen")
    app = create_application(args.platform)
    log_path = configure_logging(args.debug)
    log.info("PrivDesk %s starting; log file %s", __version__, log_path)
    window = create_window(args.file)
    freeze_startup_objects()
    close_on_interrupt(window)
    status = app.exec()
    del window
    return status


if __name__ == "__main__":
    sys.exit(main())
