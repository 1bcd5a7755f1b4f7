"""Where a lesson runs: the device, the seeds, whether a person is watching, and a quiet TensorFlow.

A notebook runs either in front of a person (JupyterLab, Colab, VS Code, a
terminal) or in batch (papermill, nbval, ``python -m labhelpers run``,
``jupyter nbconvert --execute``). Progress bars and sliders are widgets that
only make sense to a person; an executed notebook should hold plain lines and
static figures. :func:`is_interactive` tells the two apart without the user
setting anything, by looking at the program that started the kernel.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from .environment import BATCH_ENV

# Programs that execute notebooks with nobody watching, and programs that show them to a person.
BATCH_PROGRAMS = (
    "papermill",
    "pytest",
    "py.test",
    "jupyter-nbconvert",
    "nbconvert",
    "nbclient",
    "jupyter-execute",
    "labhelpers",
)
FRONTEND_PROGRAMS = (
    "jupyter-lab",
    "jupyterlab",
    "jupyter-notebook",
    "notebook",
    "jupyter-server",
    "jupyter_server",
    "voila",
    "jupyter-voila",
)


def _program(argv: list[str]) -> str:
    """The program a command line runs: ``papermill`` for ``python
    /venv/bin/papermill ...``, ``pytest`` for ``python -m pytest``."""
    if not argv:
        return ""
    name = Path(argv[0]).name
    if not name.startswith("python"):
        return name
    args = iter(argv[1:])
    for arg in args:
        if arg == "-m":
            return next(args, "").split(".")[0]
        if arg in ("-c", "-"):
            return ""
        if not arg.startswith("-"):
            return Path(arg).name
    return ""


def _parent(pid: int) -> tuple[int, list[str]] | None:
    """``(parent pid, command line)`` of process
    ``pid``, from /proc or ``ps``; None when unknown."""
    proc = Path(f"/proc/{pid}")
    try:
        stat = (proc / "stat").read_text()
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        argv = [
            a for a in (proc / "cmdline").read_bytes().decode(errors="replace").split("\0") if a
        ]
        return ppid, argv
    except (OSError, ValueError, IndexError):
        pass
    try:  # macOS and other systems without /proc
        line = subprocess.run(
            ["ps", "-o", "ppid=,command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=2,
        ).stdout.strip()
        ppid, _, command = line.partition(" ")
        return int(ppid), command.split()
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def kernel_launcher(max_depth: int = 6) -> str | None:
    """``"batch"`` or ``"frontend"``: the first known program
    among this process's ancestors; None if none is known."""
    pid = os.getppid()
    for _ in range(max_depth):
        if pid <= 1:
            return None
        found = _parent(pid)
        if found is None:
            return None
        ppid, argv = found
        program = _program(argv)
        if program in FRONTEND_PROGRAMS:
            return "frontend"
        if program in BATCH_PROGRAMS:
            return "batch"
        pid = ppid
    return None


def is_interactive() -> bool:
    """True when a person is watching: progress bars and
    sliders; False in batch: plain lines, static figures.

    In order: ``LABHELPERS_BATCH=1`` (or ``0``) decides when set; ``CI`` means
    batch; a Jupyter kernel asks who started it (papermill, pytest/nbval,
    nbconvert or the runner: batch; JupyterLab, Notebook, Colab, anything
    unknown: a person); a plain script is interactive when it writes to a terminal.
    """
    flag = os.environ.get(BATCH_ENV)
    if flag is not None and flag.strip() != "":
        return flag.strip() in ("0", "false", "False", "no")
    if os.environ.get("CI"):
        return False
    if "ipykernel" in sys.modules:
        return kernel_launcher() != "batch"
    return sys.stderr is not None and sys.stderr.isatty()


class StillRunning(TimeoutError):
    """A call of :func:`bounded` gave no answer in time (and carries on in the background)."""


# Calls still running after their caller stopped waiting, by key (see bounded).
_running: dict[str, tuple[threading.Thread, dict]] = {}


