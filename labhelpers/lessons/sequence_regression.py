"""Lesson 8 only: a validation or test MSE with its noise.

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
