"""A guard against a reference-counting bug of PySide6 6.12.0 on Python 3.11.

PySide6 6.12.0 releases one reference to None for every call of a method that returns nothing
(setText, start, processEvents, ...), and one to True or False for some that return a bool.
Python 3.12 made None, True and False immortal, so there the extra release is harmless; on 3.11
their counts fall with every call and the interpreter aborts ("none_dealloc") once one reaches
zero: after a few thousand calls, that is within minutes of use.

The fix is a PySide6 without the bug (6.11.3 was checked) or Python 3.12. Until then `install()`
gives the three objects a large stock of extra references (about 24 MB), enough for days of use.
It does nothing on an unaffected PySide6 or Python.
"""

from __future__ import annotations

import sys

_BALLAST: list[tuple] = []
_REFERENCES = 1_000_000  # per object: 8 MB each


def affected() -> bool:
    if sys.version_info >= (3, 12):
        return False
    from importlib import metadata

    try:
        version = metadata.version("PySide6_Essentials")
    except metadata.PackageNotFoundError:
        try:
            version = metadata.version("PySide6")
        except metadata.PackageNotFoundError:
            return False
    return version.startswith("6.12.")


def install() -> bool:
    """Hold the extra references when this PySide6 needs them; True when it did."""
    if _BALLAST or not affected():
        return bool(_BALLAST)
    import ctypes

    for constant in (None, True, False):
        stock = (constant,) * _REFERENCES
        # Never freed, not even when the interpreter shuts down: freeing it would hand back the
        # references the bug already spent, and the count would fall through zero at exit.
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(stock))
        _BALLAST.append(stock)
    return True
