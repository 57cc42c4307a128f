"""Per-sample gradient clipping in a single backward pass ("book-keeping" clipping).

Opacus' ghost clipping runs two backward passes (one for the per-sample norms, one for the
clipped gradient); its hooks mode materialises a gradient per sample (for full fine-tuning of a
135M model, batch × 135M floats). On a CPU they cost about 1.7-2.7x a plain step (bench/dp_overhead.py).
This module gets the same clipped sum  Σ_i min(1, C/‖g_i‖) g_i  with one backward:

1. The trainable weights are set to requires_grad=False, so autograd computes activation gradients
   only. A forward hook on each trainable layer keeps its input and, through a tensor hook on its
   output, the gradient of the loss with respect to that output (the "backprop").
2. Per-sample gradient norms come from inputs and backprops alone: for a linear layer
   ‖Σ_t g_t a_tᵀ‖² = Σ_{t,s} (a_t·a_s)(g_t·g_s) ("ghost norm", Li et al. 2022), or from the
   per-sample gradient itself when that is smaller than the T×T Gram matrices.
3. With the clip factors c_i known, each weight's clipped sum is one matrix product (c·g)ᵀa, which
   is the product autograd would have done for the unclipped gradient anyway (Bu et al. 2023).

Noise, the optimizer step and the privacy accounting stay with the caller (dp.py). Supported
layers: nn.Linear, transformers' Conv1D (GPT-2), nn.Embedding, nn.LayerNorm and RMSNorm layers
(Llama, Qwen, ...). A model with any other trainable layer, or a layer called twice in one
forward (shared weights), is refused so the caller falls back to Opacus.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F


def _conv1d_class() -> type | None:
    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:  # pragma: no cover - transformers is a dependency
        return None
    return Conv1D


def _is_rms_norm(module: nn.Module) -> bool:
    weight = getattr(module, "weight", None)
    return (type(module).__name__.endswith("RMSNorm") and isinstance(weight, nn.Parameter) and weight.dim() == 1
            and all(name == "weight" for name, _ in module.named_parameters(recurse=False)))


def layer_kind(module: nn.Module) -> str | None:
    """The kind of trainable layer this module is for fused clipping, or None when unsupported."""
    conv1d = _conv1d_class()
    if isinstance(module, nn.Linear):
        return "linear"
    if conv1d is not None and isinstance(module, conv1d):
        return "conv1d"
    if isinstance(module, nn.Embedding):
        return "embedding"
    if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
        return "layer_norm"
    if _is_rms_norm(module):
        return "rms_norm"
    return None


def trainable_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules that own at least one trainable parameter directly."""
    return [(name, module) for name, module in model.named_modules()
            if any(p.requires_grad for p in module.parameters(recurse=False))]


def unsupported_layers(model: nn.Module) -> list[str]:
    """Why fused clipping cannot run on this model: unsupported layer types and shared parameters."""
    problems, owners = [], {}
    for name, module in trainable_layers(model):
        if layer_kind(module) is None:
            problems.append(f"{name or 'model'} ({type(module).__name__})")
        for parameter in module.parameters(recurse=False):
            if parameter.requires_grad:
                if id(parameter) in owners:
                    problems.append(f"{name} shares a parameter with {owners[id(parameter)]}")
                owners[id(parameter)] = name
    return problems


class _Record:
    """What one layer saw in the current forward/backward: its input and its output gradient."""

    __slots__ = ("module", "kind", "params", "param_ids", "activation", "backprop", "calls")

    def __init__(self, module: nn.Module, kind: str):
        self.module = module
        self.kind = kind
        self.params = [p for p in module.parameters(recurse=False) if p.requires_grad]
        self.param_ids = {id(p) for p in self.params}
        self.activation: torch.Tensor | None = None
        self.backprop: torch.Tensor | None = None
        self.calls = 0


