"""PiiTagger: the fine-tuned MiniLM tagger at inference time.

Texts are cut into overlapping windows of the tokens length the tagger was trained on (128); a word
piece seen by two windows keeps the reading of the window where it is further from a cut, word
pieces are pooled into whole words, and the words' tags are read off as spans with character
offsets into the original text.

A tagger folder is either plain (weights.safetensors + privdesk_ner.json: the shipped tagger) or
sealed (a tagger tuned on the analyst's data, privdesk.core.ner.corrections: its weights encrypted
with the project secret). A sealed one is decrypted in memory only, never into a file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from privdesk import paths
from privdesk.core.errors import PrivDeskError
from privdesk.core.ner.labels import LabelScheme
from privdesk.core.ner.network import META_FILE, NetworkSpec, inference_network, load_tokenizer, read_weights

PredictedSpan = tuple[int, int, str, float]  # (start, end, entity_type, score)

# A sealed tagger folder: the manifest (plain: settings, metrics, the project's id) and the sealed file
# (safetensors bytes with the NetworkSpec in their metadata, AES-256-GCM under the project secret).
SEALED_MANIFEST = "sealed_tagger.json"
SEALED_WEIGHTS = "tagger.sealed"
SEALED_PURPOSE = "pii tagger"  # binds the sealed file to this use of the project secret
SEALED_FORMAT = "privdesk-sealed-tagger"
SEALED_VERSION = 1


def default_model_dir() -> Path:
    return paths.resources_dir() / "models" / "pii-minilm"


def is_sealed_tagger(folder: str | Path) -> bool:
    return (Path(folder) / SEALED_MANIFEST).is_file()


def is_privdesk_tagger(folder: str | Path) -> bool:
    """True for a folder PiiTagger.load reads (plain or sealed), False for e.g. a Hugging Face model folder."""
    return is_sealed_tagger(folder) or (Path(folder) / META_FILE).is_file()


def tagger_spec(folder: str | Path) -> NetworkSpec:
    """A tagger folder's description without its weights (for a sealed one: from its plain manifest)."""
    folder = Path(folder)
    if not is_sealed_tagger(folder):
        return NetworkSpec.read(folder)
    return _spec_from_data(_read_manifest(folder)["spec"], folder / SEALED_MANIFEST)


