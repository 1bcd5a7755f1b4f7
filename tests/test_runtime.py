"""labhelpers.base.runtime: who started the kernel (a person or a batch run), a quiet TensorFlow."""

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from labhelpers.base.runtime import (
    _program,
    choose_device,
    describe_device,
    is_interactive,
    kernel_launcher,
    seed_everything,
)


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
    code = "from labhelpers.base.runtime import kernel_launcher; print(kernel_launcher())"
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
    monkeypatch.setattr("labhelpers.base.runtime.kernel_launcher", lambda: "batch")
    assert is_interactive() is False
    monkeypatch.setattr("labhelpers.base.runtime.kernel_launcher", lambda: "frontend")
    assert is_interactive() is True
    # Colab, VS Code: a person
    monkeypatch.setattr("labhelpers.base.runtime.kernel_launcher", lambda: None)
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
            "from labhelpers.base.runtime import import_keras; "
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
                "from labhelpers.base.runtime import "
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


def draw():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_same_seed_same_numbers_in_every_library():
    seed_everything(3)
    first = draw()
    seed_everything(3)
    assert draw() == first
    seed_everything(4)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_must_be_a_non_negative_integer(bad):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(bad)


@pytest.mark.parametrize(
    "cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
def test_auto_takes_cuda_then_mps_then_the_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert choose_device().type == expected
    assert choose_device("cpu").type == "cpu"  # asked for by name: always there
    assert describe_device("cpu").startswith("cpu (")


def test_unknown_or_missing_device_is_a_clear_error():
    with pytest.raises(ValueError, match="device must be one of"):
        choose_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="Change runtime type"):
            choose_device("cuda")


@pytest.mark.parametrize("threads", ["1", None])
def test_tensorflow_takes_the_thread_counts_the_runner_gives_and_the_results_record_them(threads):
    """OMP_NUM_THREADS does not bound TensorFlow's pools: import_keras sets them from the
    runner's TF_NUM_*_THREADS, and the recorded machine says what they were (0: every core)."""
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_NUM_")}
    if threads:
        env |= {"TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads}
    code = (
        "import json; from labhelpers.base.runtime import import_keras; import_keras(); "
        "from labhelpers.base.machine import machine_description; "
        "print(json.dumps(machine_description()['tensorflow_threads']))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = int(threads) if threads else 0
    assert json.loads(done.stdout.splitlines()[-1]) == {"intra_op": expected, "inter_op": expected}
