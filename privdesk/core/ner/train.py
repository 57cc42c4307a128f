"""Fine-tune the PII tagger: plain PyTorch on CPU, with progress and cancel.

From code:  train_tagger(None, folder, rows=400, epochs=2, max_minutes=13)  (synthetic "dev" data)
            train_tagger(examples, folder, init_from=shipped)  (e.g. the analyst's accepted spans)
From a shell: python -m privdesk.core.ner.train --rows 400 --epochs 2 --max-minutes 13 -o resources/models/pii-minilm

Only the "dev" template set of privdesk.core.synth is used, for training and for the dev split
(another seed); the "heldout" set is the benchmark's and never seen here.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from privdesk.core.atomic import atomic_path, atomic_write_text
from privdesk.core.errors import PrivDeskError
from privdesk.core.ner.augment import augment
from privdesk.core.ner.data import TextExample, batches, collate, encode_windows, examples_from_synth
from privdesk.core.ner.labels import IGNORED
from privdesk.core.ner.metrics import format_scores, span_scores
from privdesk.core.ner.network import (META_FILE, WEIGHTS_FILE, NetworkSpec, apply_trained_state, build_network,
                                       load_tokenizer, read_weights, trained_state)
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker

log = logging.getLogger(__name__)

SYNTH_KINDS = ("notes", "tickets", "transactions", "chat")
DEV_SEED_OFFSET = 7919  # the dev split is the same template set drawn with another seed
MIN_SUPPORT = 20  # an entity type needs this many training spans before the tagger claims it


@dataclass
class TrainConfig:
    rows: int = 400  # synth rows per kind (ignored when examples are given)
    epochs: int = 2
    seed: int = 0
    method: str = "top"  # "top" or "lora" (see network.py)
    lora_rank: int = 16
    top_layers: int = 3
    learning_rate: float | None = None  # None: 1e-3 for lora, 6e-4 for top (its head: 5x)
    batch_tokens: int = 256  # tokens per step, padding included: small steps learn fastest per CPU second
    max_length: int = 128
    stride: int = 32
    augment_share: float = 1.0  # augmented texts per training text
    dev_rows: int | None = None  # synth rows per kind for the dev split; None: rows // 5, at least 20
    max_steps: int | None = None  # stop early (tests, smoke runs)
    max_minutes: float | None = None  # fit the training loop into this wall time (the LR schedule follows)
    identifier_share: float = 0.34  # share of synth identifier cells trained on (the engine labels those by role)
    dropout: float = 0.0  # less than an epoch of fresh data needs no dropout, and dropout costs CPU time
    entity_weight: float = 1.0  # loss weight of entity tags relative to "O" (above 1 favours recall)
    threads: int | None = None  # torch intra-op threads; None leaves torch's setting alone

    def validate(self) -> None:
        if self.method not in ("lora", "top"):
            raise PrivDeskError(f"unknown training method {self.method!r}.", hint="Use 'lora' or 'top'.")
        if self.rows < 1 or self.epochs < 1 or self.batch_tokens < self.max_length:
            raise PrivDeskError("rows and epochs must be at least 1, and a batch must hold one full window.")
        if not 16 <= self.max_length <= 512 or not 0 <= self.stride < self.max_length // 2:
            raise PrivDeskError(f"window {self.max_length} / stride {self.stride} is not usable.",
                                hint="Use a max length of 16-512 tokens and a stride under half of it.")


def synth_examples(rows: int, seed: int, *, identifier_share: float = 1.0) -> list[TextExample]:
    """Examples from every synth kind, "dev" templates only."""
    from privdesk.core.synth import generate_dataset

    examples: list[TextExample] = []
    for offset, kind in enumerate(SYNTH_KINDS):
        dataset = generate_dataset(kind, rows, seed=seed * 101 + offset, template_set="dev")
        examples += examples_from_synth(dataset, identifier_share=identifier_share)
    return examples


def train_tagger(examples: Sequence[TextExample] | None, output_dir: str | Path, *, rows: int = 400,
                 epochs: int = 2, seed: int = 0, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None, dev_examples: Sequence[TextExample] | None = None,
                 init_from: str | Path | None = None, command: str | None = None, **options) -> dict:
    """Train a tagger and write it to `output_dir` (weights, description, README); return its metrics.

    `examples`: texts with gold spans; None draws `rows` synthetic rows per kind. `dev_examples`:
    what to score it on; None uses another synth seed (or 10% of `examples`). `init_from`: a tagger
    folder to continue from instead of a fresh head (same method). `options`: TrainConfig fields.
    Raises Cancelled if `cancel` fires; nothing is written then.
    """
    import torch

    config = TrainConfig(rows=rows, epochs=epochs, seed=seed, **options)
    config.validate()
    check_cancel = cancel.raise_if_cancelled if cancel is not None else (lambda: None)
    check_cancel()
    if config.threads:
        torch.set_num_threads(config.threads)
    output_dir = Path(output_dir)
    started = time.monotonic()
    rng = random.Random(seed)

    if examples is None:
        train_set = synth_examples(config.rows, seed, identifier_share=config.identifier_share)
        data_source = f"privdesk.core.synth 'dev' templates, {config.rows} rows x {len(SYNTH_KINDS)} kinds, seed {seed}"
        if dev_examples is None:
            dev_rows = config.dev_rows or max(20, config.rows // 5)
            # Scored on free-text cells only: those are what the detection engine hands the tagger.
            dev_examples = synth_examples(dev_rows, seed + DEV_SEED_OFFSET, identifier_share=0.0)
    else:
        train_set = list(examples)
        data_source = f"{len(train_set)} given examples"
        if dev_examples is None:
            shuffled = train_set[:]
            rng.shuffle(shuffled)
            cut = max(1, len(shuffled) // 10)
            dev_examples, train_set = shuffled[:cut], shuffled[cut:] or shuffled
    if not train_set:
        raise PrivDeskError("there is nothing to train on.", hint="Give at least one example text.")

    training_texts = list(train_set) + augment(train_set, rng, share=config.augment_share)
    support = Counter(entity for example in train_set for _s, _e, entity in example.spans)

    init_spec = NetworkSpec.read(Path(init_from)) if init_from is not None else None
    spec = NetworkSpec(method=config.method, lora_rank=config.lora_rank, top_layers=config.top_layers,
                       max_length=config.max_length, stride=config.stride)
    if init_spec is not None:
        spec = NetworkSpec(method=init_spec.method, entity_types=init_spec.entity_types,
                           lora_rank=init_spec.lora_rank, top_layers=init_spec.top_layers,
                           max_length=config.max_length, stride=config.stride)
    spec.supported_entities = tuple(
        entity for entity in spec.entity_types
        if support[entity] >= MIN_SUPPORT or (init_spec is not None and entity in init_spec.supported_entities)
    )
    tokenizer = load_tokenizer()
    windows = encode_windows(tokenizer, training_texts, spec.scheme, max_length=config.max_length, stride=config.stride)
    check_cancel()
    model = build_network(spec, seed=seed, dropout=config.dropout)
    if init_spec is not None:
        apply_trained_state(model, spec, read_weights(Path(init_from)), where=Path(init_from))
    model.train()

    steps_per_epoch = len(batches(windows, config.batch_tokens))
    plan = _StepPlan(steps_per_epoch * config.epochs, config.max_steps, config.max_minutes)
    optimizer = _optimizer(model, spec, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, plan.learning_rate_factor)
    tracker = ProgressTracker(progress, plan.total)
    log.info("training on %d windows from %d texts (%d augmented); %d steps", len(windows), len(training_texts),
             len(training_texts) - len(train_set), plan.total)

    class_weights = torch.full((spec.scheme.num_labels,), config.entity_weight)
    class_weights[0] = 1.0
    step, running_loss = 0, None
    trainable = [p for p in model.parameters() if p.requires_grad]
    loop_started = time.monotonic()
    for epoch in range(config.epochs):
        for group in batches(windows, config.batch_tokens, rng):
            if step >= plan.total:
                break
            check_cancel()
            loss = training_step(model, tokenizer, group, optimizer, scheduler, trainable, class_weights)
            step += 1
            running_loss = loss.item() if running_loss is None else 0.95 * running_loss + 0.05 * loss.item()
            tracker.total = plan.after_step(step, time.monotonic() - loop_started)
            tracker.advance(1, f"epoch {epoch + 1}/{config.epochs}, loss {running_loss:.3f}")
    check_cancel()
    train_seconds = time.monotonic() - started

    output_dir.mkdir(parents=True, exist_ok=True)
    _save_weights(output_dir, trained_state(model, spec))
    atomic_write_text(output_dir / META_FILE, spec.to_json())
    tracker.report("scoring on the dev split", force=True)
    scores, speed = evaluate_folder(output_dir, dev_examples)

    spec.training = {
        "data": data_source,
        "texts": len(train_set), "augmented_texts": len(training_texts) - len(train_set),
        "windows": len(windows), "dev_texts": len(dev_examples),
        "config": asdict(config), "steps": step, "final_loss": round(running_loss or 0.0, 4),
        "train_seconds": round(train_seconds, 1), "torch_threads": torch.get_num_threads(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "init_from": str(init_from) if init_from is not None else None,
        "command": command, "span_support": dict(sorted(support.items())),
        "dev_scores": scores, "dev_texts_per_second": round(speed, 1),
    }
    atomic_write_text(output_dir / META_FILE, spec.to_json())
    atomic_write_text(output_dir / "README.md", model_readme(spec))
    return {"scores": scores, "steps": step, "train_seconds": spec.training["train_seconds"],
            "windows": len(windows), "texts_per_second": speed, "output_dir": str(output_dir)}


class _StepPlan:
    """How many steps training will take: the epochs' worth, capped by max_steps and by a time budget.

    With a time budget the step count is re-estimated from the measured pace every few steps, and
    the learning-rate schedule (linear warm-up, linear decay to zero) stretches or shrinks with it.
    """

    def __init__(self, epoch_steps: int, max_steps: int | None, max_minutes: float | None):
        self.cap = max(1, min(epoch_steps, max_steps) if max_steps is not None else epoch_steps)
        self.total = self.cap
        self.budget_s = max_minutes * 60 if max_minutes is not None else None

    @property
    def warmup(self) -> int:
        return max(1, self.total // 20)

    def learning_rate_factor(self, step: int) -> float:
        return min((step + 1) / self.warmup, max(0.0, (self.total - step) / max(1, self.total - self.warmup)))

    def after_step(self, done: int, elapsed_s: float) -> int:
        if self.budget_s is not None and done >= 10 and done % 10 == 0:
            affordable = int(self.budget_s / (elapsed_s / done))
            self.total = max(done + 1, min(self.cap, affordable))
        return self.total


def training_step(model, tokenizer, group, optimizer, scheduler, trainable, class_weights=None):
    """One optimisation step on a batch of windows (token cross-entropy, gradient clipping at 1.0); the loss."""
    import torch

    ids, mask, labels = collate(group, tokenizer.pad_token_id or 0)
    logits = model(input_ids=ids, attention_mask=mask).logits
    loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1),
                                             weight=class_weights, ignore_index=IGNORED)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    optimizer.step()
    scheduler.step()
    return loss


def _optimizer(model, spec: NetworkSpec, config: TrainConfig):
    import torch

    if spec.method == "lora":
        groups = [{"params": [p for p in model.parameters() if p.requires_grad], "lr": config.learning_rate or 1e-3}]
    else:
        rate = config.learning_rate or 6e-4
        head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("classifier.")]
        body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("classifier.")]
        # The head starts from random weights and needs a larger step than the pretrained layers.
        groups = [{"params": body, "lr": rate}, {"params": head, "lr": rate * 5}]
    try:  # the fused kernel makes the optimizer step 3-4x cheaper on CPU, where torch has it
        return torch.optim.AdamW(groups, weight_decay=0.01, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(groups, weight_decay=0.01)


def _save_weights(folder: Path, state: dict) -> None:
    from safetensors.torch import save_file

    with atomic_path(folder / WEIGHTS_FILE) as temporary:
        save_file(state, str(temporary), metadata={"format": "privdesk-ner"})
        os.chmod(temporary, 0o644)  # a temporary file is private; the model is for every user of the machine


def evaluate_folder(folder: Path, dev_examples: Sequence[TextExample]) -> tuple[dict, float]:
    """Span scores of the saved tagger on `dev_examples`, and its speed in texts per second."""
    from privdesk.core.ner.model import PiiTagger

    tagger = PiiTagger.load(folder)
    started = time.monotonic()
    predicted = tagger.predict([example.text for example in dev_examples])
    seconds = max(time.monotonic() - started, 1e-9)
    return span_scores([example.spans for example in dev_examples], predicted), len(dev_examples) / seconds


def model_readme(spec: NetworkSpec) -> str:
    info = spec.training
    config = info["config"]
    size = "adapters of rank %d on every projection of all 6 layers" % spec.lora_rank if spec.method == "lora" \
        else "the top %d encoder layers in full" % spec.top_layers
    command = info.get("command") or "train_tagger(...) from code"
    return f"""# pii-minilm: PrivDesk's transformer PII tagger

