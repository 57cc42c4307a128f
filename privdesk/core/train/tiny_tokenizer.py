"""The Tiny model's tokenizer: a byte-level BPE fitted once on public text and shipped with PrivDesk.

Why not fit it on the training split: a BPE vocabulary is a function of its corpus that differential
privacy does not cover. Fitted on the analyst's records, any string seen in two of them (a name or a
number that masking missed) can become a token, and tokenizer.json is stored in the clear beside the
model. So the vocabulary is fitted on text that holds nothing of the analyst's: PrivDesk's own
synthetic records (fixed seed, values from Faker's public word lists), the same records with their
PII replaced by tags as the masking policies write them, and Faker's list of common English words.
The result is shipped as resources/models/tiny-tokenizer/tokenizer.json; nothing at run time depends
on the data, so every Tiny model gets the same vocabulary.

Choices that keep the vocabulary useful and fair:
- cased, byte-level: names keep their case, any text round-trips, and no character is unknown;
- masking tags (<PERSON_1>, <EMAIL_ADDRESS>) are pre-tokenized as one piece, so BPE can learn them whole;
- digits are split one by one (as SmolLM2 does): every candidate secret of a canary format then
  tokenizes the same way, and no number gets a token of its own.

A smaller vocabulary is the shipped one cut short: BPE learns its merges greedily, most frequent
first, so the first k merges are what fitting with a k-merge budget gives.

Remake the shipped file (after changing the corpus or the pre-tokenizer) with
    python -m privdesk.core.train.tiny_tokenizer --write
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from privdesk import paths
from privdesk.core.train.errors import TrainingError

TINY_SPECIAL = "<|endoftext|>"
PUBLIC_VOCAB_SIZE = 4096
PUBLIC_TOKENIZER_NAME = "PrivDesk public byte-level BPE"
CORPUS_SEED = 2024
CORPUS_ROWS = 1500  # per kind and template set: 12,000 synthetic records
# GPT-2's pre-tokenizer pattern with two changes: a masking tag is one piece, and digits stand alone.
PRE_TOKENIZER_PATTERN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?<[A-Z][A-Z0-9_]*>| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}<]+| ?<"
                         r"|\s+(?!\S)|\s+")


def public_tokenizer_path() -> Path:
    return paths.resources_dir() / "models" / "tiny-tokenizer" / "tokenizer.json"


# ---- the public corpus -------------------------------------------------------------------------------------


def _masked(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with each span replaced by a tag, numbered per value the way the tag operator numbers them."""
    numbers: dict[tuple[str, str], int] = {}
    pieces, position = [], 0
    for start, end, entity_type in sorted(spans):
        if start < position:
            continue  # overlapping gold spans: the first one wins
        value = text[start:end]
        number = numbers.setdefault((entity_type, value), 1 + sum(1 for kind, _ in numbers if kind == entity_type))
        numbered = (start + end + number) % 2 == 0  # both styles of tag: <PERSON> and <PERSON_1>
        pieces += [text[position:start], f"<{entity_type}_{number}>" if numbered else f"<{entity_type}>"]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def public_corpus(rows: int = CORPUS_ROWS, seed: int = CORPUS_SEED) -> Iterator[str]:
    """The texts the public vocabulary is fitted on. It takes no data argument: it cannot see the analyst's."""
    from faker.providers.lorem.en_US import Provider as EnglishWords

    from privdesk.core.synth import KINDS, TEMPLATE_SETS, generate_dataset

    for kind in KINDS:
        for template_set in TEMPLATE_SETS:
            data = generate_dataset(kind, rows=rows, seed=seed, template_set=template_set)
            spans: dict[tuple[int, str], list[tuple[int, int, str]]] = {}
            for span in data.spans:
                spans.setdefault((span.record, span.column), []).append((span.start, span.end, span.entity_type))
            for column, cells in data.columns.items():
                for record, cell in enumerate(cells):
                    text = str(cell)
                    if not text:
                        continue
                    yield text
                    if (record, column) in spans:
                        yield _masked(text, spans[(record, column)])
    words = list(EnglishWords.word_list)
    for start in range(0, len(words), 12):
        line = words[start:start + 12]
        yield " ".join(line)
        yield " ".join(word.capitalize() for word in line)


def _pre_tokenizer() -> Any:
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRE_TOKENIZER_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])