def _read_manifest(folder: Path) -> dict:
    path = folder / SEALED_MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PrivDeskError(f"cannot read the sealed tagger's description ({error}).", path=path,
                            hint="Train the tagger from your reviewed records again.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != SEALED_FORMAT \
            or manifest.get("version") != SEALED_VERSION or not isinstance(manifest.get("spec"), dict):
        raise PrivDeskError("is not a sealed tagger description this PrivDesk reads.", path=path,
                            hint="Train the tagger from your reviewed records again.")
    return manifest


def _spec_from_data(data: dict, where: Path) -> NetworkSpec:
    return NetworkSpec.from_dict(data, where=where, hint="Train the tagger from your reviewed records again.")


def open_sealed_tagger(folder: str | Path, secret: bytes | None = None) -> tuple[NetworkSpec, dict]:
    """The description and tensors of a sealed tagger, decrypted in memory (see PiiTagger.load for `secret`)."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    if secret is None:
        secret = _secret_of_owning_project(folder, manifest)
    # Imported only now: privdesk.core.train loads torch, and a wrong folder should fail fast.
    from safetensors.torch import load as load_tensors

    from privdesk.core.train.errors import TrainingError
    from privdesk.core.train.sealing import SealKey

    try:
        payload = SealKey.from_secret(secret).open_file(folder / SEALED_WEIGHTS, SEALED_PURPOSE)
    except TrainingError as error:
        raise PrivDeskError(f"the tuned tagger cannot be opened: {error.problem}", path=error.path,
                            hint="Use it with the project it was trained in, or train it again in this "
                                 "project.") from None
    try:
        header_length = int.from_bytes(payload[:8], "little")
        metadata = json.loads(payload[8:8 + header_length]).get("__metadata__") or {}
        spec = _spec_from_data(json.loads(metadata["spec"]), folder / SEALED_WEIGHTS)
        state = load_tensors(payload)
    except (ValueError, KeyError, TypeError) as error:
        raise PrivDeskError(f"the tuned tagger's weights are not readable ({type(error).__name__}).",
                            path=folder / SEALED_WEIGHTS, hint="Train the tagger again.") from None
    return spec, state


def _secret_of_owning_project(folder: Path, manifest: dict) -> bytes:
    """The secret of the project the folder was sealed for: the project file named in the manifest,
    beside the folder. Opens only with the project's key file: a passphrase is never at hand here."""
    from privdesk.core.project import Project

    name = str(manifest.get("project_file") or "")
    project_path = folder.parent / name
    hint = "Open the project it belongs to, or train the tagger again in this project."
    if not name or Path(name).name != name or not project_path.is_file():
        raise PrivDeskError(f"the tuned tagger is sealed with the secret of project {manifest.get('project_file')!r}, "
                            "which is not beside it.", path=folder, hint=hint)
    with Project.open(project_path) as project:
        if project.project_id != manifest.get("project_id"):
            raise PrivDeskError("the tuned tagger was sealed for another project of the same name.", path=folder,
                                hint=hint)
        return project.project_secret()


def native_bfloat16() -> bool:
    """True when this CPU has bfloat16 matrix instructions (AMX or AVX512-BF16); emulated bfloat16 is slower."""
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except (AttributeError, RuntimeError):  # private helpers: absent in other torch versions
        return False


class PiiTagger:
    """Finds PII spans in texts with the fine-tuned encoder. Thread-safe: one prediction runs at a time."""

    def __init__(self, model, tokenizer, spec: NetworkSpec, *, bfloat16: bool = False):
        self.model = model
        self.tokenizer = tokenizer
        self.spec = spec
        self.scheme: LabelScheme = spec.scheme
        self.max_length = spec.max_length  # the training window; see NetworkSpec
        self.stride = spec.stride
        self.bfloat16 = bfloat16
        # The fast tokenizer's truncation settings are mutable state, and parallel forward passes on
        # the same cores gain nothing: callers from several threads take turns.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None = None, *, bfloat16: bool | None = None,
             secret: bytes | None = None) -> "PiiTagger":
        """Load the base encoder from its package and our weights from `path`, offline.

        `bfloat16`: run the encoder's matrix products in bfloat16; None does so when the CPU has
        bfloat16 instructions (AMX, AVX512-BF16): 1.7x faster there, with the same dev-split spans.
        (Dynamic int8 quantisation was measured too and left out: faster than float32, but dev F1
        fell from 0.94 to 0.87.) Raises PrivDeskError when the folder holds no tagger.
        `secret`: the project secret, for a sealed folder; None reads it from the project file
        beside the folder (projects with a key file; a passphrase project needs it given).
        """
        folder = Path(path) if path is not None else default_model_dir()
        if is_sealed_tagger(folder):
            spec, state = open_sealed_tagger(folder, secret)
        else:
            spec, state = NetworkSpec.read(folder), read_weights(folder)
        model = inference_network(spec, state, where=folder)
        if bfloat16 is None:
            bfloat16 = native_bfloat16()
        return cls(model, load_tokenizer(), spec, bfloat16=bfloat16)

    @property
    def supported_entities(self) -> tuple[str, ...]:
        return tuple(self.spec.supported_entities)

    def predict(self, texts: Sequence[str], *, batch_size: int = 32) -> list[list[PredictedSpan]]:
        """Spans per text as (start, end, entity_type, score), sorted by start."""
        with self._lock:
            results: list[list[PredictedSpan]] = []
            chunk = max(batch_size * 8, 64)  # tokenize a few batches at once, keep memory flat on huge inputs
            for first in range(0, len(texts), chunk):
                results += self._predict_chunk(list(texts[first:first + chunk]), batch_size)
            return results

    def word_probabilities(self, texts: Sequence[str], *, batch_size: int = 32):
        """Per text: the words' character ranges and their tag probabilities (for analysis and tests)."""
        with self._lock:
            return self._word_probabilities(list(texts), batch_size)

    def _predict_chunk(self, texts: list[str], batch_size: int) -> list[list[PredictedSpan]]:
        results = []
        for text, (units, probabilities) in zip(texts, self._word_probabilities(texts, batch_size)):
            results.append(words_to_spans(text, units, probabilities, self.scheme))
        return results

    def _word_probabilities(self, texts: list[str], batch_size: int):
        import torch

        # Per text, per token (keyed by its start offset): (margin, word id, start, end, probabilities).
        # A token seen by two overlapping windows keeps the reading of the window where it sits
        # further from a cut: next to a cut the encoder sees only one side of the token's context.
        per_text: list[dict[int, tuple]] = [{} for _ in texts]
        work = [i for i, text in enumerate(texts) if text.strip()]
        if work:
            encoding = self.tokenizer(
                [texts[i] for i in work], truncation=True, max_length=self.max_length, stride=self.stride,
                return_overflowing_tokens=True, return_offsets_mapping=True,
            )
            samples = encoding["overflow_to_sample_mapping"]
            first_row = {sample: row for row, sample in reversed(list(enumerate(samples)))}
            last_row = {sample: row for row, sample in enumerate(samples)}
            windows = sorted(range(len(samples)), key=lambda row: len(encoding["input_ids"][row]))
            pad_id = self.tokenizer.pad_token_id or 0
            for first in range(0, len(windows), batch_size):
                rows = windows[first:first + batch_size]
                width = max(len(encoding["input_ids"][row]) for row in rows)
                ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for position, row in enumerate(rows):
                    n = len(encoding["input_ids"][row])
                    ids[position, :n] = torch.tensor(encoding["input_ids"][row])
                    mask[position, :n] = 1
                with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
                    logits = self.model(input_ids=ids, attention_mask=mask).logits
                probabilities = torch.softmax(logits.float(), dim=-1).numpy()
                for position, row in enumerate(rows):
                    sample = samples[row]
                    tokens = per_text[work[sample]]
                    offsets = encoding["offset_mapping"][row]
                    word_ids = encoding.word_ids(row)
                    content = [index for index, word in enumerate(word_ids) if word is not None]
                    low = -len(word_ids) if row == first_row[sample] else content[0]  # no cut at the text's start
                    high = 2 * len(word_ids) if row == last_row[sample] else content[-1]
                    for token in content:
                        margin = min(token - low, high - token)
                        start, end = offsets[token]
                        seen = tokens.get(start)
                        if seen is None or margin > seen[0]:
                            tokens[start] = (margin, word_ids[token], start, end, probabilities[position, token])
        output = []
        for tokens in per_text:
            words: dict[int, list] = {}  # word id -> [start, end, probability sum, pieces]
            for _margin, word, start, end, token_probabilities in tokens.values():
                entry = words.get(word)
                if entry is None:
                    words[word] = [start, end, token_probabilities.copy(), 1]
                else:
                    entry[0], entry[1] = min(entry[0], start), max(entry[1], end)
                    entry[2] += token_probabilities
                    entry[3] += 1
            ordered = [words[key] for key in sorted(words)]
            units = [(entry[0], entry[1]) for entry in ordered]
            matrix = (np.stack([entry[2] / entry[3] for entry in ordered]) if ordered
                      else np.zeros((0, self.scheme.num_labels), dtype=np.float32))
            output.append((units, matrix))
        return output


