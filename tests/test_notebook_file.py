"""The one reader of notebook files: title, tagged cells, parameters cell, saved results, run
cells, read alike from the file's JSON and from nbformat."""

import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labhelpers.base.notebook_file import (
    RESULTS_MIME,
    declared,
    parameter_values,
    parameters_source,
    read,
    run_cells,
    saved_results,
    source_of,
    tagged_cells,
    title_of,
)

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PARAMETERS = (
    'profile = "quick"  # type: str  The profile.\n'
    "hidden_size = None  # type: int, at least 1  Size of h_t.\n"
    "seed = 3  # type: int  The seed.\n"
)


def small_notebook() -> nbformat.NotebookNode:
    """A lesson in miniature: an intro without a title line, the title, a parameters cell,
    papermill's injected cell, an empty cell, two results and the lab-report cell."""
    first = {"title": "first", "metrics": {"accuracy": 0.5}}
    second = {"title": "second", "metrics": {"mse": 0.25}}
    return new_notebook(
        cells=[
            new_markdown_cell("Not a title\n## Aim"),
            new_markdown_cell("Intro\n# Lesson 9: words in order\n# Lesson 10: not this one"),
            new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
            new_code_cell("# Parameters\nseed = 5\n", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("   \n"),
            new_code_cell(
                "show(first)",
                outputs=[
                    new_output("stream", name="stdout", text="printed\n"),
                    new_output("display_data", data={RESULTS_MIME: first, "text/plain": "{}"}),
                ],
            ),
            new_code_cell(
                "show(second)", outputs=[new_output("display_data", data={RESULTS_MIME: second})]
            ),
            new_code_cell("make_report()", metadata={"tags": ["lab-report"]}),
        ]
    )


@pytest.fixture
def both_forms(tmp_path):
    """The small notebook as nbformat gives it (one string per source) and as read() gives it
    (the file's JSON: lists of lines)."""
    notebook = small_notebook()
    nbformat.write(notebook, tmp_path / "small.ipynb")
    from_file = read(tmp_path / "small.ipynb")
    assert isinstance(from_file["cells"][2]["source"], list)  # the form the readers must join
    return notebook, from_file


def test_every_reader_reads_the_files_json_as_nbformat_reads_it(both_forms):
    notebook, from_file = both_forms
    for reader in (title_of, parameters_source, parameter_values, saved_results, declared):
        assert reader(from_file) == reader(notebook)
    assert [i for i, _ in run_cells(from_file)] == [i for i, _ in run_cells(notebook)]


def test_the_title_is_the_first_level_one_heading(both_forms):
    _, from_file = both_forms
    assert title_of(from_file) == "Lesson 9: words in order"
    assert title_of(new_notebook(cells=[new_markdown_cell("## Aim")])) is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_title_of_each_lesson_is_its_sources_first_title_line(path):
    twin = path.with_suffix(".py").read_text(encoding="utf-8")
    expected = re.search(r"^# # (.+)$", twin, flags=re.MULTILINE).group(1).strip()
    assert title_of(read(path)) == expected


def test_the_parameters_cell_its_declarations_and_the_values_the_run_used(both_forms):
    _, from_file = both_forms
    assert parameters_source(from_file) == PARAMETERS
    declarations = declared(from_file)
    assert list(declarations) == ["profile", "hidden_size", "seed"]
    assert declarations["hidden_size"].check("hidden_size", 0)  # "at least 1" was read
    assert declarations["hidden_size"].check("hidden_size", 1) is None
    # papermill's injected value replaces the cell's own
    assert parameter_values(from_file) == {"profile": "quick", "hidden_size": None, "seed": 5}
    assert parameters_source(new_notebook(cells=[new_code_cell("x = 1")])) == ""


def test_tagged_cells_and_saved_results_come_in_order(both_forms):
    _, from_file = both_forms
    assert [source_of(c) for c in tagged_cells(from_file, "lab-report")] == ["make_report()"]
    assert tagged_cells(from_file, "no-such-tag") == []
    assert [r["title"] for r in saved_results(from_file)] == ["first", "second"]


def test_run_cells_are_the_non_empty_code_cells_less_the_tags_left_out(both_forms):
    _, from_file = both_forms
    assert [i for i, _ in run_cells(from_file)] == [2, 3, 5, 6, 7]
    assert [i for i, _ in run_cells(from_file, leave_out={"lab-report"})] == [2, 3, 5, 6]


def test_the_reader_imports_nothing_heavy_and_no_tool():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, labhelpers.base.notebook_file; print(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    heavy = {"nbformat", "papermill", "pandas", "numpy", "torch"}
    assert not heavy & set(loaded)
    assert not [name for name in loaded if name.startswith("labhelpers.tools")]
