"""Shared test set-up: a quiet, batch-mode environment and nbval's comparison rules."""

import importlib.util
import os
import re
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def says(*phrases: str) -> str:
    """A pytest.raises pattern: the message holds these phrases, in this order.

    An error message is checked for the parameter it names and the fix it gives (and the
    value it reports), not its whole wording, so a rewording keeps the test passing while
    a message that loses its argument or its fix fails it."""
    return "(?s)" + ".*".join(re.escape(phrase) for phrase in phrases)


# Set before any kernel starts, so nbval's and papermill's kernels inherit it:
# plain progress lines instead of bars, and no writes into the home folder.
os.environ["LABHELPERS_BATCH"] = "1"
# OpenMP threads that spin while waiting starve each other when the pytest process
# and a notebook kernel share 2 cores (a tiny GRU: 0.9 s with this, 41 s without).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# The shared IMDB data beside the repository, found as .ci/run finds it:
# `make test` and CI run the same tests.
if (ROOT.parent / "shared" / "data").is_dir():
    os.environ.setdefault("LABHELPERS_DATA_DIR", str(ROOT.parent / "shared" / "data"))
# Shared by every pytest-xdist worker (and every checkout): matplotlib writes its font cache
# under a lock file, Keras its keras.json only when missing.
_cache = Path(tempfile.gettempdir()) / "labhelpers-test-cache"
os.environ.setdefault("MPLCONFIGDIR", str(_cache / "matplotlib"))
os.environ.setdefault("KERAS_HOME", str(_cache / "keras"))
# `make test` runs the tests in pytest-xdist workers, one per core (pyproject's addopts): each
# worker, and the notebook kernels and subprocesses it starts, gets its share of the cores, as
# the batch runner gives each of its jobs one thread per library. Set before torch is imported.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    from labhelpers.tools.jobs import THREAD_VARIABLES

    _cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    _share = str(max(1, (_cores or 1) // _workers))
    for _name in THREAD_VARIABLES:
        os.environ.setdefault(_name, _share)

# The files whose tests take longest on a 2-core machine, longest first (seconds in one
# parallel run while other jobs loaded the machine): pytest-xdist hands whole files to its
# workers in this order, the rest after them in their usual order, so that no worker starts a
# long file when the other is nearly done.
SLOW_FIRST = (
    "tests/test_colab_harness.py",  # 800
    "tests/test_runner_batch.py",  # 404
    "tests/test_runner_book.py",  # 392
    "tests/test_jupyterlab.py",  # 89
    "tests/test_answers_browser.py",  # 81
    "tests/test_notebooks.py",  # 72
    "tests/test_lab_report.py",  # 70
    "tests/nbval/08_imdb_keras.ipynb",  # 52
    "tests/test_profiles.py",  # 40
    "tests/test_runtime.py",  # 38
)
# Tests that must run on the worker of another file, after it: both bind kagglesdk's fixed
# port 7777 (the Colab harness's stand-in Kaggle for its whole module).
SAME_WORKER_AS = {
    "tests/test_imdb.py::test_the_real_kagglehub_client_is_given_up_at_the_configured_limit": (
        "tests/test_colab_harness.py"
    ),
}


def _file_of(item) -> str:
    path = Path(item.path)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def pytest_collection_modifyitems(items):
    rank = {name: place for place, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(_file_of(item), len(rank)))  # stable: files keep order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` (pyproject's addopts): each test file runs whole on one worker (a
    notebook's nbval cells share one kernel and run in order; a module's fixtures are built once),
    the files in collection order (SLOW_FIRST), and SAME_WORKER_AS's tests with their file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SAME_WORKER_AS.get(nodeid.split("[")[0], nodeid.split("::")[0])

    config.option.loadscopereorder = False  # keep SLOW_FIRST's order, not the number of tests
    return FileScheduling(config, log)


def pytest_collectstart(collector):
    # The saved-results output carries timings; its text/plain line is still compared.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("application/vnd.labhelpers.results+json", "stderr")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def one_torch_thread():
    """Tiny models: a second torch thread only adds waiting, badly so on a busy machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def keras():
    """Keras, imported as the lessons import it (without TensorFlow's start-up lines)."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("Keras (TensorFlow) is not installed: nothing to compare with")
    from labhelpers.base.runtime import import_keras

    return import_keras()


@pytest.fixture(scope="module")
def keras_float64(keras):
    """Keras computing in float64 for one test module: checks to 1e-6 see no float32 rounding."""
    previous = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    yield keras
    keras.backend.set_floatx(previous)
    # A float64 model's traced functions outlive set_floatx: without this, a later float32
    # sigmoid + binary cross-entropy loses its logits (loss 15.94 instead of 120).
    keras.backend.clear_session()


def post_padded(lengths, vocab=50, width=None, seed=0):
    """Random review ids (len(lengths), width), each row
    padded at the end with id 0 after its length."""
    import numpy as np
    import torch

    rng = np.random.default_rng(seed)
    width = width or max(lengths)
    ids = np.zeros((len(lengths), width), dtype=np.int64)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(1, vocab, n)
    return torch.from_numpy(ids)


@pytest.fixture(scope="module")
def synthetic_splits():
    """Generated reviews in the official-split layout and
    their encoded splits (tokenizer, validation carve)."""
    from labhelpers.data.review_data import load_review_data
    from labhelpers.lessons.imdb_strong import split_reviews

    reviews = load_review_data("synthetic", split="official", n_synthetic=400)
    return reviews, split_reviews(reviews, num_words=500, maxlen=60, n_val=40, cache=False)
