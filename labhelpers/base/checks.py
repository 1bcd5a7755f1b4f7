"""Argument checks whose errors name the argument, and
optional imports that say how to install what is missing."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from collections.abc import Sequence

import numpy as np


def positive_int(name: str, value, allow_none: bool = False) -> int | None:
    """``value`` as an int if it is a positive integer (or
    None when allowed), else a ValueError naming ``name``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"{name} must be a positive integer{' or None' if allow_none else ''}, got {value!r}"
        )
    return int(value)


def positive_ints(**values) -> None:
    """Check that every keyword argument is a positive integer; an error names the first bad one."""
    for name, value in values.items():
        positive_int(name, value)


def one_of(name: str, value, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``, else a ValueError naming ``name`` and listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def as_list(values, name: str, what: str, fix_for_one_string: str) -> list:
    """``values`` (any iterable, a generator too) as a list, or a TypeError naming ``name`` and
    ``what`` it must be. A single string is refused with ``fix_for_one_string``: iterating it would
    quietly give its characters."""
    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"{name} must be {what}, got a single {type(values).__name__}; {fix_for_one_string}"
        )
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"{name} must be {what}, got {type(values).__name__}") from None


def check_texts(texts, name: str = "texts", word_lists: bool = False) -> list:
    """``texts`` as a list of str (or, with ``word_lists``, also lists of words), or a TypeError
    naming the argument and the first bad item."""
    texts = as_list(
        texts,
        name,
        "a sequence of strings",
        f"wrap it in a list, one string per document: [{name}]",
    )
    for i, text in enumerate(texts):
        if isinstance(text, str) or (
            word_lists and isinstance(text, list) and all(isinstance(w, str) for w in text)
        ):
            continue
        shown = f"{text!r:.40}"
        allowed = "strings (or lists of words, which are strings)" if word_lists else "strings"
        raise TypeError(
            f"{name} must contain only {allowed}; item {i} is a {type(text).__name__} ({shown}). "
            "Missing reviews read by pandas are floats (NaN): drop or fill them first."
        )
    return texts


def require(module: str, extra: str, needed_for: str, *, package: str | None = None):
    """Import and return ``module``, or raise a ModuleNotFoundError
    that says what needs it and how to install it.

    ``extra`` is the labhelpers optional group (pyproject.toml) that lists the
    package and ``package`` its pip name when it differs from the module's
    (``keras`` comes with ``tensorflow``). The command names the package with
    that group's version bound, read from the installed labhelpers' metadata:
    ``pip install 'labhelpers[text]'`` would look for labhelpers on PyPI, which
    fails on Colab, where labhelpers is installed from git.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name not in (module, module.split(".")[0]):
            # The module is there but one of its own dependencies is not: its message says which.
            raise
        spec = _requirement(package or module.split(".")[0], extra)
        raise ModuleNotFoundError(
            f"{needed_for} needs {module}, which is not "
            f"installed. Install it with: pip install '{spec}' "
            f"(labhelpers' optional group '{extra}')",
            name=module,
        ) from None


def _requirement(package: str, extra: str) -> str:
    """``package`` with its version bound in labhelpers'
    group ``extra`` (just ``package`` if that is unknown)."""
    try:
        requirements = importlib.metadata.requires("labhelpers") or []
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return package
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        name = re.match(r"[A-Za-z0-9._-]+", spec.strip())
        if (
            name
            and name.group().lower() == package.lower()
            and re.search(rf"extra\s*==\s*['\"]{extra}['\"]", marker)
        ):
            return spec.strip()
    return package
