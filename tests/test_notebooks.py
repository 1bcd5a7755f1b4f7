"""Checks of the notebooks themselves: pairing, parameters, Colab cells, references."""

import importlib.util
import subprocess
import sys

import jupytext
import nbformat
import papermill as pm
import pytest

from labhelpers.tools.colab import badge, expected_source, install_cell, install_requirement
from labhelpers.tools.runner import (
    NotebookFailed,
    execute_notebook,
    list_notebooks,
    reject_unknown_parameters,
)

from conftest import ROOT

NOTEBOOKS = list_notebooks(ROOT)
IDS = [path.stem for path in NOTEBOOKS]


def code_cells(notebook):
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", [])
    ]


def test_every_lesson_is_a_pair():
    sources = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert sources == IDS and IDS, (
        "every notebooks/NN_name.py needs its .ipynb and the reverse (jupytext --sync)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_pair_is_in_sync(path):
    from_py = jupytext.read(path.with_suffix(".py"))
    from_ipynb = jupytext.read(path)
    assert [(c.cell_type, c.source) for c in from_py.cells] == [
        (c.cell_type, c.source) for c in from_ipynb.cells
    ], f"run: jupytext --sync {path.with_suffix('.py')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_cell_declares_profile_and_helps_every_parameter(path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    parameters = pm.inspect_notebook(str(path))
    assert "profile" in parameters and parameters["profile"]["default"] == '"quick"'
    for name, parameter in parameters.items():
        assert parameter["help"], f"parameter {name} has no help comment"
        assert parameter["inferred_type_name"] not in ("", "None"), (
            f"parameter {name} has no '# type: T' comment"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_help_notebook_lists_every_parameter_with_its_help(path):
    shown = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name, parameter in pm.inspect_notebook(str(path)).items():
        assert f"  {name}: {parameter['inferred_type_name']}" in shown
        assert parameter["help"] in shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_badge_and_install_cell_follow_the_config(path):
    source = path.with_suffix(".py").read_text()
    assert expected_source(ROOT, source, path.stem) == source, "run: python -m labhelpers colab"
    notebook = nbformat.read(path, as_version=4)
    assert badge(ROOT, path.stem) in notebook.cells[0].source
    assert notebook.cells[1].source.rstrip() == install_cell(ROOT).rstrip()


def test_install_cell_fits_the_books_code_column():
    # ruff lets a line ending in a URL run long; the book's code column does not.
    assert max(len(line) for line in install_cell(ROOT).splitlines()) <= 79


FIND_SPEC = importlib.util.find_spec  # before any test patches it


def run_install_cell(monkeypatch, *, colab: bool, installed: bool, pip_returncode: int = 0):
    """Execute the install cell; returns the pip commands it ran
    (pip itself is not run here: see test_colab_harness)."""
    import types

    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    find_spec = FIND_SPEC
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "labhelpers" and not installed else find_spec(name, *a),
    )
    commands = []

    def fake_run(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(
            command, pip_returncode, "", "ERROR: No matching distribution found"
        )

    monkeypatch.setattr(subprocess, "run", fake_run)
    exec(install_cell(ROOT), {})
    return commands


def test_install_cell_installs_only_on_colab_and_only_once(monkeypatch, capsys):
    assert run_install_cell(monkeypatch, colab=False, installed=False) == []
    assert run_install_cell(monkeypatch, colab=True, installed=True) == []
    [command] = run_install_cell(monkeypatch, colab=True, installed=False)
    assert command[1:4] == ["-m", "pip", "install"] and command[-1] == install_requirement(
        ROOT
    ).strip('"')
    assert "installed in" in capsys.readouterr().out  # how long it took


def test_install_cell_shows_pips_own_error(monkeypatch, capsys):
    with pytest.raises(RuntimeError, match="pip could not install labhelpers"):
        run_install_cell(monkeypatch, colab=True, installed=False, pip_returncode=1)
    assert "ERROR: No matching distribution found" in capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_reference_is_a_smoke_run_of_the_current_code(path):
    reference_path = ROOT / "tests" / "nbval" / path.name
    assert reference_path.exists(), (
        f"missing reference: python -m labhelpers references --only {path.stem}"
    )
    reference = nbformat.read(reference_path, as_version=4)
    assert code_cells(reference) == code_cells(nbformat.read(path, as_version=4)), (
        f"stale reference: python -m labhelpers references --only {path.stem}"
    )
    injected = [c for c in reference.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and injected[0].source.strip().endswith('profile = "smoke"')
    streams = [
        o
        for c in reference.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    ]
    assert all(o.name == "stdout" for o in streams), "references keep no stderr output"


def test_an_unknown_parameter_is_refused_by_name():
    with pytest.raises(
        ValueError, match=r"has no parameter 'hiden_size'; its parameters are: .*hidden_size"
    ):
        reject_unknown_parameters(NOTEBOOKS[0], {"hiden_size": 8})


def test_an_unknown_profile_stops_the_notebook_with_a_clear_error(tmp_path):
    with pytest.raises(
        NotebookFailed, match=r"failed in cell .* ValueError: profile must be one of"
    ):
        execute_notebook(NOTEBOOKS[0], tmp_path / "out.ipynb", {"profile": "fast"})
    assert (tmp_path / "out.ipynb").exists()  # kept, with the error in it


def test_importing_labhelpers_imports_no_framework():
    code = (
        "import labhelpers, labhelpers.profiles, "
        "labhelpers.metrics, labhelpers.report, labhelpers.runtime, "
        "labhelpers.files, labhelpers.tools.runner, sys; "
        "assert 'torch' not in sys.modules and 'tensorflow' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
