"""The lesson first (issue 26): a reader meets each lesson before its machinery.

Per notebook: at most 12 code lines before the first code cell of its Algorithm or Program
section (the parameters cell excluded); each parameter named only in the parameters cell (the
code reads it as ``settings.NAME``; its values live in labhelpers/lesson_settings.py); the
install cell at most 5 lines, the lab-report cell at most 3, and one call that reports the
result.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from labhelpers.base.parameters import declared_parameters
from labhelpers.lesson_settings import LESSONS
from labhelpers.profiles import lesson_of

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]


def code_lines(source: str) -> list[str]:
    """The lines that hold code: not blank, not a comment."""
    return [
        line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def parameters_cell(notebook):
    [cell] = [cell for cell in notebook.cells if "parameters" in tags(cell)]
    return cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_at_most_12_code_lines_come_before_the_lesson(path):
    notebook = nbformat.read(path, as_version=4)
    before, section = [], None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^##\s+(\w+)", cell.source, flags=re.MULTILINE)
            section = headings[-1] if headings else section
        elif section in ("Algorithm", "Program"):
            break
        elif "parameters" not in tags(cell):
            before += code_lines(cell.source)
    assert section in ("Algorithm", "Program"), "no Algorithm or Program section"
    assert len(before) <= 12, before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_parameter_is_named_only_in_the_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    declared = declared_parameters(parameters_cell(notebook).source)
    named_in = {name: [] for name in declared}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "parameters" in tags(cell) or cell.source.startswith("%%"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Name) and node.id in declared:
                named_in[node.id].append(index)
    assert {name: cells for name, cells in named_in.items() if cells} == {}, (
        "read a parameter as settings.NAME: a bare name holds None until the profile fills it in"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_lessons_settings_are_its_parameters(path):
    notebook = nbformat.read(path, as_version=4)
    declared = set(declared_parameters(parameters_cell(notebook).source))
    lesson = lesson_of(declared)
    assert set(lesson.lab) == declared - {"profile"}
    assert path.stem.split("_", 1)[1] == lesson.name


def test_a_lesson_is_found_by_its_own_parameters_only():
    for lesson in LESSONS:
        assert lesson_of(set(lesson.lab) | {"profile"}) is lesson


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_machinery_cells_are_one_line_each(path):
    notebook = nbformat.read(path, as_version=4)
    [install] = [cell for cell in notebook.cells if "install" in tags(cell)]
    assert "remove-cell" in tags(install), "the book does not show the install cell"
    assert len(install.source.splitlines()) <= 5
    [report] = [cell for cell in notebook.cells if "lab-report" in tags(cell)]
    assert len([line for line in report.source.splitlines() if line.strip()]) <= 3
    after = notebook.cells[notebook.cells.index(parameters_cell(notebook)) + 1]
    assert after.source.strip() == "settings = notebook_settings()"
    calls = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and "report_result(" in cell.source
    ]
    assert len(calls) == 1 and "record_results" not in "".join(c.source for c in notebook.cells)


DRAWING = re.compile(r"\bplt\.(subplots|figure|plot|bar|hist|imshow|scatter)\(|\bax(es)?\b[\[.]")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_is_drawn_by_a_labhelpers_function(path):
    notebook = nbformat.read(path, as_version=4)
    drawn = [
        line.strip()
        for cell in notebook.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if DRAWING.search(line) and not line.lstrip().startswith("#")
    ]
    assert drawn == [], "draw it in labhelpers/plots.py or the lesson's module, with a test"
