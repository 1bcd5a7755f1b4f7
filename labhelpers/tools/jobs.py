"""One notebook run, as a Dask task: what a worker does with a job the runner submits.

A job carries the notebook's bytes, its parameters and the environment of its
kernel; the worker executes it with papermill in a folder of its own and sends
back the executed notebook's bytes, so the runner writes it into the teaching
assistant's ``_build/`` whatever the workers' file systems. A notebook that
raises is an answer (``status: "failed"``), not a task error: Dask retries only
what went wrong around the notebook (a kernel that would not start, a lost
worker). :func:`stop_jobs`, run on every worker by the runner on Ctrl-C, stops
the kernels of a run and returns each notebook as far as it got.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.environment import BATCH_ENV

# The variables that give a kernel one thread per library (torch, NumPy's BLAS, TensorFlow).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def thread_environment(threads: int) -> dict[str, str | None]:
    """The kernel variables for ``threads`` threads per job. 0 removes them (None), so that each
    library takes its own default, every core: a Dask worker sets OMP_NUM_THREADS=1 and the like
    (its ``pre-spawn-environ``), which its kernels would otherwise inherit."""
    if threads < 0:
        raise ValueError(
            f"--threads must be 0 (the libraries' defaults) or a positive count, got {threads}"
        )
    return {name: str(threads) if threads else None for name in THREAD_VARIABLES}


@dataclass
class Job:
    """One notebook to execute: ``name`` is the executed copy's name (with a sweep point's
    parameters)."""

    name: str
    source: bytes
    parameters: dict[str, Any]
    run_id: str
    # The kernel's variables on top of the worker's; None removes one.
    env: dict[str, str | None] = field(default_factory=dict)
    cwd: str | None = None  # the kernel's folder when it exists on the worker, else a temporary one


# The jobs running on this worker: run id -> job name -> (kernel manager, file papermill saves into,
# thread).
_RUNNING: dict[str, dict[str, tuple[Any, Path, int]]] = {}
_STOPPED: set[tuple[str, str]] = set()
_STOPPED_THREADS: set[int] = set()
_LOCK = threading.Lock()


class _QuietWhenStopped(logging.Filter):
    """Drop papermill's log lines ("Kernel died ...") from the threads of jobs stopped on
    purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread not in _STOPPED_THREADS


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def without_colours(text: str) -> str:
    """``text`` without the terminal colour codes of a kernel's traceback."""
    return _ANSI.sub("", text)


def _failing_line(traceback: list[str] | None) -> str:
    """The last frame's marked line (``----> 16 model = ...``) of a kernel's traceback, without
    colours."""
    marked = [
        line.strip()
        for frame in traceback or []
        for line in without_colours(frame).splitlines()
        if line.lstrip().startswith("--->")
    ]
    return f"\n    at {marked[0]}" if marked else ""


# Tries at starting a kernel: the ports of its connection file are picked free, then bound by the
# kernel a moment later, and another kernel starting meanwhile (a second job, a parallel test
# worker) can take one first; the kernel then dies with "Address already in use" before it
# answers. A fresh start picks other ports.
KERNEL_STARTS = 3
KERNEL_READY_SECONDS = 60.0  # nbclient's own start-up timeout


def start_batch_kernel(env: Mapping[str, str | None], cwd: str):
    """Start a python3 kernel in ``cwd`` for papermill's ``km``, and wait until it answers: this
    process's variables with ``LABHELPERS_BATCH=1`` and ``env`` on top (None removes one), given
    to the kernel alone (this process's ``os.environ`` stays as it is). A kernel that dies before
    answering is started again, :data:`KERNEL_STARTS` times at most; one that does not answer in
    :data:`KERNEL_READY_SECONDS` is an error at once. Stop it with
    :func:`stop_kernel`."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    variables = {**os.environ, BATCH_ENV: "1", **env}
    variables = {name: value for name, value in variables.items() if value is not None}
    for attempt in range(1, KERNEL_STARTS + 1):
        # Curve encryption for the kernel's sockets (its kernelspec declares support): ipykernel
        # then has no reason to print its "running over TCP without encryption" warning for every
        # notebook. nbclient runs the kernel's client in this thread's event loop (jupyter_core's
        # run_sync): so does this.
        manager = AsyncKernelManager(kernel_name="python3", transport_encryption="auto")
        run_sync(manager.start_kernel)(env=variables, cwd=cwd)
        try:
            _wait_until_it_answers(manager)
        except RuntimeError:  # it died before replying to kernel_info, or did not reply in time
            died = not run_sync(manager.is_alive)()
            stop_kernel(manager)
            if died and attempt < KERNEL_STARTS:
                continue
            raise
        return manager


def _wait_until_it_answers(manager) -> None:
    """Wait for the kernel's reply to kernel_info; RuntimeError if it dies first."""
    from jupyter_core.utils import run_sync

    client = manager.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=KERNEL_READY_SECONDS)
    finally:
        client.stop_channels()


