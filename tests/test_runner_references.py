"""Regenerating an nbval reference says which compared output lines changed (not timings)."""

import os
import shutil

import nbformat

from labhelpers.base.environment import BATCH_ENV
from labhelpers.tools.references import compared_lines, make_references, strip_for_reference
from labhelpers.tools.runner import execute_notebook

from conftest import ROOT


def lesson(folder, value: int) -> None:
    """A one-parameter notebook in ``folder/notebooks`` that prints a value and a timing."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                'profile = "quick"\nvalue = 0', metadata={"tags": ["parameters"]}
            ),
            nbformat.v4.new_code_cell(
                f"print('value', value + {value})\nprint('trained in 0.31 s')"
            ),
            nbformat.v4.new_code_cell(
                "print('ignored', value + 5)", metadata={"tags": ["nbval-ignore-output"]}
            ),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / "notebooks" / "01_tiny.ipynb")


def test_make_references_lists_the_compared_lines_that_changed(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests" / "nbval").mkdir(parents=True)
    shutil.copy2(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copy2(ROOT / "tests" / "nbval_sanitize.cfg", tmp_path / "tests" / "nbval_sanitize.cfg")
    lesson(tmp_path, 1)
    [(reference, changed)] = make_references(root=tmp_path).items()
    assert changed == ["+value 1", "+trained in T s"]  # a new reference: every line is new
    assert compared_lines(reference) == ["value 1", "trained in 0.31 s"]  # without the rules
    [(_, changed)] = make_references(root=tmp_path).items()
    assert changed == []  # the same run again: nothing to explain, whatever its timings
    lesson(tmp_path, 2)
    [(_, changed)] = make_references(root=tmp_path).items()
    assert changed == ["-value 1", "+value 2"]  # not the timing line, not the ignored cell


def test_a_reference_keeps_no_stderr(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "x",
                outputs=[
                    nbformat.v4.new_output("stream", name="stdout", text="kept\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
                ],
            )
        ]
    )
    nbformat.write(notebook, tmp_path / "executed.ipynb")
    strip_for_reference(tmp_path / "executed.ipynb", tmp_path / "reference.ipynb")
    assert compared_lines(tmp_path / "reference.ipynb") == ["kept"]


def test_execute_notebook_gives_the_batch_flag_to_the_kernel_and_leaves_this_process_as_it_was(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(BATCH_ENV, raising=False)  # conftest sets it for the test process
    before = dict(os.environ)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import os\nprint(repr(os.environ.get({BATCH_ENV!r})))")]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, tmp_path / "seen.ipynb")
    executed = execute_notebook(tmp_path / "seen.ipynb", tmp_path / "out" / "seen.ipynb", {})
    assert dict(os.environ) == before
    (output,) = nbformat.read(executed, as_version=4).cells[0].outputs
    assert output.text == "'1'\n"


def kernels_on_a_taken_port(monkeypatch, collide):
    """Make the kernels start_batch_kernel starts: the first ``collide`` of them with their
    control port already taken, as when another kernel grabs it between the port's choice and the
    kernel's bind. Returns the managers made, and closes the port's socket at the end."""
    import socket

    import jupyter_client.manager

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    monkeypatch.setattr("labhelpers.tools.jobs.KERNEL_READY_SECONDS", 30.0)
    made = []

    class Manager(jupyter_client.manager.AsyncKernelManager):
        def __init__(self, **settings):
            super().__init__(**settings)
            if len(made) < collide:  # its own port, not one from jupyter_client's port cache
                self.cache_ports = False
                self.control_port = taken.getsockname()[1]
            made.append(self)

    monkeypatch.setattr(jupyter_client.manager, "AsyncKernelManager", Manager)
    return made, taken


def test_a_kernel_that_dies_on_a_taken_port_is_started_again(monkeypatch):
    from jupyter_core.utils import run_sync

    from labhelpers.tools.jobs import start_batch_kernel, stop_kernel

    made, taken = kernels_on_a_taken_port(monkeypatch, collide=1)
    try:
        manager = start_batch_kernel({}, str(ROOT))
        try:
            assert len(made) == 2 and manager is made[1]
            assert not run_sync(made[0].is_alive)() and run_sync(manager.is_alive)()
        finally:
            stop_kernel(manager)
    finally:
        taken.close()


def test_kernels_that_keep_dying_are_an_error_and_none_is_left_running(monkeypatch):
    import pytest
    from jupyter_core.utils import run_sync

    from labhelpers.tools import jobs

    monkeypatch.setattr(jobs, "KERNEL_STARTS", 2)
    made, taken = kernels_on_a_taken_port(monkeypatch, collide=2)
    try:
        with pytest.raises(RuntimeError, match="died"):
            jobs.start_batch_kernel({}, str(ROOT))
        assert len(made) == 2 and not any(run_sync(m.is_alive)() for m in made)
    finally:
        taken.close()