def fit_public_tokenizer(texts: Iterable[str] | None = None, vocab_size: int = PUBLIC_VOCAB_SIZE) -> str:
    """The tokenizer JSON fitted on `texts` (the public corpus when None): how the shipped file is made."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = _pre_tokenizer()
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=[TINY_SPECIAL],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(public_corpus() if texts is None else texts, trainer=trainer)
    return core.to_str()


# ---- the shipped vocabulary -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    path = public_tokenizer_path()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingError("is missing: the Tiny model's tokenizer ships with PrivDesk.", path=path,
                            hint="Reinstall PrivDesk, or remake it with "
                                 "`python -m privdesk.core.train.tiny_tokenizer --write`.") from None
    except (OSError, ValueError) as error:
        raise TrainingError(f"cannot be read as a tokenizer ({error}).", path=path,
                            hint="Reinstall PrivDesk.") from None


def public_vocab_size() -> int:
    return len(_shipped()["model"]["vocab"])


def cut_vocabulary(tokenizer: dict[str, Any], vocab_size: int) -> dict[str, Any]:
    """A BPE tokenizer JSON keeping its first `vocab_size` tokens and the merges that make them."""
    model = tokenizer["model"]
    vocab = {token: index for token, index in model["vocab"].items() if index < vocab_size}
    merges = []
    for merge in model["merges"]:
        left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
        if left + right not in vocab:
            break  # merges come in the order their tokens were added: the rest make tokens beyond the cut
        merges.append(merge)
    cut = json.loads(json.dumps(tokenizer))
    cut["model"]["vocab"], cut["model"]["merges"] = vocab, merges
    return cut


def public_tokenizer_json(vocab_size: int) -> str:
    """The shipped vocabulary cut to `vocab_size` tokens, as tokenizer JSON."""
    available = public_vocab_size()
    if vocab_size > available:
        raise TrainingError(f"the Tiny model's vocabulary has at most {available:,} tokens (asked for {vocab_size:,}).",
                            hint=f"Choose a tiny vocabulary size of at most {available:,}.")
    return json.dumps(cut_vocabulary(_shipped(), vocab_size), ensure_ascii=False)


def tiny_tokenizer_from_json(tokenizer_json: str) -> Any:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(tokenizer_json), bos_token=TINY_SPECIAL,
                                   eos_token=TINY_SPECIAL, pad_token=TINY_SPECIAL, unk_token=TINY_SPECIAL)


def public_tiny_tokenizer(vocab_size: int) -> Any:
    """The Tiny model's tokenizer: the same for every dataset (see the module docstring)."""
    return tiny_tokenizer_from_json(public_tokenizer_json(vocab_size))


def _vocabulary_of(tokenizer_json: str) -> tuple[dict[str, int], list[Any]]:
    model = json.loads(tokenizer_json)["model"]
    return model.get("vocab", {}), [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1))
                                    for m in model.get("merges", [])]


def is_public_vocabulary(tokenizer_json: str) -> bool:
    """True when the tokenizer's vocabulary and merges are the shipped public ones (cut to its size).

    Runs made before the public vocabulary have a BPE fitted on their training data: False for them.
    """
    vocab, merges = _vocabulary_of(tokenizer_json)
    if not vocab or len(vocab) > public_vocab_size():
        return False
    public_vocab, public_merges = _vocabulary_of(public_tokenizer_json(len(vocab)))
    return vocab == public_vocab and merges == public_merges


def vocabulary_sha256(tokenizer_json: str) -> str:
    """A fingerprint of the vocabulary and merges (not of formatting), for the model card."""
    vocab, merges = _vocabulary_of(tokenizer_json)
    canonical = json.dumps([sorted(vocab.items(), key=lambda item: item[1]), merges], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the Tiny model's public BPE vocabulary and write it to "
                                                 "resources/models/tiny-tokenizer/tokenizer.json.")
    parser.add_argument("--write", action="store_true", help="write the shipped file (else print its size)")
    parser.add_argument("--vocab-size", type=int, default=PUBLIC_VOCAB_SIZE)
    args = parser.parse_args(argv)
    fitted = fit_public_tokenizer(vocab_size=args.vocab_size)
    if args.write:
        from privdesk.core.atomic import atomic_write_text

        path = public_tokenizer_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, fitted)
        print(f"wrote {path} ({len(fitted.encode('utf-8')):,} bytes, vocabulary {vocabulary_sha256(fitted)[:16]})")
    else:
        print(f"{len(fitted.encode('utf-8')):,} bytes, vocabulary {vocabulary_sha256(fitted)[:16]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
