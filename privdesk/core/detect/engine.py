"""The detection engine: Presidio recognizers, spaCy NER and our own recognizers over many texts, fast.

How a batch of texts is analysed:
  1. the plain-text recognizers (patterns, phonenumbers, checksums; see pipeline.py) start on the
     batch, in `jobs - 1` worker processes when jobs > 1, otherwise inline;
  2. meanwhile spaCy runs NER over the batch with `nlp.pipe` (one call, NER components only) and
     the spaCy recognizer reads its entities from the precomputed NlpArtifacts;
  3. per text, candidates from both are resolved into final spans (resolve.py).
Presidio's AnalyzerEngine would rebuild recognizer lists, deep-copy results and run every
country-specific recognizer for each text; calling the recognizers directly avoids that.

Nothing here logs text or values: only counts, indices, types and offsets.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from presidio_analyzer import RecognizerRegistry

from privdesk.core.detect.context import context_words
from privdesk.core.detect.identifiers import PLACEHOLDERS, identifier_score
from privdesk.core.detect.lists import is_never_entity, normalise_term
from privdesk.core.detect.offline import ensure_offline
from privdesk.core.detect.pipeline import TextPipeline
from privdesk.core.detect.recognizers.spacy_ner import SpacyNerRecognizer
from privdesk.core.detect.resolve import Candidate, resolve
from privdesk.core.detect.settings import DetectionSettings
from privdesk.core.detect.spans import DetectedSpan
from privdesk.core.ner.model import is_privdesk_tagger
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.types import ColumnRole, Span

log = logging.getLogger(__name__)

# Texts longer than this are analysed in pieces (spaCy's memory grows with document length).
LONG_TEXT_CHARS = 50_000
_PIECE_OVERLAP = 200


class DetectionEngine:
    """Finds PII in texts and records. Loading (spaCy, workers) happens on first use."""

    def __init__(self, settings: DetectionSettings | None = None, *, tagger_secret: bytes | None = None):
        self.settings = settings if settings is not None else DetectionSettings()
        # The project secret, for a tagger tuned on the analyst's data (sealed); kept out of the settings,
        # which runs record. None: the tagger reads it from the project beside its folder (key-file projects).
        self._tagger_secret = tagger_secret
        self.settings.validate()
        self._allow = frozenset(normalise_term(term) for term in self.settings.allow_list if term.strip())
        self._extra_types = {spec.entity_type for spec in self.settings.custom_recognizers} | set(self.settings.deny_list)
        self._custom_validators = {spec.entity_type: spec.validator
                                   for spec in self.settings.custom_recognizers if spec.validator}
        self._load_lock = threading.Lock()
        self._loaded = False
        self._nlp_engine = None
        self._spacy_recognizer: SpacyNerRecognizer | None = None
        self._transformer = None
        self._gap_tagger = None
        self._text_pipeline: TextPipeline | None = None
        self._pool = None
        self._finalizer: weakref.finalize | None = None

    # -- loading ---------------------------------------------------------------------------------
    @property
    def uses_ner(self) -> bool:
        return any(self.settings.wants(e) for e in SpacyNerRecognizer.ENTITIES)

    def load(self) -> None:
        """Load spaCy, the recognizers and (jobs > 1) the worker processes. Called on first use."""
        with self._load_lock:
            if self._loaded:
                return
            ensure_offline()
            self._text_pipeline = TextPipeline(self.settings)
            if self.uses_ner:
                from privdesk.core.detect.nlp import PrivDeskSpacyNlpEngine

                self._nlp_engine = PrivDeskSpacyNlpEngine(self.settings.spacy_model, self.settings.language)
                self._nlp_engine.load()
                wanted = [e for e in SpacyNerRecognizer.ENTITIES if self.settings.wants(e)]
                self._spacy_recognizer = SpacyNerRecognizer(supported_entities=wanted)
                if self.settings.use_transformer and self.settings.transformer_model \
                        and not is_privdesk_tagger(self.settings.transformer_model):
                    from privdesk.core.detect.recognizers.transformer_ner import TransformerNerRecognizer

                    self._transformer = TransformerNerRecognizer(self.settings.transformer_model, wanted)
                    self._transformer.load()
            folder = self.settings.transformer_model
            if self.settings.use_transformer and (not folder or is_privdesk_tagger(folder)):
                from privdesk.core.ner.model import PiiTagger

                self._gap_tagger = PiiTagger.load(Path(folder) if folder else None, secret=self._tagger_secret)
            if self.settings.jobs > 1:
                from privdesk.core.detect.workers import TextWorkerPool

                self._pool = TextWorkerPool(self.settings, self.settings.jobs - 1)
                self._finalizer = weakref.finalize(self, self._pool.close)
            self._loaded = True
            log.info("detection engine ready: %d text recognizers, NER %s, %d worker(s)",
                     len(self._text_pipeline.recognizers), "on" if self.uses_ner else "off",
                     self.settings.jobs - 1)

    def close(self) -> None:
        """Stop the worker processes (if any). The engine loads them again if used afterwards."""
        with self._load_lock:
            if self._finalizer is not None:
                self._finalizer()
                self._finalizer = None
            self._pool = None
            self._loaded = False

    def __enter__(self) -> "DetectionEngine":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def registry(self) -> RecognizerRegistry:
        """All recognizers in one Presidio RecognizerRegistry, e.g. for an AnalyzerEngine in a notebook."""
        self.load()
        registry = RecognizerRegistry(supported_languages=[self.settings.language])
        for recognizer in self._text_pipeline.recognizers:
            registry.add_recognizer(recognizer)
        if self._spacy_recognizer is not None:
            registry.add_recognizer(self._spacy_recognizer)
        return registry

    # -- texts -----------------------------------------------------------------------------------
    def analyze_text(self, text: str, *, context: Sequence[str] = ()) -> list[DetectedSpan]:
        """PII spans in one text. `context`: extra words that support detections (e.g. a column name)."""
        return self._analyze_batch([text], [context_words(context)])[0]

    def analyze_texts(self, texts: Sequence[str], *, progress: ProgressCallback | None = None,
                      cancel: CancelToken | None = None) -> list[list[DetectedSpan]]:
        """Spans for each text, in order. Checks `cancel` between batches (raises Cancelled)."""
        tracker = ProgressTracker(progress, len(texts))
        results: list[list[DetectedSpan]] = []
        batch_size = self.settings.batch_size
        for offset in range(0, len(texts), batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled()
            batch = [t if isinstance(t, str) else _cell_text(t) for t in texts[offset:offset + batch_size]]
            results.extend(self._analyze_batch(batch, [[] for _ in batch]))
            tracker.advance(len(batch), "detecting")
        if cancel is not None:
            cancel.raise_if_cancelled()
        return results

    def _analyze_batch(self, texts: Sequence[str], contexts: Sequence[Sequence[str]]) -> list[list[DetectedSpan]]:
        self.load()
        pieces = _split_long_texts(texts)
        piece_texts = [text for _, _, text in pieces]
        piece_contexts = [contexts[index] for index, _, _ in pieces]

        futures = self._pool.submit(piece_texts, piece_contexts) if self._pool is not None else None
        ner = self._run_ner(piece_texts)
        if futures is not None:
            patterns = self._pool.collect(futures, len(piece_texts))
        else:
            patterns = self._text_pipeline.analyze_many(piece_texts, piece_contexts)

        gaps = self._gap_tagger.predict(piece_texts) if self._gap_tagger is not None else [[] for _ in piece_texts]
        per_text: list[list[Candidate]] = [[] for _ in texts]
        for (index, offset, _), found_ner, found_patterns, tagged in zip(pieces, ner, patterns, gaps):
            found = [*found_ner, *found_patterns]
            found += _gap_fillers(tagged, found)
            for cand in found:
                per_text[index].append(cand._replace(start=cand.start + offset, end=cand.end + offset))
        return [self._finish(text, candidates) for text, candidates in zip(texts, per_text)]

    def _run_ner(self, texts: Sequence[str]) -> list[list[Candidate]]:
        results: list[list[Candidate]] = [[] for _ in texts]
        if self._nlp_engine is None:
            return results
        wanted = self._spacy_recognizer.supported_entities
        todo = [i for i, text in enumerate(texts) if text and not text.isspace()]
        docs = self._nlp_engine.pipe((texts[i] for i in todo), self.settings.language, self.settings.batch_size)
        for index, doc in zip(todo, docs):
            artifacts = self._nlp_engine.artifacts(doc, self.settings.language)
            results[index] = [
                Candidate(r.start, r.end, r.entity_type, r.score, self._spacy_recognizer.name)
                for r in self._spacy_recognizer.analyze(texts[index], wanted, artifacts)
            ]
        if self._transformer is not None:
            for index, found in zip(todo, self._transformer.analyze_batch([texts[i] for i in todo])):
                results[index].extend(found)
        return results

    def _finish(self, text: str, candidates: list[Candidate]) -> list[DetectedSpan]:
        wanted = [c for c in candidates if self.settings.wants(c.entity_type) or c.entity_type in self._extra_types]
        final = resolve(text, wanted, threshold=self.settings.threshold, allow_list=self._allow)
        return [DetectedSpan(c.start, c.end, c.entity_type, round(c.score, 4), c.recognizer) for c in final]

    # -- structured values -----------------------------------------------------------------------
    def analyze_identifier(self, value: Any, entity_type: str, column: str) -> list[DetectedSpan]:
        """A whole identifier cell as one span of `entity_type` (nothing for empty or placeholder cells)."""
        text = value if isinstance(value, str) else _cell_text(value)
        stripped = text.strip()
        if stripped.lower() in PLACEHOLDERS:
            return []
        if not (self.settings.wants(entity_type) or entity_type in self._extra_types):
            return []
        if self._allow and normalise_term(stripped) in self._allow:
            return []
        if entity_type in ("PERSON", "ORGANIZATION", "LOCATION") and is_never_entity(stripped):
            return []  # a role word such as "Customer" or "Agent" in a speaker column names no one
        start = text.index(stripped)
        score = identifier_score(stripped, entity_type, self._custom_validators)
        return [DetectedSpan(start, start + len(stripped), entity_type, score, f"column:{column}")]

    # -- records ---------------------------------------------------------------------------------
    def detect_records(self, rows: Any, column_roles: dict[str, ColumnRole], *, start_record: int = 0,
                       chunk_size: int = 1000, progress: ProgressCallback | None = None,
                       cancel: CancelToken | None = None) -> Iterator[list[Span]]:
        """Yield one list of Spans per record, in input order, analysing `chunk_size` records at a time.

        `rows` is an iterable of dicts (column -> value) or a Dataset (anything with `num_rows` and
        `column_values(column, start, stop)`). With a Dataset, reading starts at `start_record`;
        an iterable is taken to begin at record `start_record`. Only one chunk is held in memory.
        Text columns are analysed (the column name is context), identifier columns are flagged whole,
        ignored columns are skipped.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        text_columns = [c for c, role in column_roles.items() if role.kind == "text"]
        id_columns = [(c, role.entity_type) for c, role in column_roles.items() if role.kind == "identifier"]
        total = None
        if hasattr(rows, "num_rows") and hasattr(rows, "column_values"):
            total = max(0, rows.num_rows - start_record)
            chunks = _dataset_chunks(rows, [*text_columns, *(c for c, _ in id_columns)], start_record, chunk_size)
        else:
            chunks = _iterable_chunks(rows, chunk_size)
        tracker = ProgressTracker(progress, total)
        record = start_record
        for chunk in chunks:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield from self._detect_chunk(chunk, record, text_columns, id_columns, cancel)
            record += len(chunk)
            tracker.advance(len(chunk), "detecting")
            log.debug("detected records up to %d", record)
        tracker.report("done", force=True)

    def _detect_chunk(self, chunk: list[dict[str, Any]], first_record: int, text_columns: list[str],
                      id_columns: list[tuple[str, str]], cancel: CancelToken | None) -> list[list[Span]]:
        cells: list[tuple[int, str, str]] = []
        for offset, row in enumerate(chunk):
            for column in text_columns:
                text = _cell_text(row.get(column))
                if text.strip():
                    cells.append((offset, column, text))
        spans: list[list[Span]] = [[] for _ in chunk]
        batch_size = self.settings.batch_size
        for start in range(0, len(cells), batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled()
            batch = cells[start:start + batch_size]
            found = self._analyze_batch([text for _, _, text in batch], [context_words([column]) for _, column, _ in batch])
            for (offset, column, _), detected in zip(batch, found):
                spans[offset].extend(_to_span(first_record + offset, column, d) for d in detected)
        for offset, row in enumerate(chunk):
            for column, entity_type in id_columns:
                for d in self.analyze_identifier(row.get(column), entity_type or "", column):
                    spans[offset].append(_to_span(first_record + offset, column, d))
        column_order = {c: i for i, c in enumerate(list(text_columns) + [c for c, _ in id_columns])}
        for record_spans in spans:
            record_spans.sort(key=lambda s: (column_order.get(s.column, 0), s.start, s.end))
        return spans


def _to_span(record: int, column: str, detected: DetectedSpan) -> Span:
    return Span(record, column, detected.start, detected.end, detected.entity_type, detected.score, detected.recognizer)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _iterable_chunks(rows: Iterable[dict[str, Any]], chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _dataset_chunks(dataset: Any, columns: list[str], start: int, chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    for offset in range(start, dataset.num_rows, chunk_size):
        stop = min(offset + chunk_size, dataset.num_rows)
        values = {column: dataset.column_values(column, offset, stop) for column in columns}
        yield [{column: values[column][i] for column in columns} for i in range(stop - offset)]


def _split_long_texts(texts: Sequence[str]) -> list[tuple[int, int, str]]:
    """(text index, offset, piece) for each piece; texts under LONG_TEXT_CHARS are one piece.

    Long texts are cut at a line break or space near each boundary, with a small overlap so that an
    entity on a cut is seen whole in one of the two pieces (resolve() joins duplicates).
    """
    pieces: list[tuple[int, int, str]] = []
    for index, text in enumerate(texts):
        if len(text) <= LONG_TEXT_CHARS:
            pieces.append((index, 0, text))
            continue
        start = 0
        while start < len(text):
            end = min(len(text), start + LONG_TEXT_CHARS)
            if end < len(text):
                cut = max(text.rfind("\n", start + LONG_TEXT_CHARS // 2, end), text.rfind(" ", start + LONG_TEXT_CHARS // 2, end))
                end = cut if cut > start else end
            pieces.append((index, start, text[start:end]))
            if end >= len(text):
                break
            start = max(start + 1, end - _PIECE_OVERLAP)
    return pieces


# The MiniLM tagger is less precise than the rules and spaCy on text it was not trained on; measured
# (bench/ner_contribution.py) it raises recall only when it speaks where nothing else did, and confidently.
GAP_FILL_MIN_SCORE = 0.8


def _gap_fillers(tagged: Sequence[tuple[int, int, str, float]], found: Sequence[Candidate]) -> list[Candidate]:
    """The tagger's confident spans that overlap no span any other recognizer proposed."""
    fillers = []
    for start, end, entity_type, score in tagged:
        if score < GAP_FILL_MIN_SCORE:
            continue
        if any(c.start < end and start < c.end for c in found):
            continue
        fillers.append(Candidate(start, end, entity_type, float(score), "PiiTagger"))
    return fillers
