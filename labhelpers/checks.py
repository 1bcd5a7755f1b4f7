"""Argument checks whose errors name the argument, shared by every module."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def positive_int(name: str, value, allow_none: bool = False) -> int | None:
    """``value`` as an int if it is a positive integer (or None when allowed), else a ValueError naming ``name``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def one_of(name: str, value, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``, else a ValueError naming ``name`` and listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value
