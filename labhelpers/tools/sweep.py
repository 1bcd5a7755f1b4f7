"""A run's parameter values (``-p``, ``--grid``) checked against the notebook, and the sweep's table
and plots.

``-p hidden_size 32`` gives one value, checked like every swept value: declared by the
notebook's parameters cell, of its type, within its range (:func:`check_given`).
``--grid hidden_size=16,32,64 --grid seed=0:5`` (or a YAML file of
``name: [values]``) gives every combination as one job; each executed copy is
named by its parameters, ``01_sum_classifier--hidden_size=16--seed=0.ipynb``.
The last sweep's results are written to ``_build/sweeps/last/``: ``sweep.csv``,
``sweep.md`` (one row per point and result) and ``sweep_NAME.png``, the
headline metric against each swept parameter, mean and spread over the others
(the seeds).
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..base.files import atomic_write
from ..base.notebook_file import declared
from ..base.parameters import Declared, convert_parameter

GRID_FORMS = "NAME=V1,V2,... or NAME=START:STOP (integers START to STOP-1)"


def parse_value(text: str) -> Any:
    """A ``-p key value`` value: a Python literal (3, 0.01, True, None, "x") or else the plain
    string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_grid_option(text: str) -> tuple[str, list[Any]]:
    """``hidden_size=16,32`` -> ``("hidden_size", [16, 32])``; ``seed=0:5`` -> ``("seed", [0, 1, 2,
    3, 4])``."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or not values.strip():
        raise ValueError(f"--grid {text!r}: write {GRID_FORMS}, e.g. --grid hidden_size=16,32,64")
    if re.fullmatch(r"\s*-?\d+\s*:\s*-?\d+\s*", values):
        start, stop = (int(part) for part in values.split(":"))
        if stop <= start:
            raise ValueError(
                f"--grid {text!r}: the range {start}:{stop} is empty; STOP must be above START"
            )
        return name, list(range(start, stop))
    return name, [parse_value(value.strip()) for value in values.split(",")]


def read_sweep_file(path: Path) -> dict[str, list[Any]]:
    """A YAML sweep file: ``name: [values]`` per swept parameter (a single value is a list of
    one)."""
    import yaml

    if not path.is_file():
        raise FileNotFoundError(
            f"--sweep {path}: no such file; a sweep file holds lines like `hidden_size: [16, 32]`"
        )
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise ValueError(
            f"--sweep {path}: not valid YAML{at} ({problem}); write one `name: [values]` line per "
            "parameter, indented with spaces, not tabs"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(f"--sweep {path}: not a text file (UTF-8)") from None
    if not isinstance(content, dict) or not content:
        raise ValueError(
            f"--sweep {path}: expected a mapping of parameter names to lists of values, "
            "e.g. `hidden_size: [16, 32]`"
        )
    return {
        str(name): list(values) if isinstance(values, (list, tuple)) else [values]
        for name, values in content.items()
    }


def _checked(declaration: Declared, name: str, value: Any) -> Any:
    """``value`` as its declared type, or a ValueError saying why it is not a value of ``name``."""
    value = convert_parameter(name, value, declaration.type)
    problem = declaration.check(name, value)
    if problem:
        raise ValueError(problem)
    return value


def check_given(
    notebook_name: str, notebook: Mapping[str, Any], parameters: Mapping[str, Any]
) -> None:
    """Raise a ValueError for a ``-p`` value of the wrong type or range, before anything runs (a
    name the cell does not declare, the profile among them, is left to the notebook)."""
    declarations = declared(notebook)
    for name, value in parameters.items():
        if name in declarations:
            try:
                _checked(declarations[name], name, value)
            except ValueError as error:
                raise ValueError(f"{notebook_name}: {error} (-p {name} ...)") from None


def check_grid(
    notebook_name: str,
    notebook: Mapping[str, Any],
    grid: Mapping[str, list[Any]],
    fixed: Mapping[str, Any],
) -> dict[str, list[Any]]:
    """Every swept name declared by the notebook and every value of its declared type: the converted
    grid."""
    declarations = declared(notebook)
    checked = {}
    for name, values in grid.items():
        if name not in declarations:
            raise ValueError(
                f"{notebook_name} has no parameter {name!r} to sweep; "
                f"its parameters are: {', '.join(declarations)}"
            )
        if name in fixed:
            raise ValueError(f"{name} is both swept (--grid) and fixed (-p): keep one")
        if not values:
            raise ValueError(f"the sweep of {name} has no values")
        try:
            converted = [_checked(declarations[name], name, value) for value in values]
        except ValueError as error:
            raise ValueError(f"the sweep of {notebook_name}: {error}") from None
        if len(set(map(repr, converted))) != len(converted):
            raise ValueError(f"the sweep of {name} repeats a value: {values}")
        checked[name] = converted
    return checked


def points(grid: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the first parameter varying slowest."""
    names = list(grid)
    return [
        dict(zip(names, values)) for values in itertools.product(*(grid[name] for name in names))
    ]


