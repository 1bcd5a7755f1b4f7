"""Shared test set-up: a quiet, batch-mode environment and nbval's comparison rules."""

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

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
_cache = Path(tempfile.gettempdir()) / "labhelpers-test-cache"
os.environ.setdefault("MPLCONFIGDIR", str(_cache / "matplotlib"))
os.environ.setdefault("KERAS_HOME", str(_cache / "keras"))


def pytest_collectstart(collector):
    # The recorded-results output carries timings; its text/plain line is still compared.
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
    from labhelpers.runtime import import_keras

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
    from labhelpers.data.imdb import load_review_data, split_reviews

    records = load_review_data("synthetic", split="official", n_synthetic=400)
    return records, split_reviews(records, num_words=500, maxlen=60, n_val=40, cache=False)
