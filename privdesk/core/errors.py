"""Errors the user sees. Each names the file and the problem and, where it can, what to do."""

from __future__ import annotations

import json
from pathlib import Path


class PrivDeskError(Exception):
    """An error with a message meant for the analyst, not a traceback."""

    def __init__(self, problem: str, *, path: str | Path | None = None, hint: str | None = None):
        self.problem = problem
        self.path = Path(path) if path is not None else None
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.path}: {self.problem}" if self.path is not None else self.problem
        if self.hint:
            text += f" {self.hint}"
        return text


class DatasetError(PrivDeskError):
    """A dataset could not be read or written."""


class ProjectError(PrivDeskError):
    """A project file could not be opened, migrated or written."""


def describe_json_error(error: BaseException) -> str:
    """What is wrong with a JSON line, without quoting its content (which may be a personal value)."""
    if isinstance(error, json.JSONDecodeError):
        return f"invalid JSON at column {error.colno}: {error.msg}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, KeyError):
        return f"the field {error.args[0]!r} is missing" if isinstance(error.args[0], str) and len(error.args[0]) < 40 \
            else "a field is missing"
    if isinstance(error, TypeError) and str(error).startswith("the record number"):
        return str(error)
    return "a field has the wrong type or value"
