"""TransformerRecognizer: the fine-tuned PII tagger as a Presidio recognizer.

Cheap to construct: it reads only the tagger's small JSON description (to know its entity types);
the network is loaded on first use, once, under a lock. Inference is serialised by the tagger, so
one instance can be shared by threads. Use `analyze_batch` for many texts: the tagger batches them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

from privdesk.core.ner.model import PiiTagger, PredictedSpan, default_model_dir, tagger_spec

RECOGNIZER_NAME = "TransformerRecognizer"


class TransformerRecognizer(LocalRecognizer):
    """Presidio recognizer over PiiTagger; `supported_entities` defaults to what the tagger was trained on.

    `model_path` may be a sealed tagger folder (tuned on the analyst's data); `secret` is then the
    project secret, or None to read it from the project beside the folder (see PiiTagger.load).
    """

    def __init__(self, model_path: str | Path | None = None, *, supported_entities: Sequence[str] | None = None,
                 batch_size: int = 32, bfloat16: bool | None = None, tagger: PiiTagger | None = None,
                 name: str = RECOGNIZER_NAME, secret: bytes | None = None):
        self.model_path = Path(model_path) if model_path is not None else default_model_dir()
        self._secret = secret
        known = tagger.supported_entities if tagger is not None else tagger_spec(self.model_path).supported_entities
        wanted = list(supported_entities) if supported_entities is not None else list(known)
        self.batch_size = batch_size
        self.bfloat16 = bfloat16
        self._tagger = tagger
        self._load_lock = threading.Lock()
        super().__init__(supported_entities=[e for e in wanted if e in known], name=name, supported_language="en")

    def load(self) -> None:
        """Nothing here: Presidio calls this from __init__, and the network is loaded lazily by `tagger`."""

    @property
    def tagger(self) -> PiiTagger:
        if self._tagger is None:
            with self._load_lock:
                if self._tagger is None:
                    self._tagger = PiiTagger.load(self.model_path, bfloat16=self.bfloat16, secret=self._secret)
        return self._tagger

    def analyze(self, text: str, entities: list[str] | None = None, nlp_artifacts=None) -> list[RecognizerResult]:
        return self.analyze_batch([text], entities)[0]

    def analyze_batch(self, texts: Sequence[str], entities: Sequence[str] | None = None) -> list[list[RecognizerResult]]:
        wanted = set(entities) & set(self.supported_entities) if entities else set(self.supported_entities)
        if not wanted:
            return [[] for _ in texts]
        predictions = self.tagger.predict(list(texts), batch_size=self.batch_size)
        return [[self._result(span) for span in spans if span[2] in wanted] for spans in predictions]

    def _result(self, span: PredictedSpan) -> RecognizerResult:
        start, end, entity, score = span
        explanation = AnalysisExplanation(
            recognizer=self.name, original_score=score, pattern_name="pii-minilm",
            textual_explanation=f"Detected by `{self.name}` (fine-tuned MiniLM tagger)",
        )
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            # The tagger already reads the words around an entity; Presidio must not boost it again.
            RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
        }
        return RecognizerResult(entity, start, end, score, explanation, metadata)

    def __repr__(self) -> str:  # never the secret
        return f"TransformerRecognizer(model_path={str(self.model_path)!r}, entities={self.supported_entities!r})"

    def __getstate__(self) -> dict:
        # Worker processes get the description (and the secret, through the pipe, never a file), not the
        # network or the lock; they load lazily themselves.
        state = self.__dict__.copy()
        state["_tagger"] = None
        state["_load_lock"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._load_lock = threading.Lock()
