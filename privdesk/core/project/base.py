"""What every part of the Project class shares: the file's path, its connections, the project id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from privdesk.core.project.connections import ThreadConnections


class ProjectBase:
    """State shared by the Project mixins; Project.create and Project.open fill it in."""

    path: Path
    project_id: str
    _connections: ThreadConnections
    _secret: bytes | None


def json_dump(value: Any, what: str) -> str:
    """JSON text for a value stored in the file; a value JSON cannot hold is the caller's mistake (ValueError)."""
    try:
        return json.dumps(value, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be JSON-serialisable: {error}") from error


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")
