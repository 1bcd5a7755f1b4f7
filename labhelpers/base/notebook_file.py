"""Reading a notebook file: its title, tagged cells, parameters cell, saved results, run cells.

Every reader takes the notebook as a dict, either as :func:`read` gives it
(the file's JSON, each source a list of lines) or as nbformat reads it (each
source one string): both read alike. The batch runner, the sweeps, the lab
report, the book and the lesson times all read notebooks here. Nothing
heavy is imported (no nbformat, papermill or pandas), so a notebook's own
last cell can use it.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from .parameters import Declared, declared_parameters

# Outputs of this MIME type carry a notebook's results (written by
# labhelpers.report.report_result); the batch runner reads them back from the
# executed notebook and nbval does not compare them.
RESULTS_MIME = "application/vnd.labhelpers.results+json"
PARAMETERS_TAG = "parameters"  # papermill's tag of the parameters cell
INJECTED_TAG = "injected-parameters"  # the cell papermill adds after it with the values given
INSTALL_TAG = "install"  # the Colab install cell (labhelpers.tools.colab writes it)


def read(path: str | Path) -> dict:
    """The notebook at ``path``: its JSON as a dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source_of(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (the file's JSON holds it as a list of lines)."""
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def tags_of(cell: Mapping[str, Any]) -> list[str]:
    """A cell's tags (``metadata.tags``), [] when it has none."""
    return list(cell.get("metadata", {}).get("tags", []))


def tagged_cells(notebook: Mapping[str, Any], tag: str) -> list[dict]:
    """The cells tagged ``tag``, in order."""
    return [cell for cell in notebook["cells"] if tag in tags_of(cell)]


def title_of(notebook: Mapping[str, Any]) -> str | None:
    """The first ``# heading`` of a Markdown cell, without the ``#``: ``Lesson 1: does the sum
    ...``; None when there is none."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in source_of(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def parameters_source(notebook: Mapping[str, Any]) -> str:
    """The source of the cell tagged ``parameters`` ("" when there is none)."""
    cells = tagged_cells(notebook, PARAMETERS_TAG)
    return source_of(cells[0]) if cells else ""


def declared(notebook: Mapping[str, Any]) -> dict[str, Declared]:
    """The parameters the parameters cell declares (``name = default  # type: T[rule]  help``),
    by name."""
    return declared_parameters(parameters_source(notebook))


def _literal_assignments(source: str) -> dict[str, Any]:
    values = {}
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def parameter_values(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters' values as the run used them: the parameters cell's literals, then
    papermill's injected values over them."""
    values: dict[str, Any] = {}
    for tag in (PARAMETERS_TAG, INJECTED_TAG):
        for cell in tagged_cells(notebook, tag):
            if cell["cell_type"] == "code":
                values.update(_literal_assignments(source_of(cell)))
    return values


def saved_results(notebook: Mapping[str, Any]) -> list[dict]:
    """Every result the run saved with :func:`labhelpers.report.report_result` (an output of
    type :data:`RESULTS_MIME`), in order."""
    return [
        output["data"][RESULTS_MIME]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if RESULTS_MIME in output.get("data", {})
    ]


def run_cells(
    notebook: Mapping[str, Any], leave_out: Collection[str] = ()
) -> list[tuple[int, dict]]:
    """``(index, cell)`` of the code cells that make the run, in order: not empty, and tagged with
    none of ``leave_out``."""
    return [
        (i, cell)
        for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and source_of(cell).strip()
        and not set(tags_of(cell)) & set(leave_out)
    ]
