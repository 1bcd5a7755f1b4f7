"""Lesson 2 only: which tolerance tells a planted mistake from rounding, read from the run.

The lesson compares its NumPy RNN with ``torch.nn.RNN`` in float64 and float32,
with the right weights and with a bias off by a planted error. A tolerance is
useful when every right comparison passes it and the planted mistake fails it;
:func:`tolerance_reading` says, from the four measured differences, whether
the run's tolerance and the catalogue's do that.
"""

from __future__ import annotations

from ..report import ROUNDING_BOUND, rounding_level


def _passes(difference: float, tolerance: float) -> bool:
    return difference < tolerance


def tolerance_reading(
    *,
    tolerance: float,
    catalogue: float,
    planted_error: float,
    rounding64: float,
    planted64: float,
    rounding32: float,
    planted32: float,
) -> str:
    """Sentences on what the float64 tolerance and the catalogue's bound separate.

    ``rounding64`` and ``rounding32`` are the largest differences with the right
    weights, ``planted64`` and ``planted32`` with the bias off by
    ``planted_error``; ``tolerance`` is what the float64 checks assert and
    ``catalogue`` the lab catalogue's bound. Every branch reads right: the
    tolerance separates the two float64 figures, or passes both, or fails both.
    """
    for name, value in (("tolerance", tolerance), ("catalogue", catalogue)):
        if not value > 0:
            raise ValueError(f"{name} must be above 0, got {value}")
    mistake = f"the bias off by {planted_error:g}"
    shown64 = rounding_level(rounding64)  # float64 rounding's digits vary with the CPU
    rounding_passes = _passes(rounding64, tolerance)
    mistake_passes = _passes(planted64, tolerance)
    if rounding_passes and not mistake_passes:
        sentence = (
            f"The float64 checks assert a difference below {tolerance:g}: float64 rounding "
            f"({shown64}) passes it and {mistake} ({planted64:.1e}) fails it, so a "
            "passing check separates *the same function* from *almost the same function*."
        )
    elif rounding_passes:
        sentence = (
            f"The float64 checks assert a difference below {tolerance:g}, and {mistake} "
            f"({planted64:.1e}) passes it as float64 rounding ({shown64}) does: this "
            "tolerance cannot tell that mistake from rounding; one between the two figures "
            "would."
        )
    else:
        sentence = (
            f"The float64 checks assert a difference below {tolerance:g}, which even float64 "
            f"rounding ({rounding64:.1e}) fails: no right implementation can pass it."
        )
    catalogue_passes = [
        name
        for name, value in (
            (f"float32 rounding ({rounding32:.1e})", rounding32),
            (f"{mistake} in float64", planted64),
        )
        if _passes(value, catalogue)
    ]
    if catalogue_passes:
        sentence += (
            f" The catalogue's bound, {catalogue:g}, passes {' and '.join(catalogue_passes)}."
        )
    else:
        sentence += (
            f" The catalogue's bound, {catalogue:g}, fails float32 rounding and {mistake} alike."
        )
    factor = planted32 / rounding32 if rounding32 > 0 else float("inf")
    if factor < 3:
        sentence += (
            f" In float32 the mistake moved the difference from {rounding32:.1e} to "
            f"{planted32:.1e}, a factor of {factor:.1f}: within float32's rounding, so no "
            "float32 tolerance can tell the two apart."
        )
    else:
        sentence += (
            f" In float32 the mistake moved the difference from {rounding32:.1e} to "
            f"{planted32:.1e}, a factor of {factor:.1f}: float32 shows it too, where float64 "
            f"shows it at least {planted64 / max(rounding64, ROUNDING_BOUND):.0e} times its "
            "rounding."
        )
    return sentence