def point_name(notebook: str, point: Mapping[str, Any]) -> str:
    """The executed copy's name: ``01_sum_classifier--hidden_size=16--seed=0``."""
    parts = [
        f"{name}={re.sub(r'[^A-Za-z0-9._+-]', '_', str(value))}" for name, value in point.items()
    ]
    return "--".join([notebook, *parts])


def sweep_rows(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per point and result: notebook, the swept values, the result's title and metrics.

    ``entries`` holds ``{"notebook", "point", "results"}`` for each point that finished.
    """
    rows = []
    for entry in entries:
        for result in entry["results"]:
            rows.append(
                {
                    "notebook": entry["notebook"],
                    **entry["point"],
                    "result": result["title"],
                    "headline": result.get("headline") or next(iter(result["metrics"]), ""),
                    **result["metrics"],
                }
            )
    return rows


def _markdown_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value).replace("|", "/")

    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += [
        "| " + " | ".join(cell(row.get(column, "")) for column in columns) + " |" for row in rows
    ]
    return "\n".join(lines) + "\n"


def write_sweep(
    folder: Path,
    grid: Mapping[str, list[Any]],
    entries: list[dict[str, Any]],
    failed: Mapping[str, str],
    profile: str,
) -> dict[str, Path]:
    """Write the sweep's table (CSV and Markdown), one plot per swept parameter and
    ``sweep.json``."""
    import pandas as pd

    rows = sweep_rows(entries)
    columns = list(dict.fromkeys(key for row in rows for key in row)) or ["notebook", *grid]
    table = pd.DataFrame(rows, columns=columns)
    written = {}
    with atomic_write(folder / "sweep.csv", "w") as file:
        table.to_csv(file, index=False)
    written["csv"] = folder / "sweep.csv"
    with atomic_write(folder / "sweep.md", "w") as file:
        file.write(_markdown_table(rows, columns))
    written["markdown"] = folder / "sweep.md"
    plots = []
    for name in grid:
        path = _plot(folder, table, name, grid)
        if path is not None:
            plots.append(path.name)
            written[f"plot {name}"] = path
    for old in folder.glob("sweep_*.png"):
        if old.name not in plots:
            old.unlink()
    with atomic_write(folder / "sweep.json", "w") as file:
        json.dump(
            {
                "profile": profile,
                "grid": grid,
                "points": len(points(grid)),
                "finished": len(entries),
                "failed": dict(failed),
                "plots": plots,
            },
            file,
            indent=2,
            default=str,
        )
    return written


def _plot(folder: Path, table, name: str, grid: Mapping[str, list[Any]]) -> Path | None:
    """The headline metric against ``name``: mean over the other swept values, bars from min
    to max."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if table.empty or (name == "seed" and len(grid) > 1):
        return None  # seeds are the spread of the other plots
    figure, axis = plt.subplots(figsize=(5, 3.5))
    drawn = False
    for (_notebook, result, headline), group in table.groupby(
        ["notebook", "result", "headline"], sort=False
    ):
        values = group.groupby(name, sort=False)[headline]
        stats = values.agg(["mean", "min", "max", "count"]).reindex(
            [value for value in grid[name] if value in values.groups]
        )
        positions = range(len(stats))
        axis.errorbar(
            positions,
            stats["mean"],
            yerr=[stats["mean"] - stats["min"], stats["max"] - stats["mean"]],
            marker="o",
            capsize=4,
            label=f"{result}: {headline}",
        )
        axis.set_xticks(list(positions), [str(value) for value in stats.index])
        drawn = True
    if not drawn:
        plt.close(figure)
        return None
    others = [other for other in grid if other != name]
    spread = f"mean, bars min to max over {', '.join(others)}" if others else "one run per value"
    axis.set_xlabel(name)
    axis.set_title(f"{name}: {spread}", fontsize=9)
    axis.legend(fontsize=7)
    figure.tight_layout()
    path = folder / f"sweep_{name}.png"
    with atomic_write(path, "wb") as file:
        figure.savefig(file, format="png", dpi=110)
    plt.close(figure)
    return path


def sweep_page(folder: Path) -> str | None:
    """The book's page for the last sweep (MyST Markdown, images beside it), or None when there is
    none."""
    description = folder / "sweep.json"
    if not description.exists():
        return None
    sweep = json.loads(description.read_text())
    grid = ", ".join(f"`{name}` in {values}" for name, values in sweep["grid"].items())
    lines = [
        "# The last sweep",
        "",
        f"Profile `{sweep['profile']}`; {grid}: {sweep['finished']} of {sweep['points']} "
        "points finished.",
        "Written by `python -m labhelpers run --grid ...`; the table is also in "
        "`_build/sweeps/last/sweep.csv`.",
        "",
    ]
    if sweep["failed"]:
        lines += ["Points that failed: " + "; ".join(f"`{name}`" for name in sweep["failed"]), ""]
    lines += [f"![{plot}](sweep/{plot})\n" for plot in sweep["plots"]]
    lines += [(folder / "sweep.md").read_text()]
    return "\n".join(lines)
