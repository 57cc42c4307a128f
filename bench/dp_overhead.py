"""Benchmark: time per optimizer step, DP-SGD vs non-private, same model, same batch, in the same process.

For each model (Tiny GPT-2, SmolLM2-135M) and method (full fine-tuning, LoRA) it times the
non-private step and the DP step in each gradient mode:

  fused   PrivDesk's single-backward per-sample clipping (privdesk/core/train/fused.py), the default
  ghost   Opacus ghost clipping (two backward passes)
  hooks   Opacus per-sample gradients (the classic DP-SGD implementation)

A DP step includes everything DP adds: per-sample clipping, Gaussian noise on every trainable
coordinate and the accounting. Each mode starts from the same weights and sees the same fixed batch.
Targets: <= 2.0x for full fine-tuning, <= 1.3x for LoRA.

Usage: python bench/dp_overhead.py [--models tiny,smollm2] [--methods full,lora] [--modes fused,ghost,hooks]
                                   [--batch-size 8] [--length 128] [--steps 3] [--threads N] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from privdesk.core.train.accounting import PrivacyLedger  # noqa: E402
from privdesk.core.train.config import TrainConfig  # noqa: E402
from privdesk.core.train.data import ExampleSet, model_inputs, per_sample_loss  # noqa: E402
from privdesk.core.train.dp import make_engine  # noqa: E402
from privdesk.core.train.models import LoadedModel, build_tiny, load_smollm2, prepare_for_training  # noqa: E402
from privdesk.core.train.tiny_tokenizer import public_tiny_tokenizer  # noqa: E402

TARGETS = {"full": 2.0, "lora": 1.3}


def base_model(name: str) -> LoadedModel:
    if name == "smollm2":
        return load_smollm2()
    config = TrainConfig(data_path="unused.csv", model="tiny", max_length=512)
    return build_tiny(config, public_tiny_tokenizer(config.tiny_vocab_size))


def prepared(loaded: LoadedModel, method: str) -> torch.nn.Module:
    fresh = LoadedModel(copy.deepcopy(loaded.model), loaded.tokenizer, dict(loaded.info))
    config = TrainConfig(data_path="unused.csv", lora=method == "lora", lora_rank=8)
    model = prepare_for_training(fresh, config)
    model.train()
    return model


def fixed_batch(vocab: int, batch_size: int, length: int, device: str) -> dict:
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1, vocab, (batch_size, length), generator=generator)
    return {"input_ids": ids.to(device), "attention_mask": torch.ones_like(ids).to(device), "labels": ids.to(device),
            "position_ids": torch.arange(length).expand(batch_size, length).contiguous().to(device)}


def make_mode_engine(mode: str, model: torch.nn.Module, batch: dict, device: str):
    model = copy.deepcopy(model).to(device)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    batch_size = batch["input_ids"].shape[0]
    return make_engine(mode, model, optimizer, examples=ExampleSet([[1]] * (batch_size * 10)), batch_size=batch_size,
                       expected_batch_size=batch_size, noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.1,
                       noise_generator=torch.Generator(device=device), ledger=PrivacyLedger())


def one_step(engine, batch: dict, device: str) -> float:
    """Seconds for forward, backward, clipping and noise where private, and the optimizer step."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    logits = engine.model(**model_inputs(batch, device)).logits
    engine.backward(per_sample_loss(logits, batch["labels"]))
    del logits
    assert engine.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - started


def time_modes(modes: list[str], model: torch.nn.Module, batch: dict, steps: int, warmup: int,
               device: str) -> dict[str, float]:
    """Median seconds per step of each mode. The modes take turns step by step, so a machine that gets
    busier or quieter during the run shifts them all alike instead of skewing the ratios."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engines = {mode: make_mode_engine(mode, model, batch, device) for mode in modes}
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for index in range(warmup + steps):
            for mode, engine in engines.items():
                seconds = one_step(engine, batch, device)
                if index >= warmup:
                    times[mode].append(seconds)
        for engine in engines.values():
            engine.close()
    return {mode: statistics.median(values) for mode, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="tiny,smollm2")
    parser.add_argument("--methods", default="full,lora")
    parser.add_argument("--modes", default="fused,ghost,hooks")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--length", type=int, default=128, help="tokens per example (every example full length)")
    parser.add_argument("--steps", type=int, default=3, help="timed steps per mode (median reported)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                        help="torch threads (default: all cores but one, as training uses)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PrivDesk DP overhead: batch {args.batch_size} x {args.length} tokens, median of {args.steps} steps "
          f"after {args.warmup} warm-up, modes interleaved step by step; device {args.device}, {args.threads} torch thread(s) of {os.cpu_count()} "
          f"CPUs; torch {torch.__version__}, Python {platform.python_version()}\n")
    rows = []
    for model_name in args.models.split(","):
        loaded = base_model(model_name)
        vocab = loaded.model.config.vocab_size
        batch = fixed_batch(vocab, args.batch_size, args.length, args.device)
        for method in args.methods.split(","):
            model = prepared(loaded, method)
            trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
            timed = time_modes(["non-private", *args.modes.split(",")], model, batch, args.steps, args.warmup,
                               args.device)
            baseline = timed.pop("non-private")
            rows.append((model_name, method, "non-private", baseline, 1.0, trainable))
            print(f"{model_name:8} {method:5} non-private  {baseline:8.3f} s/step", flush=True)
            for mode, seconds in timed.items():
                rows.append((model_name, method, mode, seconds, seconds / baseline, trainable))
                print(f"{model_name:8} {method:5} {mode:12} {seconds:8.3f} s/step  {seconds / baseline:5.2f}x", flush=True)
    print("\nmodel     method  mode          s/step   vs non-private  target          trainable params")
    print("--------  ------  -----------  -------  --------------  --------------  ----------------")
    for model_name, method, mode, seconds, ratio, trainable in rows:
        target = "" if mode == "non-private" else (f"<= {TARGETS[method]:.1f}x " + ("ok" if ratio <= TARGETS[method] else "MISSED"))
        print(f"{model_name:8}  {method:6}  {mode:11}  {seconds:7.3f}  {ratio:13.2f}x  {target:14}  {trainable:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
