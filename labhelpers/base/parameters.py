"""A notebook's parameters: each declared in its ``parameters`` cell as
``name = default  # type: T[rule]  help``, read, converted to its type and checked against its rule.

Used by the notebooks' settings (:mod:`labhelpers.profiles`), the notebook reader, the runner and
the sweeps; it knows nothing of lessons or profiles.
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
