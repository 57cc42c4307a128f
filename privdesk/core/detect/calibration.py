"""Score calibration: make scores from different recognizers comparable, so one threshold (0.4) works.

Our own recognizers already score on one scale (0.5 plausible, 0.7 likely, 0.85+ near certain).
Presidio's predefined recognizers use their own habits (0.5 for any e-mail-shaped string, 0.05 for
a nine-digit number, 1.0 after a checksum); this table maps them onto ours. Keys are (recognizer
name, pattern name); a missing pattern name falls back to the recognizer's entry.
"""

from __future__ import annotations

from presidio_analyzer import RecognizerResult

# (recognizer, pattern) -> (score without context, score with supporting context)
_TABLE: dict[tuple[str, str | None], tuple[float, float]] = {
    ("BoundedUrlRecognizer", "Standard Url"): (0.85, 0.95),
    ("BoundedUrlRecognizer", "Non schema URL"): (0.5, 0.8),
    ("IpRecognizer", "IPv4"): (0.75, 0.95),
    ("IpRecognizer", "IPv6"): (0.75, 0.95),
    ("IpRecognizer", "IPv4_mapped"): (0.75, 0.95),
    ("IpRecognizer", "IPv4_embedded"): (0.75, 0.95),
    ("IpRecognizer", "IPv6_unspecified"): (0.1, 0.4),
    ("UsSsnRecognizer", "SSN5 (medium)"): (0.6, 0.9),
    ("UsSsnRecognizer", "SSN3 (very weak)"): (0.3, 0.85),
    ("UsSsnRecognizer", "SSN4 (very weak)"): (0.05, 0.6),
    ("UsSsnRecognizer", "SSN1 (very weak)"): (0.05, 0.5),
    ("UsSsnRecognizer", "SSN2 (very weak)"): (0.05, 0.5),
}


def calibrated_score(result: RecognizerResult, text: str) -> float:
    metadata = result.recognition_metadata or {}
    recognizer = metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY, "")
    pattern = result.analysis_explanation.pattern_name if result.analysis_explanation is not None else None
    entry = _TABLE.get((recognizer, pattern)) or _TABLE.get((recognizer, None))
    if entry is None:
        return result.score
    if result.score >= 1.0:  # a checksum or validator already vouched for it
        return 1.0
    score = entry[1] if metadata.get("context_used") else entry[0]
    if pattern == "Non schema URL" and _looks_like_file_name(text[result.start:result.end]):
        score = min(score, 0.2)
    return score


# Country-code domains that are also common file extensions or words joined by a dot.
_FILE_LIKE_ENDINGS = frozenset("md py js sh pl rs cs ps ai so pm am sc rb mk ts cc in it do is me to at by as no be "
                               "us sa la li ms mo re se ch id na nu my".split())


def _looks_like_file_name(token: str) -> bool:
    """"notes.md", "setup.py", "e.g.no": a bare name without "www." or a path, ending in a file-like suffix."""
    lowered = token.lower()
    if lowered.startswith("www.") or "/" in lowered:
        return False
    if token.isupper():
        return True  # "CO.LTD", "U.S.A": abbreviations in capitals, not web addresses
    return lowered.rsplit(".", 1)[-1] in _FILE_LIKE_ENDINGS
