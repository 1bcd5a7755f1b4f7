"""labhelpers.runtime: who started the kernel (a person or a batch run), and a quiet TensorFlow."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labhelpers.runtime import _program, is_interactive, kernel_launcher


@pytest.mark.parametrize(
    "argv, program",
    [
        (["/venv/bin/python", "/venv/bin/papermill", "in.ipynb", "out.ipynb"], "papermill"),
        (["/venv/bin/python3.11", "-m", "pytest", "-x"], "pytest"),
        (["python", "-u", "-m", "labhelpers", "run"], "labhelpers"),
        (["/usr/bin/python3", "/venv/bin/jupyter-lab", "--no-browser"], "jupyter-lab"),
        (["/venv/bin/jupyter-nbconvert", "--execute"], "jupyter-nbconvert"),
        (["python", "-c", "import papermill"], ""),
        ([], ""),
    ],
)
def test_program_names_what_a_command_line_runs(argv, program):
    assert _program(argv) == program


def test_a_kernel_started_by_pytest_counts_as_batch():
    # This test's own process is a child of pytest, as a kernel started by nbval is.
    code = "from labhelpers.runtime import kernel_launcher; print(kernel_launcher())"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "batch"
    assert kernel_launcher() in ("batch", None)  # pytest itself was started by make, a shell or CI


def test_environment_overrides_come_first(monkeypatch):
    monkeypatch.setenv("LABHELPERS_BATCH", "0")
    assert is_interactive() is True
    monkeypatch.setenv("LABHELPERS_BATCH", "1")
    assert is_interactive() is False
    monkeypatch.delenv("LABHELPERS_BATCH")
    monkeypatch.setenv("CI", "true")
    assert is_interactive() is False


def test_a_kernel_asks_its_launcher(monkeypatch):
    monkeypatch.delenv("LABHELPERS_BATCH", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setitem(sys.modules, "ipykernel", sys.modules.get("ipykernel") or object())
    monkeypatch.setattr("labhelpers.runtime.kernel_launcher", lambda: "batch")
    assert is_interactive() is False
    monkeypatch.setattr("labhelpers.runtime.kernel_launcher", lambda: "frontend")
    assert is_interactive() is True
    # Colab, VS Code: a person
    monkeypatch.setattr("labhelpers.runtime.kernel_launcher", lambda: None)
    assert is_interactive() is True


def test_import_keras_keeps_tensorflows_start_up_lines_out_of_stderr():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    plain = subprocess.run(
        [sys.executable, "-c", "import tensorflow"], capture_output=True, text=True, env=env
    )
    quiet = subprocess.run(
        [
            sys.executable,
            "-c",
            "from labhelpers.runtime import import_keras; "
            "keras = import_keras(); print(keras.__name__)",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "absl::InitializeLog" in plain.stderr  # what a notebook showed as an error box
    assert quiet.stdout.strip() == "keras"
    assert quiet.stderr.strip() == "", quiet.stderr


def test_tell_terminal_reaches_the_terminal_of_a_papermill_run_not_only_the_notebook(tmp_path):
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from labhelpers.runtime import "
                "tell_terminal\ntell_terminal('fell back to generated reviews')"
            )
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, tmp_path / "in.ipynb")
    # Without pytest's variable, as a teaching assistant runs it (ipykernel watches no file
    # descriptor under pytest).
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_CURRENT_TEST"}
    for environment in (env, os.environ):
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "papermill"),
                str(tmp_path / "in.ipynb"),
                str(tmp_path / "out.ipynb"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=environment,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "fell back to generated reviews" in done.stderr, done.stderr
