"""Lesson 1 only: the RNN's accuracy on the sum task, read against the task's baselines.

The RNN is trained from several seeds, so its accuracy is the mean over seeds
with the standard error of that mean (:func:`labhelpers.noise.over_seeds`); a
baseline is one accuracy on the validation sequences with its binomial
standard error. Every comparison sentence comes from :func:`labhelpers.noise.compare`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import noise


def rnn_accuracy(seed_accuracies: Sequence[float], n_items: int) -> noise.Measured:
    """The RNN's validation accuracy with its noise.

    With two seeds or more: their mean and the standard error of that mean.
    With one seed: that run's accuracy and its binomial standard error on the
    ``n_items`` validation sequences (the test sample's luck only).
    """
    values = [float(value) for value in seed_accuracies]
    if not values:
        raise ValueError("rnn_accuracy needs the accuracy of at least one seed")
    if len(values) >= 2:
        return noise.over_seeds(values)
    return noise.binomial(values[0], n_items)


def against_baselines(
    rnn_name: str, rnn: noise.Measured, baselines: Mapping[str, noise.Measured]
) -> str:
    """One sentence per baseline, each worded by :func:`labhelpers.noise.compare`
    from the difference and its standard error ("within noise" under two)."""
    if not baselines:
        raise ValueError("against_baselines needs at least one baseline")
    return " ".join(
        noise.compare(rnn_name, rnn, name, figure) for name, figure in baselines.items()
    )