def stop_kernel(manager) -> None:
    """Shut down the kernel of :func:`start_batch_kernel` now, if it still runs."""
    from jupyter_core.utils import run_sync

    if manager.has_kernel:
        run_sync(manager.shutdown_kernel)(now=True)


def execute_job(job: Job) -> dict[str, Any]:
    """Execute ``job`` on this worker: ``{"status", "notebook" (bytes), "error", "seconds",
    "worker"}``."""
    import nbformat
    import papermill as pm

    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="labhelpers-job-"))
    source, output = folder / "source.ipynb", folder / f"{job.name}.ipynb"
    source.write_bytes(job.source)
    cwd = job.cwd if job.cwd and Path(job.cwd).is_dir() else str(folder)
    manager = start_batch_kernel(job.env, cwd)
    with _LOCK:
        _RUNNING.setdefault(job.run_id, {})[job.name] = (manager, output, threading.get_ident())
        papermill_log = logging.getLogger("papermill")
        if not any(isinstance(f, _QuietWhenStopped) for f in papermill_log.filters):
            papermill_log.addFilter(_QuietWhenStopped())
    status, error = "done", None
    try:
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=dict(job.parameters),
            km=manager,
            kernel_name="python3",
            cwd=cwd,
            progress_bar=False,
            request_save_on_cell_execute=True,
            autosave_cell_every=10,
        )
    except pm.PapermillExecutionError as failure:
        status = "failed"
        error = f"cell {failure.exec_count}: {failure.ename}: {failure.evalue}" + _failing_line(
            failure.traceback
        )
    except Exception as failure:  # the kernel died or was stopped: the notebook as far as it got
        if not output.exists() and (job.run_id, job.name) not in _STOPPED:
            raise  # around the notebook (a kernel that did not start): Dask retries it
        status, error = "failed", f"{type(failure).__name__}: {failure}"
    finally:
        with _LOCK:
            _RUNNING.get(job.run_id, {}).pop(job.name, None)
        stop_kernel(manager)
    try:
        notebook = output.read_bytes() if output.exists() else None
        if notebook is not None and status == "done":
            nbformat.reads(notebook.decode("utf-8"), as_version=4)  # whole and readable
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "status": status,
        "notebook": notebook,
        "error": error,
        "seconds": time.perf_counter() - started,
        "worker": _worker_address(),
    }


def _worker_address() -> str:
    """The Dask worker running this job (its address), or the host's name outside Dask."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return platform.node()


def stop_jobs(run_id: str) -> dict[str, bytes]:
    """Stop this worker's kernels of run ``run_id``; return each notebook as far as papermill saved
    it."""
    with _LOCK:
        running = dict(_RUNNING.pop(run_id, {}))
        _STOPPED.update((run_id, name) for name in running)
        _STOPPED_THREADS.update(thread for _, _, thread in running.values())
    partial = {}
    for name, (manager, output, _) in running.items():
        with suppress(OSError):
            partial[name] = output.read_bytes()
        provisioner = getattr(manager, "provisioner", None)
        pid = getattr(provisioner, "pid", None)
        if pid:
            # the kernel leads a session of its own: stop it and whatever it started
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10  # let each job's own clean-up remove its folder
    while (
        any(output.parent.exists() for _, output, _ in running.values())
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    return partial
