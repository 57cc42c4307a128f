"""The PySide6 6.12.0 / Python 3.11 refcount guard keeps a busy application alive through exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_many_calls_of_void_methods_do_not_abort_the_interpreter():
    script = textwrap.dedent("""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from privdesk.gui.app import create_application
        from PySide6.QtWidgets import QLabel
        app = create_application()
        label = QLabel()
        for number in range(30000):
            label.setText(str(number))  # returns nothing: the call the bug miscounts
            app.processEvents()
        print("done")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "done"
