"""How sure a measured figure is, and the one rule that words a comparison.

A single training run is one draw (lesson 1 measures the spread over seeds), so
every figure that is compared carries a standard error, and every sentence that
says a model "beats" another, or that a change "gains" or "costs" something, is
written here from the difference and its standard error: a difference under
two standard errors reads "within noise". The notebooks write no such word
themselves (a test reads them for it).

Two sources of a standard error:

- ``over_seeds``: the same configuration trained from several seeds; the
  standard error of their mean (standard deviation with ddof=1 over sqrt(k)).
- ``binomial``: one run's accuracy on n independent test items,
  sqrt(p (1 - p) / n). It counts the test sample's luck only, not the seed's,
  so it is a lower bound on the noise between two trainings.

Two figures measured on the same test items are not independent; adding their
variances (``difference``) is the usual conservative approximation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .base.checks import positive_int

# A difference under this many standard errors is called "within noise".
NOISE_LEVEL = 2.0


@dataclass(frozen=True)
class Measured:
    """A figure with its standard error and where the error comes from.

    ``value`` and ``se`` are in the figure's own unit (a fraction for an
    accuracy); ``source`` says how ``se`` was measured, for tables and sentences.
    """

    value: float
    se: float
    source: str

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"a measured value must be finite, got {self.value}")
        if not (math.isfinite(self.se) and self.se >= 0):
            raise ValueError(f"a standard error must be finite and at least 0, got {self.se}")

    def show(self, percent: bool = True) -> str:
        """``83.48% ± 0.52`` (points) for a fraction, ``0.0123 ± 0.0004`` otherwise."""
        if percent:
            return f"{100 * self.value:.2f}% ± {100 * self.se:.2f}"
        return f"{self.value:.4g} ± {self.se:.2g}"


def binomial(accuracy: float, n: int) -> Measured:
    """An accuracy measured on ``n`` independent items, with its binomial standard error."""
    positive_int("n", n)
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must be a fraction in [0, 1], got {accuracy}")
    se = math.sqrt(accuracy * (1.0 - accuracy) / n)
    return Measured(float(accuracy), se, f"binomial s.e. of {n:,} test items")


def over_seeds(values: Iterable[float]) -> Measured:
    """The mean of one figure over several seeds, with the standard error of that mean."""
    values = [float(v) for v in values]
    if len(values) < 2:
        raise ValueError(
            f"over_seeds needs at least 2 seeds to measure a spread, got {len(values)}: "
            "raise n_seeds, or use binomial() for one run's test accuracy"
        )
    k = len(values)
    mean = sum(values) / k
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (k - 1))
    return Measured(mean, sd / math.sqrt(k), f"s.e. of the mean over {k} seeds")


def difference(a: Measured, b: Measured) -> tuple[float, float]:
    """``a - b`` and its standard error (the two variances added)."""
    return a.value - b.value, math.hypot(a.se, b.se)


def verdict(a: Measured, b: Measured, higher_is_better: bool = True) -> str:
    """``"above"``, ``"below"`` or ``"within noise"``: where ``a`` stands against ``b``.

    "above" means better (higher, or lower when ``higher_is_better`` is False),
    by at least ``NOISE_LEVEL`` standard errors of the difference.
    """
    d, se = difference(a, b)
    if not higher_is_better:
        d = -d
    if abs(d) < NOISE_LEVEL * se or d == 0:
        return "within noise"
    return "above" if d > 0 else "below"


def _signed(d: float, se: float, percent: bool) -> str:
    """``+1.20 ± 0.80 points`` (a fraction) or ``+0.0123 ± 0.004``: a difference and its error."""
    if percent:
        return f"{100 * d:+.2f} ± {100 * se:.2f} points"
    return f"{d:+.4g} ± {se:.2g}"


def _amount(d: float, se: float, percent: bool) -> str:
    if percent:
        return f"{100 * abs(d):.2f} ± {100 * se:.2f} points"
    return f"{abs(d):.4g} ± {se:.2g}"


_UNDER = f"under {NOISE_LEVEL:g} standard errors"
_BEYOND = f"more than {NOISE_LEVEL:g} standard errors"


def _in_words(
    a: Measured, b: Measured, higher_is_better: bool, percent: bool
) -> tuple[str, str, str]:
    """``a - b`` as a verdict, a signed difference with its error, and an unsigned amount."""
    d, se = difference(a, b)
    return verdict(a, b, higher_is_better), _signed(d, se, percent), _amount(d, se, percent)


def compare(
    name_a: str,
    a: Measured,
    name_b: str,
    b: Measured,
    *,
    percent: bool = True,
    higher_is_better: bool = True,
) -> str:
    """One sentence comparing two measured figures, worded from their noise.

    >>> compare("the LSTM", binomial(0.85, 2000), "the SimpleRNN", binomial(0.70, 2000))
    'the LSTM beats the SimpleRNN by 15.00 ± 1.30 points (more than 2 standard errors).'
    """
    side, signed, amount = _in_words(a, b, higher_is_better, percent)
    verb = {"above": "beats", "below": "is worse than"}.get(side)
    if verb is None:
        return f"{name_a} and {name_b} are within noise of each other ({signed}, {_UNDER})."
    return f"{name_a} {verb} {name_b} by {amount} ({_BEYOND})."


def effect(
    change: str,
    before: Measured,
    after: Measured,
    what: str = "test accuracy",
    *,
    higher_is_better: bool = True,
    percent: bool = True,
) -> str:
    """One sentence on what a change did to a figure: gains, costs, or within noise.

    >>> effect("Pooling", binomial(0.70, 2000), binomial(0.80, 2000))
    'Pooling gains 10.00 ± 1.36 points of test accuracy (more than 2 standard errors).'
    """
    side, signed, amount = _in_words(after, before, higher_is_better, percent)
    unit = "of " if percent else "in "
    verb = {"above": "gains", "below": "costs"}.get(side)
    if verb is None:
        return f"{change} changes {what} by {signed}: within noise ({_UNDER})."
    return f"{change} {verb} {amount} {unit}{what} ({_BEYOND})."


def comparison_table(
    figures: Mapping[str, Measured],
    reference: str,
    *,
    percent: bool = True,
    higher_is_better: bool = True,
):
    """A table of measured figures with their ± column and each one's verdict against ``reference``.

    Columns: value, ±, difference from the reference, and "above", "below" or
    "within noise" (worded by ``verdict``). Percent figures are in points.
    """
    import pandas as pd

    if reference not in figures:
        raise ValueError(
            f"reference {reference!r} must be one of the figures: {', '.join(figures)}"
        )
    scale = 100.0 if percent else 1.0
    base = figures[reference]
    rows = []
    for name, figure in figures.items():
        d, se = difference(figure, base)
        rows.append(
            {
                "": name,
                "value": scale * figure.value,
                "±": scale * figure.se,
                f"vs {reference}": ""
                if name == reference
                else (
                    f"{scale * d:+.2f} ± {scale * se:.2f}" if percent else f"{d:+.4g} ± {se:.2g}"
                ),
                "verdict": "" if name == reference else verdict(figure, base, higher_is_better),
            }
        )
    return pd.DataFrame(rows).set_index("")


def over_items(
    values: Iterable[float], weights: Iterable[float] | None = None, *, what: str = "items"
) -> Measured:
    """The (weighted) mean of one figure over evaluation items, with its standard error.

    For one run's loss averaged over validation chunks (``values`` each chunk's mean loss,
    ``weights`` its character count): the mean is sum(w x) / sum(w), the loss per character,
    and its squared standard error k / (k - 1) * sum(w^2 (x - mean)^2) / sum(w)^2, which with
    equal weights is the usual sd / sqrt(k). Like ``binomial``, it counts the evaluation
    sample's luck only, not the seed's, and it treats the items as independent.
    """
    values = [float(v) for v in values]
    k = len(values)
    if k < 2:
        raise ValueError(f"over_items needs at least 2 items to measure a spread, got {k}")
    weights = [1.0] * k if weights is None else [float(w) for w in weights]
    if len(weights) != k:
        raise ValueError(f"weights must match values: {len(weights)} weights for {k} values")
    if not all(math.isfinite(w) and w > 0 for w in weights):
        raise ValueError("weights must be finite and above 0")
    total = sum(weights)
    mean = sum(w * v for w, v in zip(weights, values)) / total
    spread = sum((w * (v - mean)) ** 2 for w, v in zip(weights, values))
    se = math.sqrt(k / (k - 1) * spread) / total
    return Measured(mean, se, f"s.e. of the mean over {k:,} {what}")


def rmse_block_bootstrap(errors, block: int, draws: int = 1000, seed: int = 0) -> Measured:
    """The RMSE of forecast ``errors`` with a moving-block bootstrap standard error.

    ``errors`` (actual minus forecast) has one row per test window, in time order:
    shape (windows,) or (windows, steps ahead); the RMSE is taken over every entry.
    Neighbouring windows' errors are correlated (they share most of their inputs),
    so the rows are resampled in blocks of ``block`` consecutive windows (Kunsch
    1989): ``ceil(windows / block)`` blocks with random starts, joined and cut to
    ``windows`` rows, ``draws`` times. The standard error is the standard deviation
    (ddof=1) of the ``draws`` RMSEs; a NumPy generator seeded with ``seed`` makes
    it the same on every run. Like :func:`binomial`, it counts the test period's
    luck only, not the seed's.
    """
    import numpy as np

    errors = np.asarray(errors, dtype=np.float64)
    if errors.ndim not in (1, 2) or len(errors) < 2:
        raise ValueError(
            f"errors must be (windows,) or (windows, steps) with at least 2 windows, "
            f"got shape {errors.shape}"
        )
    if not np.all(np.isfinite(errors)):
        raise ValueError("errors must be finite")
    positive_int("block", block)
    positive_int("draws", draws)
    windows = len(errors)
    if block > windows:
        raise ValueError(f"block={block} is longer than the {windows} test windows")
    squared = (errors**2).reshape(windows, -1).mean(axis=1)
    rng = np.random.default_rng(seed)
    blocks = -(-windows // block)
    starts = rng.integers(0, windows - block + 1, size=(draws, blocks))
    rows = (starts[:, :, None] + np.arange(block)).reshape(draws, -1)[:, :windows]
    rmses = np.sqrt(squared[rows].mean(axis=1))
    return Measured(
        float(np.sqrt(squared.mean())),
        float(rmses.std(ddof=1)),
        f"block-bootstrap s.e. of {windows} test windows (blocks of {block})",
    )
