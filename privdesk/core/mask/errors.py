"""Errors of the masking stage that the analyst can cause and fix."""

from __future__ import annotations

from pathlib import Path

from privdesk.core.errors import PrivDeskError


class PolicyError(PrivDeskError):
    """A masking policy is not valid: the message names the field and, for a file, the line."""

    def __init__(self, problem: str, *, path: str | Path | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None):
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field '{field}'")
        located = f"{', '.join(where)}: {problem}" if where else problem
        super().__init__(located, path=path, hint=hint)


class VaultError(PrivDeskError):
    """A re-identification vault cannot be opened: wrong passphrase, modified or damaged file, wrong project."""


class MaskingError(PrivDeskError):
    """Masking or exporting a dataset failed because of its input (detections that do not fit the data, ...)."""
