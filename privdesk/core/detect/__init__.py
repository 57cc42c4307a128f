"""PII detection: Presidio + spaCy + PrivDesk's own recognizers, batched and offline.

    engine = DetectionEngine(DetectionSettings(threshold=0.4, jobs=2))
    spans = engine.analyze_text("Call Dr. Jane Doe on +44 20 7946 0958")
    for record_spans in engine.detect_records(rows, column_roles): ...
"""

from privdesk.core.detect.engine import DetectionEngine
from privdesk.core.detect.settings import CustomRecognizerSpec, DetectionConfigError, DetectionSettings
from privdesk.core.detect.spans import DetectedSpan

__all__ = ["CustomRecognizerSpec", "DetectedSpan", "DetectionConfigError", "DetectionEngine", "DetectionSettings"]