class FusedClipping:
    """Accumulates Σ_i min(1, C/‖g_i‖) g_i over the physical batches of one logical batch."""

    def __init__(self, model: nn.Module, max_grad_norm: float):
        problems = unsupported_layers(model)
        if problems:
            raise NotImplementedError("fused clipping does not support: " + "; ".join(problems[:5]))
        self.max_grad_norm = float(max_grad_norm)
        self.records = [_Record(module, layer_kind(module)) for _, module in trainable_layers(model)]  # type: ignore[arg-type]
        self.params = [p for record in self.records for p in record.params]
        self.summed: dict[int, torch.Tensor] = {}
        self.last_norms: torch.Tensor | None = None
        self._anchor = torch.zeros((), requires_grad=True)
        self._handles: list = []
        self._attached = False

    # ---- hooks --------------------------------------------------------------------------------------

    def attach(self) -> None:
        if self._attached:
            return
        for parameter in self.params:
            parameter.requires_grad_(False)  # autograd skips weight gradients; we form them ourselves
        for record in self.records:
            self._handles.append(record.module.register_forward_hook(self._forward_hook(record)))
        self._attached = True

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        for parameter in self.params:
            parameter.requires_grad_(True)
        self._attached = False

    def _forward_hook(self, record: _Record) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor):
            if not (module.training and torch.is_grad_enabled()):
                return None
            record.calls += 1
            if record.calls > 1:
                raise RuntimeError(f"fused clipping: {type(module).__name__} ran twice in one forward pass "
                                   "(shared weights); use grad_sample_mode='ghost' or 'hooks'")
            record.activation = inputs[0].detach()
            if not output.requires_grad:
                # With every weight frozen the graph would start nowhere; adding a zero that requires grad
                # makes this output a differentiable (non-leaf) tensor at no measurable cost.
                output = output + self._anchor.to(output.dtype)

            def keep_backprop(grad: torch.Tensor) -> None:
                record.backprop = grad.detach()

            output.register_hook(keep_backprop)
            return output

        return hook

    # ---- one physical batch -------------------------------------------------------------------------

    def backward(self, per_sample_loss: torch.Tensor) -> torch.Tensor:
        """Backpropagate the per-sample losses, clip each sample's gradient, add the clipped sum. Returns the norms."""
        for record in self.records:
            record.calls = 0
        per_sample_loss.sum().backward()
        self._anchor.grad = None
        batch = per_sample_loss.shape[0]
        squared = torch.zeros(batch, dtype=torch.float32, device=per_sample_loss.device)
        prepared = []
        for record in self.records:
            if record.activation is None or record.backprop is None:
                continue  # not on the path to the loss this time: its gradient is zero for every sample
            work = _LAYER_WORK[record.kind](record)
            squared += work.squared_norms()
            prepared.append(work)
        norms = squared.sqrt()
        factors = (self.max_grad_norm / (norms + 1e-6)).clamp(max=1.0)
        for work in prepared:
            for parameter, gradient in work.clipped_sums(factors):
                key = id(parameter)
                if key in self.summed:
                    self.summed[key] += gradient
                else:
                    self.summed[key] = gradient
        for record in self.records:
            record.activation = record.backprop = None
        self.last_norms = norms.detach()
        return self.last_norms

    def take_sums(self) -> list[tuple[nn.Parameter, torch.Tensor]]:
        """The clipped sums of the logical batch (zeros for parameters no sample touched); resets the sums."""
        sums = [(p, self.summed.get(id(p), torch.zeros_like(p))) for p in self.params]
        self.summed = {}
        return sums


# ---- per-layer mathematics ------------------------------------------------------------------------------


def _trained(record: _Record, name: str) -> nn.Parameter | None:
    """The module's parameter `name` when it is one of those being trained (compared by identity)."""
    parameter = getattr(record.module, name, None)
    return parameter if parameter is not None and id(parameter) in record.param_ids else None


def _as_sequences(tensor: torch.Tensor) -> torch.Tensor:
    """(B, ..., d) -> (B, T, d) with T the product of the middle dimensions (1 for 2-D inputs)."""
    return tensor.reshape(tensor.shape[0], -1, tensor.shape[-1]).float()


