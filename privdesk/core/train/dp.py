"""The DP-SGD machinery around one optimizer: per-sample clipping, noise, accounting, virtual batches.

An *engine* turns per-sample losses of physical batches into optimizer steps on logical batches:

- "fused"  (default where the model allows): our single-backward clipping (fused.py); Gaussian noise
  σ·C per coordinate, division by the expected batch size and the PRV/RDP ledger are done here.
- "ghost"  Opacus' ghost clipping (two backward passes, no per-sample gradients in memory).
- "hooks"  Opacus' classic per-sample gradients (works for any layer, via functorch when needed).
- "non-private": the same loop without clipping or noise, the utility baseline (dp=False).

σ comes from the plan (accounting.noise_multiplier_for: the smallest σ whose PRV ε is within 0.01
below the target, the criterion of Opacus' make_private_with_epsilon) and is handed to Opacus'
make_private in the ghost and hooks modes, so the search runs once per run, not once per engine.

Every engine draws Poisson-sampled logical batches with Opacus' UniformWithReplacementSampler and
splits them with Opacus' BatchMemoryManager, so all four differ only in how a gradient is formed.
The sampler and the noise use their own generators, seeded from os.urandom: an adversary who knew
the seed could subtract the noise. Their states live only in the encrypted checkpoints.
"""

from __future__ import annotations

import logging
import warnings
from abc import ABC, abstractmethod
from typing import Iterator

import torch
from torch import nn

from privdesk.core.train.accounting import PrivacyLedger
from privdesk.core.train.data import Collator, ExampleSet
from privdesk.core.train.fused import FusedClipping, unsupported_layers

log = logging.getLogger(__name__)

MODES = ("fused", "ghost", "hooks", "non-private")


class StepSignals:
    """The two calls Opacus' BatchSplittingSampler makes on an optimizer: is this physical batch the last one?"""

    def __init__(self) -> None:
        self._queue: list[bool] = []

    def signal_skip_step(self, do_skip: bool = True) -> None:
        self._queue.append(do_skip)

    def pop_skip(self) -> bool:
        return self._queue.pop(0) if self._queue else False


class Engine(ABC):
    """Turns per-sample losses of physical batches into steps on logical batches."""

    mode: str

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *, expected_batch_size: int):
        self.model = model  # what the loop calls forward on
        self.optimizer = optimizer  # the plain torch optimizer (its state goes into checkpoints)
        self.expected_batch_size = expected_batch_size

    @property
    @abstractmethod
    def batch_signals(self):
        """The object BatchMemoryManager signals the end of a logical batch to."""

    @abstractmethod
    def backward(self, per_sample_loss: torch.Tensor) -> None:
        """Gradients of one physical batch, clipped per sample when private."""

    @abstractmethod
    def step(self) -> bool:
        """After each physical batch: True when a logical batch ended and the weights were updated."""

    @abstractmethod
    def empty_step(self) -> bool:
        """Poisson sampling drew no example: a private step is still taken (it is pure noise) and counted."""

    def close(self) -> None:
        """Undo what the engine did to the model (hooks, frozen flags)."""

    def physical_batches(self, examples: ExampleSet, collator: Collator, *, sample_rate: float, steps: int,
                         generator: torch.Generator, max_physical_batch_size: int) -> Iterator[dict | None]:
        """`steps` Poisson-sampled logical batches, split into physical batches (None for an empty one)."""
        from opacus.utils.batch_memory_manager import BatchMemoryManager
        from opacus.utils.uniform_sampler import UniformWithReplacementSampler

        sampler = UniformWithReplacementSampler(num_samples=len(examples), sample_rate=sample_rate,
                                                generator=generator, steps=steps)
        loader = torch.utils.data.DataLoader(examples, batch_sampler=sampler, collate_fn=collator)
        with BatchMemoryManager(data_loader=loader, max_physical_batch_size=max_physical_batch_size,
                                optimizer=self.batch_signals) as physical:
            yield from physical


class NonPrivateEngine(Engine):
    mode = "non-private"

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *, expected_batch_size: int):
        super().__init__(model, optimizer, expected_batch_size=expected_batch_size)
        self._signals = StepSignals()

    @property
    def batch_signals(self):
        return self._signals

    def backward(self, per_sample_loss: torch.Tensor) -> None:
        # Same scaling as DP-SGD (sum over the logical batch / expected batch size), without clipping or noise.
        (per_sample_loss.sum() / self.expected_batch_size).backward()

    def step(self) -> bool:
        if self._signals.pop_skip():
            return False
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return True

    def empty_step(self) -> bool:
        self._signals.pop_skip()
        self.optimizer.zero_grad(set_to_none=True)
        return True


class _PrivateEngine(Engine):
    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *, expected_batch_size: int,
                 noise_multiplier: float, max_grad_norm: float, sample_rate: float, noise_generator: torch.Generator,
                 ledger: PrivacyLedger):
        super().__init__(model, optimizer, expected_batch_size=expected_batch_size)
        self.noise_multiplier = noise_multiplier
        self.max_grad_norm = max_grad_norm
        self.sample_rate = sample_rate
        self.noise_generator = noise_generator
        self.ledger = ledger