A token-classification head (BIO tags over {len(spec.entity_types)} entity types) and {size}, on top
of the uncased MiniLM-L6 encoder from the `{spec.base_package}` package. Only these tensors are stored
here (`{WEIGHTS_FILE}`, fp16); the base encoder always comes from the installed package, offline.
`{META_FILE}` describes how to rebuild the network and records the numbers below.

## Training
- command: `{command}`
- data: {info['data']}; {info['texts']} texts plus {info['augmented_texts']} augmented ones
  (sentences mixed across records, entity values swapped for other and made-up ones, values in
  generic filler sentences, PII-free sentences),
  {info['windows']} windows of at most {config['max_length']} tokens (stride {config['stride']})
- seed {config['seed']}, {config['epochs']} epoch(s), {info['steps']} steps of about {config['batch_tokens']} tokens,
  method `{spec.method}`, final loss {info['final_loss']}
- wall time {info['train_seconds']} s on {info['torch_threads']} CPU thread(s) ({info['machine']})
- entity types it claims (at least {MIN_SUPPORT} training spans): {', '.join(spec.supported_entities)}

## Dev split ({info['dev_texts']} free-text cells: same "dev" templates, another seed; never the heldout set)
Exact-match span scores, tagger alone; {info['dev_texts_per_second']} texts/s while scoring.

