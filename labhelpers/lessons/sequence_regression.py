"""Lesson 10: a validation or test MSE with its noise, and the lesson's figures.

One layer against two is trained from several seeds: the mean MSE over seeds
with the standard error of that mean (:func:`labhelpers.noise.over_seeds`).
With one seed there is no spread over seeds to measure, and the MSE carries
the standard error of the mean over the sequences it was measured on
(:func:`labhelpers.noise.over_items`): the sample's luck only, not the seed's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .. import noise


def squared_errors(predicted, targets) -> np.ndarray:
    """Each sequence's squared error, (n,), from predictions and targets of shape (n, 1) or (n,)."""
    predicted = np.asarray(predicted, dtype=np.float64).reshape(len(predicted), -1)
    targets = np.asarray(targets, dtype=np.float64).reshape(len(targets), -1)
    if predicted.shape != targets.shape:
        raise ValueError(f"predicted {predicted.shape} and targets {targets.shape} must match")
    return ((predicted - targets) ** 2).mean(axis=1)


def mse_measured(seed_mses: Sequence[float], errors, what: str) -> noise.Measured:
    """An MSE with its noise: over seeds where there are two or more, else over ``errors``.

    ``seed_mses`` holds one MSE per seed; ``errors`` the first seed's squared
    error per sequence (:func:`squared_errors`), used when there is one seed;
    ``what`` names those sequences ("validation sequences").
    """
    values = [float(value) for value in seed_mses]
    if not values:
        raise ValueError("mse_measured needs the MSE of at least one seed")
    if len(values) >= 2:
        return noise.over_seeds(values)
    return noise.over_items(errors, what=what)


def mse_table(figures: Mapping[str, noise.Measured], reference: str, value: str):
    """:func:`labhelpers.noise.comparison_table` for MSEs, whose differences are too small
    for its two decimals: the value column named ``value``, its ±, the difference from
    ``reference`` with its standard error to four decimals, and the verdict, where
    "above" means a lower MSE than the reference's (more than two standard errors)."""
    table = noise.comparison_table(
        figures, reference=reference, percent=False, higher_is_better=False
    )
    differences = []
    for name, figure in figures.items():
        d, se = noise.difference(figure, figures[reference])
        differences.append("" if name == reference else f"{d:+.4f} ± {se:.4f}")
    table[f"vs {reference}"] = differences
    return table.rename(columns={"value": value, "verdict": "verdict (above: lower MSE)"})


# ---------------------------------------------------------------- figures


def plot_sequences_with_targets(X, y, count: int = 3):
    """The first ``count`` sequences of ``X`` (n, T, 1) against the step, each with its target
    ``y`` (n, 1) as a star at step T in the sequence's colour. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    steps = np.arange(X.shape[1])
    for i in range(count):
        (line,) = ax.plot(steps, X[i, :, 0], marker=".", label=f"sequence {i}")
        ax.plot(X.shape[1], y[i, 0], marker="*", markersize=12, color=line.get_color())
    ax.set_xlabel("time step t")
    ax.set_ylabel("value")
    ax.set_title("Three training sequences; the star is the target (the next, noise-free value)")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_mse_history(history, title: str):
    """:func:`labhelpers.plots.plot_history` of a regression run, its MSE on a log scale."""
    from ..plots import plot_history

    fig = plot_history(history, title=title)
    fig.axes[0].set_yscale("log")
    fig.axes[0].set_ylabel("MSE (log scale)")
    return fig


def plot_validation_curves(curves: Mapping[str, Sequence[float]], last_value_mse: float):
    """Validation MSE against the epoch, one line per label of ``curves``, on a log scale, with
    the last-value predictor's MSE dashed (one RNN layer against two). Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for label, curve in curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
    ax.axhline(last_value_mse, color="gray", linestyle="--", label="last-value predictor")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation MSE (log scale)")
    ax.set_title("One RNN layer against two")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def plot_predicted_against_true(targets, predicted, mse: float):
    """Each test sequence's predicted next value against the true one, with the diagonal of
    perfect predictions; the title gives the test ``mse``. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4))
    ax.scatter(targets[:, 0], predicted[:, 0], s=10, alpha=0.6)
    ax.plot([-1, 1], [-1, 1], color="black", linewidth=1, label="perfect prediction")
    ax.set_xlabel("true next value")
    ax.set_ylabel("predicted next value")
    ax.set_title(f"Test sequences (MSE {mse:.4f})")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig
