"""Checks of the notebooks themselves: pairing, parameters, Colab cells, references."""

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

from conftest import ROOT, says

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
    assert notebook.cells[1].source == "%%bash\n" + install_script()
    assert notebook.cells[1].metadata.tags == ["install", "remove-cell"]


def install_script() -> str:
    """The bash the install cell runs: its .ipynb form, without the %%bash line."""
    notebook = jupytext.reads(install_cell(ROOT) + "\n# %% [markdown]\n# x\n", fmt="py:percent")
    source = notebook.cells[0].source
    assert source.startswith("%%bash\n")
    return source.removeprefix("%%bash\n")


def run_install_cell(tmp_path, *, colab: bool, installed: bool, pip_returncode: int = 0):
    """Run the install cell's bash with a stand-in ``python`` that logs each pip command and
    answers ``pip show`` as an installed or missing labhelpers would; returns the commands and
    the cell's exit status."""
    log = tmp_path / "pip.log"
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        f'[ "$3" = show ] && exit {0 if installed else 1}\n'
        f"exit {pip_returncode}\n"
    )
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin"}
    if colab:
        env["COLAB_RELEASE_TAG"] = "release-colab-20261201"
    done = subprocess.run(["bash", "-c", install_script()], env=env, capture_output=True)
    commands = log.read_text().splitlines() if log.exists() else []
    return commands, done.returncode


def test_install_cell_installs_only_on_colab_and_only_once(tmp_path):
    assert run_install_cell(tmp_path / "a", colab=False, installed=False) == ([], 0)
    shown, status = run_install_cell(tmp_path / "b", colab=True, installed=True)
    assert (shown, status) == (["-m pip show -q labhelpers"], 0)
    commands, status = run_install_cell(tmp_path / "c", colab=True, installed=False)
    requirement = install_requirement(ROOT).strip('"')
    assert commands == ["-m pip show -q labhelpers", f"-m pip install -q {requirement}"]
    assert status == 0


def test_a_failed_install_fails_the_cell(tmp_path):
    # IPython's %%bash raises on a nonzero status: the run stops under pip's own messages.
    _, status = run_install_cell(tmp_path, colab=True, installed=False, pip_returncode=1)
    assert status == 1


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
        ValueError, match=says("no parameter 'hiden_size'", "its parameters are", "hidden_size")
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
        "labhelpers.metrics, labhelpers.report, labhelpers.base.runtime, "
        "labhelpers.base.files, labhelpers.tools.runner, sys; "
        "assert 'torch' not in sys.modules and 'tensorflow' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