class FusedEngine(_PrivateEngine):
    mode = "fused"

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, **settings):
        super().__init__(model, optimizer, **settings)
        self.clipping = FusedClipping(model, self.max_grad_norm)
        self.clipping.attach()
        self._signals = StepSignals()

    @property
    def batch_signals(self):
        return self._signals

    def backward(self, per_sample_loss: torch.Tensor) -> None:
        self.clipping.backward(per_sample_loss)

    def step(self) -> bool:
        if self._signals.pop_skip():
            return False
        return self._noisy_step()

    def empty_step(self) -> bool:
        self._signals.pop_skip()
        return self._noisy_step()

    def _noisy_step(self) -> bool:
        std = self.noise_multiplier * self.max_grad_norm
        scale = 1.0 / self.expected_batch_size
        for parameter, clipped_sum in self.clipping.take_sums():
            noise = torch.empty_like(clipped_sum).normal_(0.0, std, generator=self.noise_generator)
            parameter.grad = clipped_sum.add_(noise).mul_(scale)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.ledger.step(self.noise_multiplier, self.sample_rate)
        return True

    def close(self) -> None:
        self.clipping.detach()


class OpacusEngine(_PrivateEngine):
    """Opacus' PrivacyEngine.make_private with ghost clipping or per-sample hooks."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *, mode: str, examples: ExampleSet,
                 batch_size: int, **settings):
        super().__init__(model, optimizer, **settings)
        from opacus import PrivacyEngine

        from privdesk.core.train.opacus_layers import register_conv1d

        register_conv1d()
        self.mode = mode
        # make_private derives q = 1/len(loader) from this loader: ceil(N / batch_size) batches, as planned.
        planning_loader = torch.utils.data.DataLoader(examples, batch_size=batch_size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "secure RNG turned off": our generators are seeded from os.urandom
            self.privacy_engine = PrivacyEngine(accountant="prv")
            self.privacy_engine.accountant.history = list(self.ledger.history)
            made = self.privacy_engine.make_private(
                module=model, optimizer=optimizer, data_loader=planning_loader,
                noise_multiplier=self.noise_multiplier, max_grad_norm=self.max_grad_norm,
                poisson_sampling=True, grad_sample_mode=mode, noise_generator=self.noise_generator,
                criterion=nn.CrossEntropyLoss())
        self.model, self.dp_optimizer = made[0], made[1]
        if abs(1.0 / len(made[-1]) - self.sample_rate) > 1e-12:
            raise RuntimeError(f"Opacus sampling rate {1.0 / len(made[-1])} differs from the plan's {self.sample_rate}")

    @property
    def batch_signals(self):
        return self.dp_optimizer

    def backward(self, per_sample_loss: torch.Tensor) -> None:
        with warnings.catch_warnings():
            # With frozen embeddings (LoRA) no model input requires grad; Opacus' hooks still see every layer.
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            if self.mode == "ghost":
                from opacus.utils.fast_gradient_clipping_utils import DPTensorFastGradientClipping

                DPTensorFastGradientClipping(self.model, self.dp_optimizer, per_sample_loss, "mean").backward()
            else:
                per_sample_loss.mean().backward()

    def step(self) -> bool:
        self.dp_optimizer.step()
        stepped = not self.dp_optimizer._is_last_step_skipped  # Opacus keeps this flag for BatchMemoryManager
        self.dp_optimizer.zero_grad(set_to_none=True)
        if stepped:
            self.ledger.step(self.noise_multiplier, self.sample_rate)
        return stepped

    def empty_step(self) -> bool:
        # No forward pass ran, so hand Opacus the gradients of zero samples; it adds the noise and accounts.
        for parameter in self.dp_optimizer.params:
            if self.mode == "ghost":
                parameter.grad = torch.zeros_like(parameter)
            else:
                parameter.grad_sample = torch.zeros((0, *parameter.shape), dtype=parameter.dtype,
                                                    device=parameter.device)
        return self.step()

    def close(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            remove = getattr(self.model, "_close", None)
            if callable(remove):
                remove()


def choose_mode(requested: str, model: nn.Module, *, private: bool) -> tuple[str, str]:
    """(mode, why): the gradient mode to use and a sentence for the plan."""
    if not private:
        return "non-private", "no clipping or noise (baseline)"
    problems = unsupported_layers(model)
    if requested == "fused" and problems:
        from privdesk.core.train.errors import TrainingError

        raise TrainingError("fused clipping cannot train this model: " + "; ".join(problems[:3]) + ".",
                            hint="Use grad_sample_mode 'ghost' or 'hooks'.")
    if requested in ("fused", "ghost", "hooks"):
        return requested, "as requested"
    if not problems:
        return "fused", "per-sample clipping in one backward pass"
    return "ghost", "Opacus ghost clipping (fused clipping does not support " + "; ".join(problems[:3]) + ")"


def make_engine(mode: str, model: nn.Module, optimizer: torch.optim.Optimizer, *, examples: ExampleSet,
                batch_size: int, expected_batch_size: int, noise_multiplier: float, max_grad_norm: float,
                sample_rate: float, noise_generator: torch.Generator, ledger: PrivacyLedger) -> Engine:
    """The engine for `mode`; Opacus ghost clipping falls back to hooks when the model does not allow it."""
    if mode == "non-private":
        return NonPrivateEngine(model, optimizer, expected_batch_size=expected_batch_size)
    settings = dict(expected_batch_size=expected_batch_size, noise_multiplier=noise_multiplier,
                    max_grad_norm=max_grad_norm, sample_rate=sample_rate, noise_generator=noise_generator,
                    ledger=ledger)
    if mode == "fused":
        return FusedEngine(model, optimizer, **settings)
    try:
        return OpacusEngine(model, optimizer, mode=mode, examples=examples, batch_size=batch_size, **settings)
    except NotImplementedError as error:
        if mode != "ghost":
            raise
        log.warning("ghost clipping is not possible for this model (%s); using per-sample hooks", error)
        return OpacusEngine(model, optimizer, mode="hooks", examples=examples, batch_size=batch_size, **settings)
