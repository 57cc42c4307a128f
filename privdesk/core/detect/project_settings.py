"""The analyst's detection options, stored in the project, and custom recognizers in YAML/JSON files.

DetectionOptions holds what the analyst chooses once per project: the spaCy pipeline, the transformer
switch (and an optional model folder), the entity types to detect and the custom recognizers. They
are stored as one JSON setting, beside the allow/deny lists (privdesk.core.review.lists) and the
threshold, and `detection_fields()` turns them into DetectionSettings keyword arguments.

Custom recognizer terms, patterns and context words are analyst-provided values that may themselves
be PII: the project stores the whole options object sealed (encrypted under the project secret, as
it stores the deny list; privdesk.core.project.sealed_settings), and nothing here logs them; errors
name recognizers by name and entries by position, never by their terms.

Nothing here imports spaCy, Presidio or torch: the GUI process reads and edits these settings.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import regex as re
import yaml

from privdesk.core.atomic import atomic_write_text
from privdesk.core.detect.settings import CustomRecognizerSpec, DetectionConfigError, DetectionSettings
from privdesk.core.errors import ProjectError

DETECTION_OPTIONS_KEY = "detection.options"
DEFAULT_SPACY_MODEL = DetectionSettings.spacy_model
_ENTITY_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_OPTION_FIELDS = ("spacy_model", "use_transformer", "transformer_model", "custom_recognizers", "entities")


@dataclass
class DetectionOptions:
    """The project's detection choices (the threshold and the allow/deny lists are stored apart)."""

    spacy_model: str = DEFAULT_SPACY_MODEL
    use_transformer: bool = False
    transformer_model: str | None = None  # a local token-classification model folder; None: the MiniLM PII tagger
    custom_recognizers: list[CustomRecognizerSpec] = field(default_factory=list)
    entities: tuple[str, ...] | None = None  # None: every type

    def validate(self) -> None:
        """Raise DetectionConfigError naming the option (and the recognizer) that cannot be used."""
        if not isinstance(self.spacy_model, str) or not self.spacy_model.strip():
            raise DetectionConfigError("the spaCy pipeline name is empty.",
                                       hint=f"Choose an installed pipeline such as {DEFAULT_SPACY_MODEL}.")
        if not isinstance(self.use_transformer, bool):
            raise DetectionConfigError(f"use_transformer must be true or false (got {self.use_transformer!r}).")
        if self.transformer_model is not None and (not isinstance(self.transformer_model, str)
                                                   or not self.transformer_model.strip()):
            raise DetectionConfigError("the transformer model folder is empty.",
                                       hint="Choose a folder, or leave it unset to use the MiniLM PII tagger.")
        if self.entities is not None:
            if not self.entities:
                raise DetectionConfigError("no entity type is selected for detection.",
                                           hint="Select at least one type.")
            bad = [str(e) for e in self.entities if not isinstance(e, str) or not _ENTITY_NAME.fullmatch(e)]
            if bad:
                raise DetectionConfigError(f"entity type(s) {', '.join(map(repr, bad))} are not UPPER_CASE names.")
        for spec in self.custom_recognizers:
            spec.validate()
        names = [spec.name for spec in self.custom_recognizers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise DetectionConfigError(f"two custom recognizers are named {duplicates[0]!r}.",
                                       hint="Give each recognizer a unique name.")

    def to_json(self) -> dict[str, Any]:
        return {
            "spacy_model": self.spacy_model,
            "use_transformer": self.use_transformer,
            "transformer_model": self.transformer_model,
            "custom_recognizers": [spec.to_dict() for spec in self.custom_recognizers],
            "entities": list(self.entities) if self.entities is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> "DetectionOptions":
        """Options from their stored form; anything damaged or unknown raises DetectionConfigError."""
        if not isinstance(data, dict):
            raise DetectionConfigError(f"the stored detection options are a {type(data).__name__}, not an object.")
        unknown = sorted(set(data) - set(_OPTION_FIELDS))
        if unknown:
            raise DetectionConfigError(f"the stored detection options have unknown field(s) {', '.join(unknown)}.")
        recognizers = data.get("custom_recognizers") or []
        if not isinstance(recognizers, list) or not all(isinstance(item, dict) for item in recognizers):
            raise DetectionConfigError("the stored custom recognizers are not a list of objects.")
        entities = data.get("entities")
        if entities is not None and not isinstance(entities, list):
            raise DetectionConfigError("the stored entity types are not a list.")
        options = cls(
            spacy_model=data.get("spacy_model", DEFAULT_SPACY_MODEL),
            use_transformer=data.get("use_transformer", False),
            transformer_model=data.get("transformer_model"),
            custom_recognizers=[CustomRecognizerSpec.from_dict(item) for item in recognizers],
            entities=tuple(entities) if entities is not None else None,
        )
        options.validate()
        return options

    def detection_fields(self) -> dict[str, Any]:
        """DetectionSettings keyword arguments, JSON-friendly (recognizers as dicts) so a DetectionJob
        can carry them to the detection process."""
        fields: dict[str, Any] = {
            "spacy_model": self.spacy_model,
            "use_transformer": self.use_transformer,
            "transformer_model": self.transformer_model,
            "custom_recognizers": [spec.to_dict() for spec in self.custom_recognizers],
        }
        if self.entities is not None:
            fields["entities"] = list(self.entities)
        return fields


def read_detection_options(project) -> DetectionOptions:
    """The project's options, or the defaults when none were saved."""
    try:
        stored = project.get_sealed_setting(DETECTION_OPTIONS_KEY)
    except ValueError:  # json.JSONDecodeError: the stored text is not JSON at all
        raise DetectionConfigError("the project's detection settings are damaged (not valid JSON).",
                                   path=project.path, hint="Open Detection settings and save them again.") from None
    except ProjectError as error:  # sealed, and the key file or passphrase at hand does not open them
        raise DetectionConfigError(f"the project's detection settings cannot be read: {error.problem}",
                                   path=project.path, hint=error.hint) from None
    if stored is None:
        return DetectionOptions()
    try:
        return DetectionOptions.from_json(stored)
    except DetectionConfigError as error:
        raise DetectionConfigError(f"the project's detection settings cannot be used: {error.problem}",
                                   path=project.path,
                                   hint=error.hint or "Open Detection settings and save them again.") from None


def write_detection_options(project, options: DetectionOptions) -> None:
    options.validate()
    project.set_sealed_setting(DETECTION_OPTIONS_KEY, options.to_json())


# -- custom recognizer files --------------------------------------------------------------------------


def load_recognizers_file(path: str | Path) -> list[CustomRecognizerSpec]:
    """Custom recognizers from a YAML or JSON file: a list of objects (or {"recognizers": [...]}) with
    name, entity_type, patterns, terms, context, score, validator. Errors name the file and the entry."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DetectionConfigError("the recognizers file does not exist.", path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DetectionConfigError(f"the recognizers file cannot be read ({type(error).__name__}).", path=path,
                                   hint="Save it as UTF-8 text.") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise DetectionConfigError(f"not valid JSON (line {error.lineno}, column {error.colno}).", path=path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise DetectionConfigError(f"not valid YAML{where}.", path=path) from None
    if isinstance(data, dict) and set(data) == {"recognizers"}:
        data = data["recognizers"]
    if not isinstance(data, list):
        raise DetectionConfigError("expected a list of recognizers (each with name, entity_type, patterns or "
                                   "terms).", path=path)
    specs: list[CustomRecognizerSpec] = []
    for number, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise DetectionConfigError(f"entry {number} is not an object with name, entity_type, ....", path=path)
        try:
            if not isinstance(entry.get("patterns", []), list) or not isinstance(entry.get("terms", []), list) \
                    or not isinstance(entry.get("context", []), list):
                raise DetectionConfigError("patterns, terms and context must be lists.")
            specs.append(CustomRecognizerSpec.from_dict(entry))
        except (DetectionConfigError, TypeError, ValueError) as error:
            problem = error.problem if isinstance(error, DetectionConfigError) else "a value has the wrong type"
            name = entry.get("name")
            label = f"entry {number}" + (f" ({name!r})" if isinstance(name, str) and name else "")
            raise DetectionConfigError(f"{label}: {problem}", path=path,
                                       hint=getattr(error, "hint", None)) from None
    names = [spec.name for spec in specs]
    for name in names:
        if names.count(name) > 1:
            raise DetectionConfigError(f"two entries are named {name!r}.", path=path,
                                       hint="Give each recognizer a unique name.")
    return specs


def save_recognizers_file(path: str | Path, specs: Sequence[CustomRecognizerSpec]) -> None:
    """Write recognizers as JSON (.json) or YAML (anything else), atomically; load_recognizers_file reads it."""
    path = Path(path)
    data = [spec.to_dict() for spec in specs]
    if path.suffix.lower() == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    atomic_write_text(path, text)


# -- spaCy pipelines ------------------------------------------------------------------------------------


def installed_spacy_pipelines() -> list[str]:
    """Names of the installed spaCy pipeline packages, the default first, without importing spaCy.

    spaCy's own list (spacy.util.get_installed_models) is its registry of "spacy_models" entry points;
    reading those entry points directly gives the same names without the seconds-long spaCy import.
    """
    names = {entry.name for entry in importlib.metadata.entry_points(group="spacy_models")}
    names.discard(DEFAULT_SPACY_MODEL)
    return [DEFAULT_SPACY_MODEL, *sorted(names)]
