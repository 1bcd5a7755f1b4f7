"""A long-range memory task: the label is one token d steps back, distractors in between.

Each sequence has d + 1 tokens. The first is a *key*, one of ``n_keys``
symbols; the d tokens after it are *distractors*: random tokens, drawn either
from ``n_distractors`` other symbols or, harder, from all the symbols keys
included (``shared_tokens=True``: a network cannot just ignore the symbols it
must remember). The label is the key. To answer at the last step a model must
carry the key over d steps of noise: a gated cell (LSTM, GRU) can close its
gates to the distractors, while a vanilla RNN's gradient that would teach it
passes through d Jacobian factors.
"""

from __future__ import annotations

import numpy as np


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def make_long_range_dataset(
    n_samples: int, distance: int, n_keys: int = 4, n_distractors: int = 4, shared_tokens: bool = False,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Token sequences whose label is the token ``distance`` steps before the last.

    Tokens 0..n_keys-1 are keys, n_keys..n_keys+n_distractors-1 are the other
    symbols. Sequence i is ``[key_i, r_1, ..., r_distance]`` and its label is
    ``key_i``, so at the last step the key lies exactly ``distance`` steps back.
    The r's are drawn uniformly from the other symbols, or from all
    n_keys + n_distractors symbols with ``shared_tokens``. Keys are balanced
    (each appears n_samples / n_keys times, up to one) and shuffled.

    Returns ``tokens`` of shape (n_samples, distance + 1), int64, and ``labels``
    of shape (n_samples,), int64. Chance accuracy is 1 / n_keys.
    """
    n_samples = _positive_int("n_samples", n_samples)
    distance = _positive_int("distance", distance)
    n_keys = _positive_int("n_keys", n_keys)
    n_distractors = _positive_int("n_distractors", n_distractors)
    if n_keys < 2:
        raise ValueError(f"n_keys must be at least 2 (with one key there is nothing to remember), got {n_keys}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n_samples) % n_keys).astype(np.int64)
    tokens = np.empty((n_samples, distance + 1), dtype=np.int64)
    tokens[:, 0] = labels
    low = 0 if shared_tokens else n_keys
    tokens[:, 1:] = rng.integers(low, n_keys + n_distractors, size=(n_samples, distance))
    return tokens, labels


def one_hot(tokens: np.ndarray, vocab_size: int) -> np.ndarray:
    """Tokens (..., T) as one-hot vectors (..., T, vocab_size), float32: the RNN's x_t."""
    vocab_size = _positive_int("vocab_size", vocab_size)
    tokens = np.asarray(tokens)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens must be integers, got dtype {tokens.dtype}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise ValueError(f"tokens must lie in [0, vocab_size) = [0, {vocab_size}), "
                         f"got values from {tokens.min()} to {tokens.max()}")
    return np.eye(vocab_size, dtype=np.float32)[tokens]