def bounded(key: str, seconds: float, function):
    """``function()`` in a daemon thread, waited for at most ``seconds``: its value, its exception,
    or :class:`StillRunning`.

    Downloaders (kagglehub, Keras's, gensim's) set no network timeout, and
    Python cannot stop a thread. A call still running when the time is up
    carries on in the background: a download may still finish and fill its
    cache, where the next attempt finds it; being a daemon thread, it does not
    keep the interpreter from exiting. A second call with the same ``key``
    while the first still runs waits for that one instead of starting a second
    download into the same folder.
    """
    thread, outcome = _running.get(key, (None, {}))
    if thread is None or not thread.is_alive():
        outcome = {}

        def run():
            try:
                outcome["value"] = function()
            except Exception as error:  # handed to the waiting caller below
                outcome["error"] = error

        thread = threading.Thread(target=run, name=f"labhelpers: {key}", daemon=True)
        _running[key] = (thread, outcome)
        thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise StillRunning(f"no answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def still_running(key: str) -> threading.Thread | None:
    """The thread of the call :func:`bounded` left running under ``key``, if any (tests join it)."""
    thread, _ = _running.get(key, (None, None))
    return thread if thread is not None and thread.is_alive() else None


def tell_terminal(message: str) -> None:
    """Write ``message`` to the terminal that started this process, besides what the notebook shows.

    In a Jupyter kernel ``sys.stderr`` sends to the notebook, but its
    ``fileno()`` is a copy of the kernel's original stderr: the terminal of
    papermill, of the batch runner or of ``jupyter lab``. A teaching assistant
    watching a batch run reads there what the notebooks only say inside (a
    fallback to generated data). Outside a kernel this is plain stderr.
    """
    try:
        os.write(sys.stderr.fileno(), f"{message}\n".encode(errors="replace"))
    except (AttributeError, OSError, ValueError):  # a kernel that does not watch file descriptors
        if sys.__stderr__ is not None:
            print(message, file=sys.__stderr__, flush=True)


@contextlib.contextmanager
def _stderr_to_devnull():
    """Send file descriptor 2 to /dev/null: C++ libraries
    write there directly, past Python's sys.stderr."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (some embedded interpreters): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras(needed_for: str = "Keras (lessons 2 and 8)"):
    """Import Keras (with TensorFlow) without TensorFlow's
    start-up lines, and return the ``keras`` module.

    TensorFlow writes log lines to the process's stderr when it is imported
    ("Could not find cuda drivers", "failed call to cuInit", oneDNN notes) and,
    later, graph-optimizer warnings; a notebook shows them as red error boxes.
    ``TF_CPP_MIN_LOG_LEVEL=3`` keeps only fatal messages from then on; the lines
    written before TensorFlow's logging starts are sent to /dev/null. Every
    lesson imports Keras through this function, before anything else imports
    TensorFlow; without TensorFlow the error says what ``needed_for`` it and
    how to install it. Python warnings are left alone.
    """
    from .checks import require

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_to_devnull():
            require("tensorflow", "keras", needed_for)
        _bound_tensorflow_threads(sys.modules["tensorflow"])
    return require("keras", "keras", needed_for, package="tensorflow")


def _bound_tensorflow_threads(tf) -> None:
    """Give TensorFlow's two thread pools the sizes the batch runner asks for
    (``TF_NUM_INTRAOP_THREADS``, ``TF_NUM_INTEROP_THREADS``) through its own API, before it makes
    them: a kernel of a parallel build then uses its share of the cores (OMP_NUM_THREADS does not
    bound TensorFlow). Unset, TensorFlow keeps its default, every core."""
    for variable, setter in (
        ("TF_NUM_INTRAOP_THREADS", tf.config.threading.set_intra_op_parallelism_threads),
        ("TF_NUM_INTEROP_THREADS", tf.config.threading.set_inter_op_parallelism_threads),
    ):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            with contextlib.suppress(RuntimeError):  # pools already made: too late to change
                setter(int(value))


_KNOWN = ("auto", "cuda", "mps", "cpu")


def choose_device(prefer: str = "auto"):
    """Return a ``torch.device``.

    ``prefer="auto"`` takes CUDA when available, then MPS, then the CPU. Naming
    a device that is not available is an error rather than a silent fallback, so
    a Colab run without a GPU runtime says so instead of crawling on the CPU.
    """
    import torch

    if prefer not in _KNOWN:
        raise ValueError(f"device must be one of {', '.join(_KNOWN)}; got {prefer!r}")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if prefer == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if prefer == "cuda" and not cuda:
        raise RuntimeError(
            "device='cuda' was asked for but torch sees no CUDA GPU. On Colab choose "
            "Runtime > Change runtime type > GPU, or pass device='auto'."
        )
    if prefer == "mps" and not mps:
        raise RuntimeError(
            "device='mps' was asked for but MPS is not available; pass device='auto'."
        )
    return torch.device(prefer)


def describe_device(device) -> str:
    """A short human description, such as ``cpu (2 threads)`` or ``cuda (NVIDIA H100)``."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy, torch (when installed) and TensorFlow (when imported).

    TensorFlow is seeded only when it is already imported, so that seeding never
    pays for a TensorFlow import: import it before calling this function.
    With ``deterministic=True`` torch is asked for deterministic algorithms
    (warning, not failing, where an operation has none).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses started later
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.manual_seed(seed)
        if deterministic:
            # cuBLAS needs this before its first use to be deterministic.
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        tf.keras.utils.set_random_seed(seed)
        if deterministic:
            tf.config.experimental.enable_op_determinism()
