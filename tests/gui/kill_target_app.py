"""Run by test_kill_recovery.py: open a project in the real window, decide by keyboard, then wait to be killed.

Usage: python kill_target_app.py PROJECT DECISIONS. Prints "DECIDED <n>" once n decisions were made
through the GUI (keys A and R alternately on the Review tab), then keeps the event loop running.
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from privdesk.gui.app import create_application  # noqa: E402
from privdesk.gui.main_window import MainWindow  # noqa: E402
from privdesk.gui.workers import SynchronousThreadPool  # noqa: E402


def main() -> int:
    project_path, count = sys.argv[1], int(sys.argv[2])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="privdesk-kill-"))
    app = create_application()
    window = MainWindow(thread_pool=SynchronousThreadPool())
    window.resize(1200, 800)
    window.show()
    window.open_path(project_path)
    window.tabs.setCurrentWidget(window.review_tab)
    tab = window.review_tab
    tab.record_panel.set_sort_order("record")
    tab.select_record(0)
    app.processEvents()

    def decide() -> None:
        view = tab.text_view
        for number in range(count):
            view.setFocus()
            QTest.keyClick(view, Qt.Key.Key_A if number % 2 == 0 else Qt.Key.Key_R)
            app.processEvents()
            if tab.selected_finding() is None or all(f.status != "pending" for f in tab.findings()):
                QTest.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
                app.processEvents()
        print(f"DECIDED {len(window.project.decisions())}", flush=True)

    QTimer.singleShot(0, decide)
    return app.exec()  # runs until the test kills the process


if __name__ == "__main__":
    sys.exit(main())
