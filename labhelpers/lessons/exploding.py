"""Lesson 5 only: the sentences its run writes, each worded from what was measured.

Every function here returns words that depend on a measurement (a growth
factor, a loss, a test accuracy), so that no branch of a generated sentence
can say something the run did not show; ``tests/test_claims_lessons_5_6.py``
runs every branch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import noise

# The unclipped run "explodes" when its loss grows by more than this factor
# over its first epoch's (or becomes non-finite); the notebook asserts it.
BLOWUP_FACTOR = 1e6


def growth_kind(factor: float, threshold: float) -> str:
    """``"vanishes"``, ``"shrinks"``, ``"stays"``, ``"grows"`` or ``"explodes"``.

    ``factor`` is the gradient factor over the whole sequence (1 at lag 0);
    it "vanishes" below ``1 / threshold`` and "explodes" above ``threshold``;
    between them it only shrinks or grows.
    """
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold > 1):
        raise ValueError(f"threshold must be a finite number above 1, got {threshold!r}")
    if not (math.isfinite(factor) and factor >= 0):
        raise ValueError(f"factor must be a finite number at least 0, got {factor!r}")
    if factor < 1 / threshold:
        return "vanishes"
    if factor < 1:
        return "shrinks"
    if factor == 1:
        return "stays"
    if factor <= threshold:
        return "grows"
    return "explodes"


def growth_words(factor: float, lags: int, threshold: float) -> str:
    """How the gradient factor changed over ``lags`` lags, in words with the factor.

    >>> growth_words(1.27, 60, 10)
    'grows by a factor of 1.27 over 60 lags (not above 10: not called exploding)'
    """
    kind = growth_kind(factor, threshold)
    if kind == "vanishes":
        return f"falls to {factor:.3g} over {lags} lags: vanishes (below 1/{threshold:g})"
    if kind == "shrinks":
        return (
            f"falls to {factor:.3g} over {lags} lags "
            f"(not below 1/{threshold:g}: not called vanishing)"
        )
    if kind == "stays":
        return f"stays at 1 over {lags} lags"
    if kind == "grows":
        return (
            f"grows by a factor of {factor:.3g} over {lags} lags "
            f"(not above {threshold:g}: not called exploding)"
        )
    return f"grows by a factor of {factor:.3g} over {lags} lags: explodes (above {threshold:g})"


def unclipped_words(
    first_non_finite_epoch: int | None, first_loss: float, largest_finite_loss: float
) -> tuple[str, bool]:
    """What the unclipped run's loss did, and whether that counts as a blow-up.

    A blow-up is a non-finite loss, or a loss that grew by more than
    ``BLOWUP_FACTOR`` over the first epoch's.
    """
    if first_non_finite_epoch:
        return f"the unclipped run's loss became non-finite in epoch {first_non_finite_epoch}", True
    growth = largest_finite_loss / first_loss if first_loss > 0 else math.inf
    if growth > BLOWUP_FACTOR:
        return (
            f"the unclipped run's loss grew from {first_loss:.4g} to {largest_finite_loss:.4g} "
            f"(a factor of {growth:.2g}, more than {BLOWUP_FACTOR:.0e}: it blew up)",
            True,
        )
    return (
        f"the unclipped run's loss stayed within a factor of {growth:.3g} of its first "
        f"epoch's {first_loss:.4g}: it did not blow up",
        False,
    )


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def clipping_sentence(
    threshold: float,
    unclipped: str,
    clipped_finite: bool,
    clipped_mse: noise.Measured,
    zero_mse: noise.Measured,
    epochs: int,
    steps: int,
    share_clipped: float,
) -> str:
    """What the clipped run showed: finite or not, and its error against predicting 0.

    ``unclipped`` is :func:`unclipped_words`'s sentence; ``clipped_mse`` and
    ``zero_mse`` are mean squared errors on the same sequences with their
    standard errors; ``share_clipped`` is the fraction of the ``steps`` whose
    gradient norm was above ``threshold``.
    """
    if not 0.0 <= share_clipped <= 1.0:
        raise ValueError(f"share_clipped must be a fraction in [0, 1], got {share_clipped}")
    finite = "every loss stayed finite" if clipped_finite else "the loss still became non-finite"
    text = f"Clipped at {threshold:g}, {finite}; without clipping, {unclipped}. "
    comparison = noise.compare(
        "the clipped model",
        clipped_mse,
        "predicting 0 for every sequence",
        zero_mse,
        percent=False,
        higher_is_better=False,
    )
    text += (
        f"In mean squared error on the training sequences after {epochs} epochs "
        f"({clipped_mse.show(percent=False)} against {zero_mse.show(percent=False)}), "
        f"{comparison} "
    )
    side = noise.verdict(clipped_mse, zero_mse, higher_is_better=False)
    if side == "below":
        text += (
            "Finite is not learnt: the clipped network did not learn the sum, and "
            "a model that ignores its input fits it more closely."
        )
    elif side == "within noise":
        text += (
            "The clipped network did not learn the sum measurably: its error is "
            "within noise of a model that ignores its input."
        )
    else:
        text += (
            "The clipped network learnt part of the sum: its error is "
            f"{clipped_mse.value / zero_mse.value:.0%} of that baseline's."
        )
    if steps == 0:
        return text
    if share_clipped == 1:
        text += (
            f" Every one of its {steps} steps was clipped, so each step had the same "
            f"length, the learning rate times {threshold:g}, whatever the gradient."
        )
    elif share_clipped == 0:
        text += f" None of its {steps} steps was clipped: the threshold never acted."
    else:
        text += f" {share_clipped:.0%} of its {steps} steps were clipped."
    return text


def measured_accuracy(accuracies: Sequence[float], n_test: int) -> noise.Measured:
    """One model's test accuracy with its noise: over seeds when there are several,
    else the binomial standard error of the one run's ``n_test`` test items."""
    accuracies = list(accuracies)
    if not accuracies:
        raise ValueError("measured_accuracy needs at least one accuracy")
    if len(accuracies) == 1:
        return noise.binomial(accuracies[0], n_test)
    return noise.over_seeds(accuracies)