```
{format_scores(info['dev_scores'])}
```
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m privdesk.core.ner.train", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=400, help="synth rows per kind (default 400)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--method", choices=("top", "lora"), default="top")
    parser.add_argument("--lora-rank", type=int, default=16)
    parser.add_argument("--top-layers", type=int, default=3)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--batch-tokens", type=int, default=256, help="tokens per step (default 256)")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--max-minutes", type=float, default=None, help="fit the training loop into this time")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="folder to write the tagger to")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    def show(info) -> None:
        eta = f", {info.eta_s:.0f} s left" if info.eta_s is not None else ""
        print(f"\r{info.done}/{info.total} {info.message}{eta}   ", end="", file=sys.stderr, flush=True)

    command = "python -m privdesk.core.ner.train " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        result = train_tagger(None, args.output, rows=args.rows, epochs=args.epochs, seed=args.seed, progress=show,
                              command=command, method=args.method, lora_rank=args.lora_rank,
                              top_layers=args.top_layers, learning_rate=args.lr, batch_tokens=args.batch_tokens,
                              max_steps=args.max_steps, max_minutes=args.max_minutes,
                              threads=args.threads)
    except PrivDeskError as exc:
        print(f"\nerror: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; the output folder may be incomplete", file=sys.stderr)
        return 130
    print(file=sys.stderr)
    print(format_scores(result["scores"]))
    print(f"trained in {result['train_seconds']} s; {result['texts_per_second']:.1f} dev texts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
