"""An optional second NER: a local Hugging Face token-classification model (e.g. a fine-tuned BERT).

Switched on with DetectionSettings(use_transformer=True, transformer_model="/path/to/model").
The model is read from that folder only (no hub downloads); its labels are mapped to PrivDesk
entity types with Presidio's standard mapping (PER -> PERSON, LOC/GPE -> LOCATION, ...). Its spans
compete with spaCy's at the same (NER) level in resolve.py.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine.ner_model_configuration import MODEL_TO_PRESIDIO_ENTITY_MAPPING

from privdesk.core.detect.resolve import Candidate
from privdesk.core.detect.settings import DetectionConfigError

log = logging.getLogger(__name__)

_EXTRA_LABELS = {"GPE": "LOCATION", "FAC": "LOCATION", "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME",
                 "ORGANIZATION": "ORGANIZATION", "MISC": "", "O": ""}


class TransformerNerRecognizer(EntityRecognizer):
    def __init__(self, model_dir: str, supported_entities: Sequence[str], batch_size: int = 16):
        # Set before EntityRecognizer.__init__, which calls load().
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._pipeline = None
        super().__init__(supported_entities=list(supported_entities), name="TransformerNerRecognizer",
                         supported_language="en")

    def load(self) -> None:
        if self._pipeline is not None:
            return
        if not Path(self.model_dir).is_dir():
            raise DetectionConfigError(f"the transformer model folder {self.model_dir!r} does not exist.",
                                       path=self.model_dir, hint="Choose a folder with config.json and the weights.")
        try:
            from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

            tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
            model = AutoModelForTokenClassification.from_pretrained(self.model_dir, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise DetectionConfigError(f"the transformer model could not be loaded ({exc}).", path=self.model_dir,
                                       hint="It must be a Hugging Face token-classification model folder.") from None
        self._pipeline = pipeline("token-classification", model=model, tokenizer=tokenizer,
                                  aggregation_strategy="simple", device=-1)
        log.info("transformer NER loaded with %d labels", len(model.config.id2label))

    @staticmethod
    def entity_type(label: str) -> str:
        label = label.split("-", 1)[-1] if label[:2] in ("B-", "I-", "E-", "S-") else label
        if label in _EXTRA_LABELS:
            return _EXTRA_LABELS[label]
        return MODEL_TO_PRESIDIO_ENTITY_MAPPING.get(label, label)

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        return [RecognizerResult(c.entity_type, c.start, c.end, c.score) for c in self.analyze_batch([text])[0]
                if not entities or c.entity_type in entities]

    def analyze_batch(self, texts: Sequence[str]) -> list[list[Candidate]]:
        self.load()
        if not texts:
            return []
        outputs = self._pipeline(list(texts), batch_size=self.batch_size)
        if texts and outputs and isinstance(outputs[0], dict):
            outputs = [outputs]  # one text gives a flat list
        results = []
        for text, found in zip(texts, outputs):
            spans = []
            for item in found:
                entity_type = self.entity_type(str(item.get("entity_group") or item.get("entity") or ""))
                start, end = int(item["start"]), int(item["end"])
                while start < end and text[start].isspace():
                    start += 1
                if entity_type in self.supported_entities and end > start:
                    spans.append(Candidate(start, end, entity_type, float(item["score"]) * 0.9, self.name))
            results.append(spans)
        return results