class _LinearWork:
    """nn.Linear (weight out×in) and Conv1D (weight in×out): y = a W + b, per sample over T positions."""

    def __init__(self, record: _Record):
        module = record.module
        self.transposed = record.kind == "conv1d"
        self.weight = _trained(record, "weight")
        self.bias = _trained(record, "bias")
        self.a = _as_sequences(record.activation)
        self.g = _as_sequences(record.backprop)
        self.per_sample: torch.Tensor | None = None

    def squared_norms(self) -> torch.Tensor:
        batch, length, d_in = self.a.shape
        d_out = self.g.shape[-1]
        total = torch.zeros(batch, device=self.g.device)
        if self.weight is not None:
            if length == 1:
                total += self.a.pow(2).sum((1, 2)) * self.g.pow(2).sum((1, 2))
            elif length * (d_in + d_out) < d_in * d_out:  # the T×T Gram matrices are the smaller work
                total += (torch.bmm(self.a, self.a.transpose(1, 2)) * torch.bmm(self.g, self.g.transpose(1, 2))).sum((1, 2))
            else:
                self.per_sample = torch.bmm(self.g.transpose(1, 2), self.a)  # B × out × in
                total += self.per_sample.pow(2).sum((1, 2))
        if self.bias is not None:
            self.bias_per_sample = self.g.sum(1)
            total += self.bias_per_sample.pow(2).sum(1)
        return total

    def clipped_sums(self, factors: torch.Tensor):
        if self.weight is not None:
            if self.per_sample is not None:
                weight_grad = torch.einsum("b,boi->oi", factors, self.per_sample)
            else:
                scaled = (self.g * factors[:, None, None]).reshape(-1, self.g.shape[-1])
                weight_grad = scaled.t() @ self.a.reshape(-1, self.a.shape[-1])
            if self.transposed:
                weight_grad = weight_grad.t()
            yield self.weight, weight_grad.to(self.weight.dtype).contiguous()
        if self.bias is not None:
            yield self.bias, (factors @ self.bias_per_sample).to(self.bias.dtype)


class _EmbeddingWork:
    """Rows of the table are picked by token id; a sample's gradient adds up the rows its tokens picked."""

    def __init__(self, record: _Record):
        module = record.module
        self.weight = module.weight
        self.ids = record.activation.reshape(record.activation.shape[0], -1)
        self.g = _as_sequences(record.backprop)
        if module.padding_idx is not None:
            self.g = self.g * (self.ids != module.padding_idx).unsqueeze(-1)

    def squared_norms(self) -> torch.Tensor:
        same_token = (self.ids.unsqueeze(2) == self.ids.unsqueeze(1)).float()
        return (same_token * torch.bmm(self.g, self.g.transpose(1, 2))).sum((1, 2))

    def clipped_sums(self, factors: torch.Tensor):
        scaled = (self.g * factors[:, None, None]).reshape(-1, self.g.shape[-1])
        grad = torch.zeros(self.weight.shape, dtype=torch.float32, device=scaled.device)
        grad.index_add_(0, self.ids.reshape(-1), scaled)
        yield self.weight, grad.to(self.weight.dtype)


class _NormWork:
    """LayerNorm and RMSNorm: per-sample gradients are small (B × d), so they are formed directly."""

    def __init__(self, record: _Record):
        module = record.module
        a = _as_sequences(record.activation)
        g = _as_sequences(record.backprop)
        if record.kind == "layer_norm":
            normalized = F.layer_norm(a, module.normalized_shape, None, None, module.eps)
        else:
            eps = getattr(module, "variance_epsilon", None) or getattr(module, "eps", None) or torch.finfo(a.dtype).eps
            normalized = a * torch.rsqrt(a.pow(2).mean(-1, keepdim=True) + eps)
        self.parts: list[tuple[nn.Parameter, torch.Tensor]] = []
        weight, bias = _trained(record, "weight"), _trained(record, "bias")
        if weight is not None:
            self.parts.append((weight, (g * normalized).sum(1)))
        if bias is not None:
            self.parts.append((bias, g.sum(1)))

    def squared_norms(self) -> torch.Tensor:
        return sum(per_sample.pow(2).sum(1) for _, per_sample in self.parts)

    def clipped_sums(self, factors: torch.Tensor):
        for parameter, per_sample in self.parts:
            yield parameter, (factors @ per_sample).to(parameter.dtype)


_LAYER_WORK = {"linear": _LinearWork, "conv1d": _LinearWork, "embedding": _EmbeddingWork,
               "layer_norm": _NormWork, "rms_norm": _NormWork}
