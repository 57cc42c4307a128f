"""privdesk.core never imports Qt: it must run headless, in the CLI and in worker processes."""

import subprocess
import sys
import textwrap


def test_core_imports_no_qt():
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import privdesk.core
        for module in pkgutil.walk_packages(privdesk.core.__path__, "privdesk.core."):
            importlib.import_module(module.name)
        import privdesk.cli
        qt = sorted(name for name in sys.modules if name.startswith(("PySide6", "PyQt", "shiboken")))
        print(",".join(qt))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt modules loaded by privdesk.core: {result.stdout.strip()}"
