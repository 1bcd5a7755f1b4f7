"""Profiles: named sets of notebook settings (smoke, quick, lab).

Every lesson's table lives in :mod:`labhelpers.lesson_settings`: the lab's values and what
the quick and smoke profiles change. A notebook's parameters left at ``None`` take the
profile's value; a parameter given explicitly (by editing the cell or with ``papermill -p``)
overrides it.
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


# ---------------------------------------------------------------------- the notebook's parameters

PARAMETER_TYPES = {"int": int, "float": float, "bool": bool, "str": str}
# ``name = default  # type: T[rule]  help``: T is int, float, bool, str or "list of T"; the
# optional rule bounds the value (each element of a list): ", at least 1", ", above 0",
# ", at most 1", ", below 1", " in (0, 1]" or ' in {"rnn", "gru"}'. In words, not ">=":
# papermill reads no line with a second "=".
_BOUNDS = {
    "at least": operator.ge,
    "above": operator.gt,
    "at most": operator.le,
    "below": operator.lt,
}
_PARAMETER_LINE = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s*=.*#\s*type:\s*(?P<type>list of \w+|\w+)"
    r"(?:,\s*(?P<bound>(?:at least|above|at "
    r"most|below)\s+[-+.\w]+)|\s+(?P<within>in\s+[\[({][^\])}]*[\])}]))?",
    flags=re.MULTILINE,
)
# papermill writes the values given with -p / -y / -f into a cell that starts with this line.
INJECTED_MARK = "# Parameters"


@dataclass(frozen=True)
class Declared:
    """A parameter's declared type (``"int"``, ``"list
    of float"``, ...) and the rule its values obey."""

    type: str
    rule: str = ""

    @property
    def element(self) -> str | None:
        """The type of a list's elements (None for a single value)."""
        return self.type[len("list of ") :] if self.type.startswith("list of ") else None

    def check(self, name: str, value: Any) -> str | None:
        """Why ``value`` breaks the rule (a sentence naming ``name``), or None when it obeys it."""
        if value is None or not self.rule:
            return None
        values = value if self.element else [value]
        if self.element and not values:
            return f"{name} must hold at least one value, got an empty list"
        for item in values:
            if not _obeys(item, self.rule):
                which = f"every value of {name}" if self.element else name
                return f"{which} must be {self.rule}, got {item!r}"
        return None


def _obeys(value: Any, rule: str) -> bool:
    rule = rule.strip()
    if rule.startswith("in "):
        spec = rule[3:].strip()
        if spec.startswith("{"):
            return value in ast.literal_eval(spec)
        low, high = (float(x) for x in spec[1:-1].split(","))
        above = value >= low if spec[0] == "[" else value > low
        below = value <= high if spec[-1] == "]" else value < high
        return above and below
    words, bound = rule.rsplit(" ", 1)
    return _BOUNDS[words](value, float(bound))


def declared_parameters(source: str) -> dict[str, Declared]:
    """``{name: Declared}`` from a parameters cell whose
    lines read ``name = default  # type: T[rule]  help``."""
    return {
        match["name"]: Declared(match["type"], match["bound"] or match["within"] or "")
        for match in _PARAMETER_LINE.finditer(source)
    }


def _assigned_names(source: str) -> list[str]:
    return [
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


def convert_parameter(name: str, value: Any, type_name: str) -> Any:
    """``value`` as the declared type ``type_name``
    (None stays None), or a ValueError naming ``name``.

    Values often arrive as strings (YAML reads ``1e-3`` as a string, a
    parameters file may quote numbers): they are converted when they spell a
    value of the type; a value that cannot be is rejected by name. For
    ``list of T``, a single value or a comma-separated string is a list
    (``-p cells gru`` means ``["gru"]``, ``-p scales 0.5,1.5`` means
    ``[0.5, 1.5]``), and every element is converted to T.
    """
    if type_name.startswith("list of "):
        return _convert_list(name, value, type_name[len("list of ") :])
    kind = PARAMETER_TYPES.get(type_name)
    if (
        value is None
        or kind is None
        or (isinstance(value, kind) and not (kind is int and isinstance(value, bool)))
    ):
        return value
    problem = (
        f"parameter {name} must be of type {type_name}, got {value!r} ({type(value).__name__})"
    )
    if isinstance(value, str):
        text = value.strip()
        if kind is bool and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind in (int, float):
            try:
                parsed = kind(text)
            except (ValueError, SyntaxError):
                try:  # "1e3" for an int
                    parsed = float(text)
                except ValueError:
                    raise ValueError(problem) from None
            return convert_parameter(name, parsed, type_name)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(problem)


def _convert_list(name: str, value: Any, element: str) -> list | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = ast.literal_eval(text) if text[:1] in "[(" else text
        except (ValueError, SyntaxError):
            raise ValueError(
                f"parameter {name} must be a list of {element}, got {value!r}: "
                f"write it as [a, b] or a, b"
            ) from None
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")] if "," in value else [value]
    if not isinstance(value, (list, tuple)):
        value = [value]
    return [convert_parameter(f"{name}[{i}]", item, element) for i, item in enumerate(value)]


def check_parameters(
    parameters_source: str, injected_source: str | None, namespace: dict[str, Any]
) -> dict[str, Declared]:
    """Check the values a notebook's parameters hold in
    ``namespace``, converting them to their declared types.

    ``parameters_source`` is the text of the cell tagged ``parameters``;
    ``injected_source`` the cell papermill added after it (None without
    papermill). A name papermill injected that the notebook does not declare
    (``-p hiden_size 32``) is an error listing the parameters; every declared
    value is converted by :func:`convert_parameter`, in ``namespace``.
    Returns the declared parameters, ``{name: Declared}``.
    """
    declared = declared_parameters(parameters_source)
    if not declared:
        raise ValueError(
            "the parameters cell declares no parameter: "
            "write each as `name = default  # type: T  help`"
        )
    unknown = (
        [name for name in _assigned_names(injected_source) if name not in declared]
        if injected_source
        else []
    )
    if unknown:
        hints = [
            f"{name!r} (did you mean {close[0]!r}?)"
            if (close := difflib.get_close_matches(name, declared, 1))
            else repr(name)
            for name in unknown
        ]
        raise ValueError(
            f"this notebook has no parameter {', '.join(hints)}. "
            f"Its parameters are: {', '.join(declared)}"
        )
    for name, declaration in declared.items():
        if name in namespace:
            namespace[name] = convert_parameter(name, namespace[name], declaration.type)
    return declared


def check_rules(declared: Mapping[str, Declared], values: Mapping[str, Any], profile: str) -> None:
    """One ValueError listing every value in ``values``
    that breaks its declared rule, and how to fix it."""
    problems = [
        problem
        for name, declaration in declared.items()
        if name in values and (problem := declaration.check(name, values[name])) is not None
    ]
    if problems:
        raise ValueError(
            f"these settings cannot work (profile {profile!r}):\n- "
            + "\n- ".join(problems)
            + "\nChange them in the parameters cell, or with papermill -p NAME VALUE."
        )


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
        from .runtime import choose_device

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
