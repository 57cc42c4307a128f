"""PII detection: Presidio + spaCy + PrivDesk's own recognizers, batched and offline.

    engine = DetectionEngine(DetectionSettings(threshold=0.4, jobs=2))
    spans = engine.analyze_text("Call Dr. Jane Doe on +44 20 7946 0958")
    for record_spans in engine.detect_records(rows, column_roles): ...

The engine is imported on first use: importing it loads Presidio, spaCy and torch (seconds, holding
the interpreter lock), which the GUI process must not do just to read or edit the detection settings.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from privdesk.core.detect.project_settings import (
    DetectionOptions,
    installed_spacy_pipelines,
    load_recognizers_file,
    read_detection_options,
    save_recognizers_file,
    write_detection_options,
)
from privdesk.core.detect.settings import CustomRecognizerSpec, DetectionConfigError, DetectionSettings
from privdesk.core.detect.spans import DetectedSpan

if TYPE_CHECKING:
    from privdesk.core.detect.engine import DetectionEngine

_LAZY_EXPORTS = {"DetectionEngine": "privdesk.core.detect.engine"}

__all__ = [
    "CustomRecognizerSpec",
    "DetectedSpan",
    "DetectionConfigError",
    "DetectionEngine",
    "DetectionOptions",
    "DetectionSettings",
    "installed_spacy_pipelines",
    "load_recognizers_file",
    "read_detection_options",
    "save_recognizers_file",
    "write_detection_options",
]


def __getattr__(name: str) -> Any:
    module = _LAZY_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
