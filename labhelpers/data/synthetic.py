"""Generated datasets: nothing to download, the same numbers for the same seed."""

from __future__ import annotations

import numpy as np

from ..base.checks import positive_int


def make_sum_dataset(
    n_samples: int = 1000, seq_len: int = 10, threshold: float = 5.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The "sum greater than threshold" task of lab record 004.

    Each sequence x_1..x_T has values drawn uniformly from [0, 1); its label is
    1 when sum_t x_t > threshold, else 0.

    Returns ``X`` of shape (n_samples, seq_len, 1), float32, and ``y`` of shape
    (n_samples,), int64.
    """
    n_samples = positive_int("n_samples", n_samples)
    seq_len = positive_int("seq_len", seq_len)
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    # Sums of seq_len values in [0, 1) lie in [0, seq_len): a threshold outside
    # puts every sequence in one class and there is nothing to learn.
    if not 0 < threshold < seq_len:
        raise ValueError(
            f"threshold={threshold} makes one class empty: sums of {seq_len} values in [0, 1) "
            f"lie between 0 and {seq_len}. Choose a threshold inside (0, {seq_len}), "
            f"for example seq_len / 2 = {seq_len / 2} for balanced classes."
        )
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, seq_len, 1), dtype=np.float32)
    y = (X.sum(axis=(1, 2)) > threshold).astype(np.int64)
    if y.min() == y.max():
        raise ValueError(
            f"threshold={threshold} left every one of the {n_samples} sequences in class {y[0]}; "
            f"use more samples or a threshold nearer seq_len / 2 = {seq_len / 2}"
        )
    return X, y


def split_in_order(
    X: np.ndarray, y: np.ndarray, train_fraction: float = 0.8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First ``train_fraction`` of the rows for training, the rest for validation.

    The record splits in order (first 800 of 1000 train, last 200 validation);
    with i.i.d. generated rows that is as good as a shuffled split.
    Returns ``X_train, y_train, X_val, y_val``.
    """
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if not 0 < train_fraction < 1:
        raise ValueError(
            f"train_fraction must lie strictly between 0 and 1, got {train_fraction!r}"
        )
    n_train = int(round(len(X) * train_fraction))
    if n_train == 0 or n_train == len(X):
        raise ValueError(
            f"train_fraction={train_fraction} of {len(X)} "
            "rows leaves one side empty; use more samples"
        )
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
