"""Teach Opacus transformers' Conv1D (GPT-2's linear layer with a transposed weight).

Without these, Opacus falls back to functorch for every GPT-2 projection, which is slow and
memory-hungry. Conv1D computes y = x W + b with W of shape (in, out).
"""

from __future__ import annotations

import torch

_registered = False


def register_conv1d() -> None:
    global _registered
    if _registered:
        return
    from opacus.grad_sample.utils import register_grad_sampler, register_norm_sampler
    from transformers.pytorch_utils import Conv1D

    @register_grad_sampler(Conv1D)
    def conv1d_grad_sample(layer: Conv1D, activations: list[torch.Tensor], backprops: torch.Tensor) -> dict:
        a = activations[0].to(backprops.dtype)
        samples = {}
        if layer.weight.requires_grad:
            samples[layer.weight] = torch.einsum("n...i,n...j->nij", a, backprops)
        if layer.bias is not None and layer.bias.requires_grad:
            samples[layer.bias] = torch.einsum("n...k->nk", backprops)
        return samples

    @register_norm_sampler(Conv1D)
    def conv1d_norm_sample(layer: Conv1D, activations: list[torch.Tensor], backprops: torch.Tensor) -> dict:
        a = activations[0].to(backprops.dtype)
        a = a.reshape(a.shape[0], -1, a.shape[-1])
        g = backprops.reshape(backprops.shape[0], -1, backprops.shape[-1])
        norms = {}
        if layer.weight.requires_grad:
            gram = (torch.bmm(a, a.transpose(1, 2)) * torch.bmm(g, g.transpose(1, 2))).sum((1, 2))
            norms[layer.weight] = gram.clamp(min=0).sqrt()
        if layer.bias is not None and layer.bias.requires_grad:
            norms[layer.bias] = g.sum(1).norm(2, dim=1)
        return norms

    _registered = True
