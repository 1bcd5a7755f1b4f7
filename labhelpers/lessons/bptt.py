"""Lesson 3: the figure of what truncated backpropagation through time loses.

The lesson splits ``dL/dW_hh`` into its terms by lag and measures, for every number of
steps ``n``, how far each kind of truncated BPTT (a sliding window, detaching every ``n``
steps) moves the gradient from the full one; :func:`plot_truncation_errors` draws both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..plots import save_figure

TRUNCATION_NAMES = {"window": "sliding window", "detach": "detach every n steps"}


def plot_truncation_errors(
    term_norms: Sequence[float],
    errors: Mapping[str, Sequence[float]],
    n: int,
    path: str | Path | None = None,
):
    """Two panels: each lag's share of the gradient, and each truncation's error by ``n``.

    ``term_norms``: the Frobenius norm of the lag-m terms of ``dL/dW_hh``, for m = 0, 1, ...;
    ``errors``: for ``"window"`` and ``"detach"``, the relative error of the truncated
    gradient for n = 1, 2, ...; ``n``: the lesson's example, marked by a dashed line. Zeros
    (a term or an error that vanishes) are left out of the log plots. Returns the figure.
    """
    import matplotlib.pyplot as plt

    unknown = sorted(set(errors) - set(TRUNCATION_NAMES))
    if unknown:
        raise ValueError(
            f"errors names {unknown}: its keys must be among {sorted(TRUNCATION_NAMES)}"
        )
    term_norms = np.asarray(term_norms, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    left.semilogy(
        np.arange(len(term_norms)),
        np.where(term_norms > 0, term_norms, np.nan),
        marker="o",
        markersize=3,
    )
    left.set_xlabel("lag m = t - k (time steps)")
    left.set_ylabel("Frobenius norm of the lag-m terms (log scale)")
    left.set_title(r"Share of $\partial L/\partial W_{hh}$ from each lag")
    left.grid(alpha=0.3)
    for kind, marker in (("window", "o"), ("detach", "s")):
        if kind not in errors:
            continue
        error = np.asarray(errors[kind], dtype=float)
        right.semilogy(
            np.arange(1, len(error) + 1),
            np.where(error > 0, error, np.nan),
            marker=marker,
            markersize=3,
            label=TRUNCATION_NAMES[kind],
        )
    right.axvline(n, color="grey", linestyle="--", label=f"n = {n} (the example)")
    right.set_xlabel("steps n")
    right.set_ylabel("relative error of the gradient (log scale)")
    right.set_title("Truncated BPTT against the full gradient")
    right.grid(alpha=0.3)
    right.legend()
    fig.tight_layout()
    return save_figure(fig, path)
