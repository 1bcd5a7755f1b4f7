"""Profiles: named sets of notebook settings (smoke, quick, lab).

Every lesson's table lives in :mod:`labhelpers.lesson_settings`: the lab's values and what
the quick and smoke profiles change. A notebook's parameters left at ``None`` take the
profile's value; a parameter given explicitly (by editing the cell or with ``papermill -p``)
overrides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .base.parameters import (
    INJECTED_MARK,
    Declared,
    check_parameters,
    check_rules,
    declared_parameters,
)

PROFILE_NAMES = ("smoke", "quick", "lab")
PROFILE_HELP = {
    "smoke": "seconds, tiny data: what the tests run",
    "quick": "a few minutes per notebook on a 2-core CPU: the default book build",
    "lab": "the lab record's own settings, for a Colab GPU or an overnight run",
}


def check_profile(profile: str) -> str:
    """Return ``profile`` if it names a profile, else raise a ValueError that lists them."""
    if profile not in PROFILE_NAMES:
        choices = "; ".join(f"{name!r} ({PROFILE_HELP[name]})" for name in PROFILE_NAMES)
        raise ValueError(f"profile must be one of {choices}. Got {profile!r}.")
    return profile


def resolve_settings(
    profile: str,
    table: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Merge a profile's settings with the parameters given explicitly.

    ``table`` maps each profile name to its settings; ``overrides`` maps setting
    names to the notebook's parameter values, where ``None`` means "take the
    profile's value". Returns the settings to use.
    """
    check_profile(profile)
    missing = [name for name in PROFILE_NAMES if name not in table]
    if missing:
        raise ValueError(
            f"the profile table has no entry for {missing}; "
            f"every notebook needs all of {PROFILE_NAMES}"
        )
    settings = dict(table[profile])
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(
            f"unknown setting(s) {unknown}: the {profile!r} profile has {sorted(settings)}"
        )
    settings.update({key: value for key, value in overrides.items() if value is not None})
    return settings


@dataclass(frozen=True)
class Lesson:
    """One lesson's settings: ``lab``, every parameter's value in the lab profile (the course's
    own settings); ``quick`` and ``smoke``, only the values those profiles change; ``rules``,
    checks of the whole settings (``rule(settings)`` raises a ValueError naming the parameter)."""

    name: str
    lab: Mapping[str, Any]
    quick: Mapping[str, Any] = field(default_factory=dict)
    smoke: Mapping[str, Any] = field(default_factory=dict)
    rules: tuple[Callable[[Settings], None], ...] = ()

    def table(self) -> dict[str, dict[str, Any]]:
        """``{profile: {setting: value}}``, each profile the lab's values with its changes."""
        changes = {"smoke": self.smoke, "quick": self.quick, "lab": {}}
        for profile, changed in changes.items():
            unknown = sorted(set(changed) - set(self.lab))
            if unknown:
                raise ValueError(f"{self.name}: the {profile} profile changes unknown {unknown}")
        return {profile: {**self.lab, **changed} for profile, changed in changes.items()}


class Settings(dict):
    """A notebook's settings: a dict whose values read as attributes too (``settings.epochs``),
    with the profile they came from (``settings.profile``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no setting {name!r}; the settings are {sorted(self)}") from None


def lesson_of(names: Iterable[str]) -> Lesson:
    """The lesson whose settings are all among ``names`` (a notebook's variables), the one with
    the most settings where several are: a lesson is found by the parameters it declares."""
    from .lesson_settings import LESSONS

    names = set(names)
    found = [lesson for lesson in LESSONS if set(lesson.lab) <= names]
    if not found:
        raise RuntimeError(
            "no lesson declares these parameters: run the cell tagged `parameters` first"
        )
    return max(found, key=lambda lesson: len(lesson.lab))


def notebook_settings() -> Settings:
    """The settings of the running notebook: its parameters checked, then merged with its profile.

    Call it in the cell after the ``parameters`` cell. It finds the lesson in
    :data:`labhelpers.lesson_settings.LESSONS` by the notebook's parameters, reads the
    parameters cell (and the one papermill injects after it) from the kernel's input history,
    checks and converts the parameters (:func:`check_parameters`), merges them with the
    notebook's ``profile`` (:func:`resolve_settings`: a parameter left at None takes the
    profile's value), checks every value against the rule its declaration states
    (:func:`check_rules`) and runs the lesson's rules, so a bad setting stops the notebook
    before any data is loaded. ``device`` ("auto", "cuda", "mps" or "cpu") becomes the torch
    device it names. The settings are shown under the cell. A kernel that keeps no input
    history (nbval replays cells without storing them) gets no declaration check: the values
    are taken as they are.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError(
            "notebook_settings reads a notebook's parameters cell: call it inside a notebook, "
            "or use resolve_settings(profile, table, overrides) elsewhere"
        )
    namespace = shell.user_ns
    if "profile" not in namespace:
        raise RuntimeError(
            "run the cell tagged `parameters` (the one that sets profile = ...) before this one"
        )
    lesson = lesson_of(namespace)
    profile = namespace["profile"]
    declared = _checked_declarations(namespace)
    overrides = {name: namespace[name] for name in lesson.lab}
    settings = Settings(profile=profile, **resolve_settings(profile, lesson.table(), overrides))
    check_rules(declared, settings, profile)
    for rule in lesson.rules:
        rule(settings)
    if "device" in settings:
        from .base.runtime import choose_device

        settings["device"] = choose_device(settings["device"])
    from IPython.display import display

    display(settings)
    return settings


def _checked_declarations(namespace: dict[str, Any]) -> dict[str, Declared]:
    """The parameters cell's declarations, its values checked and converted in ``namespace``;
    {} when the kernel keeps no input history."""
    history = list(namespace.get("In", []))[:-1]  # the current cell is the last entry
    found = [
        i for i, source in enumerate(history) if "profile" in declared_parameters(source or "")
    ]
    if not found:
        return {}
    position = found[-1]
    after = history[position + 1] if position + 1 < len(history) else ""
    injected = after if after.lstrip().startswith(INJECTED_MARK) else None
    return check_parameters(history[position], injected, namespace)