def words_to_spans(text: str, units: list[tuple[int, int]], probabilities: np.ndarray,
                   scheme: LabelScheme) -> list[PredictedSpan]:
    """Words -> spans: each word takes its most likely entity type (its B- and I- probabilities
    together, against "O"); a run of adjacent words of one type is one span, scored by the mean
    probability of that type over its words.

    Runs are not split at B- tags: a small tagger often puts a B- inside one entity ("the | 14th of
    May"), while two same-type entities with nothing between them ("Ann Bob") are rare; a comma or
    "and" between them is an "O" word and does split them.
    """
    if not units:
        return []
    types = len(scheme.entity_types)
    by_type = np.concatenate(
        [probabilities[:, :1], probabilities[:, 1:1 + 2 * types:2] + probabilities[:, 2:2 + 2 * types:2]], axis=1)
    best = by_type.argmax(axis=1)
    spans: list[PredictedSpan] = []
    first = 0
    while first < len(units):
        kind = int(best[first])
        last = first
        while last + 1 < len(units) and int(best[last + 1]) == kind:
            last += 1
        trimmed = _tidy(text, units, first, last) if kind else None
        if trimmed is not None:
            start_word, end_word = trimmed
            score = float(by_type[start_word:end_word + 1, kind].mean())
            spans.append((units[start_word][0], units[end_word][1], scheme.entity_types[kind - 1], round(score, 4)))
        first = last + 1
    return spans


_CLOSING = {")": "(", "]": "[", "}": "{"}
_OPENING = {opening: closing for closing, opening in _CLOSING.items()}


def _tidy(text: str, units: list[tuple[int, int]], first: int, last: int) -> tuple[int, int] | None:
    """Trim a run of words [first, last]: an unmatched bracket at either end goes, and a run with no
    letter or digit (a stray ":" or "(") is no entity at all."""
    def word(index: int) -> str:
        return text[units[index][0]:units[index][1]]

    while first <= last:
        inside = text[units[first][0]:units[last][1]]
        head, tail = word(first), word(last)
        if tail in _CLOSING and inside.count(tail) > inside.count(_CLOSING[tail]):
            last -= 1
        elif head in _OPENING and inside.count(head) > inside.count(_OPENING[head]):
            first += 1
        else:
            break
    if first > last or not any(char.isalnum() for char in text[units[first][0]:units[last][1]]):
        return None
    return first, last