def first_failure(distances: Sequence[int], values: Sequence[float], level: float = 0.9):
    """The smallest distance whose test accuracy is below ``level``, or None."""
    if len(distances) != len(values):
        raise ValueError(
            f"one accuracy per distance: {len(distances)} distances, {len(values)} accuracies"
        )
    failing = [d for d, value in zip(distances, values) if value < level]
    return failing[0] if failing else None


def reach_words(
    name: str, distances: Sequence[int], values: Sequence[float], level: float = 0.9
) -> str:
    """How far back a model reached ``level`` test accuracy, in words.

    >>> reach_words("the GRU", [2, 8], [0.95, 0.5])
    'the GRU fell below 90% test accuracy from d = 8 (50.00% at d = 8)'
    """
    fails = first_failure(distances, values, level)
    if fails is None:
        return f"{name} stayed at {level:.0%} test accuracy or more up to d = {distances[-1]}"
    if fails == distances[0]:
        return (
            f"{name} stayed below {level:.0%} test accuracy at every distance "
            f"({values[-1]:.2%} at d = {distances[-1]})"
        )
    return (
        f"{name} fell below {level:.0%} test accuracy from d = {fails} "
        f"({values[-1]:.2%} at d = {distances[-1]})"
    )


def effect_by_distance(
    change: str,
    before: Sequence[noise.Measured],
    after: Sequence[noise.Measured],
    distances: Sequence[int],
) -> str:
    """What a change did to the test accuracy at every distance, worded by ``labhelpers.noise``.

    One ``noise.effect`` sentence per distance where the difference passes the
    noise level, then the distances where it does not.
    """
    if not len(before) == len(after) == len(distances) > 0:
        raise ValueError(
            f"one figure per distance: {len(distances)} distances, "
            f"{len(before)} before and {len(after)} after"
        )
    sentences, within = [], []
    for d, b, a in zip(distances, before, after):
        if noise.verdict(a, b) == "within noise":
            within.append(str(d))
        else:
            sentences.append(noise.effect(change, b, a, f"test accuracy at d = {d}"))
    if not sentences:
        return (
            f"{change} changes the test accuracy by less than {noise.NOISE_LEVEL:g} standard "
            f"errors at every distance (d = {', '.join(within)}): within noise."
        )
    if within:
        sentences.append(
            f"At d = {', '.join(within)} the change is within noise "
            f"(under {noise.NOISE_LEVEL:g} standard errors)."
        )
    return " ".join(sentences)
