"""A long-range memory task: the label is one token d steps back, distractors in between.

A sequence is ``prefix`` random tokens, then a *key* (one of ``n_keys``
symbols), then d random tokens: the *distractors*, drawn either from
``n_distractors`` other symbols or, harder, from all the symbols keys included
(``shared_tokens=True``: a network cannot just ignore the symbols it must
remember). The label is the key. With a prefix, :func:`one_hot` can flag the
key's position on an extra input channel, so the network knows which token to
keep. To answer at the last step a model must carry the key over d steps of
noise: a gated cell (LSTM, GRU) can open its gates for the flagged token and
close them otherwise, while a vanilla RNN adds every input into its state and
its gradient from the answer back to the key passes through d Jacobian factors.
"""

from __future__ import annotations

import numpy as np

from ..base.checks import positive_int


def make_long_range_dataset(
    n_samples: int,
    distance: int,
    n_keys: int = 4,
    n_distractors: int = 4,
    shared_tokens: bool = False,
    prefix: int = 0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Token sequences whose label is the token ``distance`` steps before the last.

    Tokens 0..n_keys-1 are keys, n_keys..n_keys+n_distractors-1 are the other
    symbols. Sequence i is ``[q_1, ..., q_prefix, key_i, r_1, ..., r_distance]``
    and its label is ``key_i``: the key sits at index ``prefix`` and, at the last
    step, exactly ``distance`` steps back. The q's and r's are drawn uniformly
    from the other symbols, or from all n_keys + n_distractors symbols with
    ``shared_tokens``. Keys are balanced (each appears n_samples / n_keys
    times, up to one) and shuffled.

    Returns ``tokens`` of shape (n_samples, prefix + distance + 1), int64, and
    ``labels`` of shape (n_samples,), int64. Chance accuracy is 1 / n_keys.
    """
    n_samples = positive_int("n_samples", n_samples)
    distance = positive_int("distance", distance)
    n_keys = positive_int("n_keys", n_keys)
    n_distractors = positive_int("n_distractors", n_distractors)
    if isinstance(prefix, bool) or not isinstance(prefix, (int, np.integer)) or prefix < 0:
        raise ValueError(f"prefix must be a non-negative integer, got {prefix!r}")
    if n_keys < 2:
        raise ValueError(
            f"n_keys must be at least 2 (with one key there is nothing to remember), got {n_keys}"
        )
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n_samples) % n_keys).astype(np.int64)
    low = 0 if shared_tokens else n_keys
    tokens = rng.integers(
        low, n_keys + n_distractors, size=(n_samples, prefix + distance + 1)
    ).astype(np.int64)
    tokens[:, prefix] = labels
    return tokens, labels


def one_hot(tokens: np.ndarray, vocab_size: int, mark_position: int | None = None) -> np.ndarray:
    """Tokens (..., T) as one-hot vectors (..., T, vocab_size), float32: the RNN's x_t.

    With ``mark_position`` an extra channel flags that step: the result is
    (..., T, vocab_size + 1) and ``[..., mark_position, vocab_size]`` is 1
    (the position of the key in :func:`make_long_range_dataset`).
    """
    vocab_size = positive_int("vocab_size", vocab_size)
    tokens = np.asarray(tokens)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens must be integers, got dtype {tokens.dtype}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab_size):
        raise ValueError(
            f"tokens must lie in [0, vocab_size) = [0, {vocab_size}), "
            f"got values from {tokens.min()} to {tokens.max()}"
        )
    encoded = np.eye(vocab_size, dtype=np.float32)[tokens]
    if mark_position is None:
        return encoded
    length = tokens.shape[-1] if tokens.ndim else 0
    if (
        isinstance(mark_position, bool)
        or not isinstance(mark_position, (int, np.integer))
        or not 0 <= mark_position < length
    ):
        raise ValueError(
            f"mark_position must be a step index in [0, {length}), got {mark_position!r}"
        )
    marker = np.zeros(encoded.shape[:-1] + (1,), dtype=np.float32)
    marker[..., mark_position, 0] = 1.0
    return np.concatenate([encoded, marker], axis=-1)
