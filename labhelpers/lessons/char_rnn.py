"""Lesson 10 only: sampling text from a character-level model with a temperature.

The model is :class:`labhelpers.models.CharRNN`, trained by
:func:`labhelpers.training.fit_char_model` on
:class:`labhelpers.data.batches.BPTTBatches`; text goes in and out through
:class:`labhelpers.data.chars.CharCodec`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from ..checks import positive_int
from ..models import CharRNN


def temperature_softmax(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """p_i = exp(z_i / T) / sum_j exp(z_j / T) over the last dimension.

    T < 1 sharpens the distribution (lower entropy, towards the argmax),
    T > 1 flattens it (towards uniform); T = 1 is the model's own softmax.
    """
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, numbers.Real)
        or not temperature > 0
        or not math.isfinite(temperature)
    ):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    return torch.softmax(logits / temperature, dim=-1)


def entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """Shannon entropy H = -sum_i p_i log p_i (nats) over the last dimension (0 log 0 = 0)."""
    return -(torch.special.xlogy(probabilities, probabilities)).sum(dim=-1)


def _generator(seed: int | torch.Generator | None) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a torch.Generator, got {seed!r}")
    else:
        generator.manual_seed(int(seed))
    return generator


def sample_next(
    logits: torch.Tensor, temperature: float = 1.0, seed: int | torch.Generator | None = None
) -> torch.Tensor:
    """Draw one index per row from softmax(logits / temperature).

    ``logits`` of shape (vocab,) or (batch, vocab); returns shape () or
    (batch,). The draw uses its own CPU generator (``seed``), so the same seed
    gives the same draw whatever else used the global random state.
    """
    probabilities = temperature_softmax(logits.detach().float().cpu(), temperature)
    flat = probabilities.reshape(-1, probabilities.shape[-1])
    drawn = torch.multinomial(flat, 1, generator=_generator(seed))[:, 0]
    return drawn.reshape(probabilities.shape[:-1])


def generate_text(
    model: CharRNN,
    codec,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    seed: int | torch.Generator | None = 0,
) -> str:
    """Continue ``prompt`` by ``length`` characters, sampling one at a time.

    The prompt is read to set the hidden state; then each sampled character is
    fed back as the next input. ``codec`` is a
    :class:`labhelpers.data.chars.CharCodec`. Returns prompt + continuation.
    """
    positive_int("length", length)
    if not prompt:
        raise ValueError("prompt must hold at least one character to start from")
    temperature_softmax(torch.zeros(1), temperature)  # check the temperature before any work
    generator = _generator(seed)
    device = next(model.parameters()).device
    model.eval()
    drawn = []
    with torch.no_grad():
        inputs = torch.as_tensor(codec.encode(prompt), device=device)[None, :]
        logits, state = model(inputs)
        for _ in range(length):
            index = sample_next(logits[0, -1], temperature, generator)
            drawn.append(int(index))
            logits, state = model(index.reshape(1, 1).to(device), state)
    return prompt + codec.decode(drawn)
