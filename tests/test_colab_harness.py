"""Every notebook run as on Colab: in the kernel of
tests/colab/harness.py, installed by its own first cell.

The harness kernel has Colab's packages (the project venv's, less labhelpers,
gensim and the book's tools), ``google.colab`` imported at start, a fresh home,
no LABHELPERS_* variable, and the real kagglehub client talking to a stand-in
Kaggle server on 127.0.0.1:7777. Nothing here needs the network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from colab import kaggle_server
from colab.harness import ColabHarness, install_cell_seconds, notebooks, results_of

ROOT = Path(__file__).resolve().parents[1]
SMOKE = [path.stem for path in notebooks(ROOT)]
# The IMDB lessons with the stand-in Kaggle's data, small sizes. Colab's cache route first:
# once kagglehub has downloaded the dataset into its cache folder, labhelpers finds it there.
IMDB_RUNS = [
    ("08_imdb_keras", dict(n_train=400, n_test=200), True),
    ("13_imdb_strong", dict(n_train=300, n_test=200, n_val=60), True),
    ("07_imdb_rnn_pytorch", dict(n_train=400, n_test=200), False),
    ("09_imdb_embeddings", dict(n_train=400, n_test=200, w2v_epochs=1), False),
]


def _say(config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"colab harness: {line}")


@pytest.fixture(scope="module")
def harness(request):
    # Without the wheelhouse (`make test` fills it) ColabHarness fails, naming
    # `make colab-wheelhouse`.
    with ColabHarness(ROOT) as built:
        _say(request.config, built.data_note)
        _say(request.config, f"harness built in {built.timings['build']:.1f} s")
        yield built
        for label, seconds in built.timings.items():
            _say(request.config, f"{seconds:7.1f} s  {label}")


def test_kernel_is_built_like_colab(harness):
    env = harness.kernel_env
    assert env["HOME"] != os.environ.get("HOME") and env["OMP_WAIT_POLICY"] == "PASSIVE"
    code = (
        "import json, os; print(json.dumps(sorted(k for k in os.environ "
        "if k.startswith(('LABHELPERS', 'CI', 'KAGGLEHUB')))))"
    )
    assert json.loads(harness.python_says(code)) == []
    where = harness.installed(
        "google.colab",
        "google.protobuf",
        "papermill",
        "nbval",
        "jupytext",
        "pytest",
        "torch",
        "tensorflow",
        "kagglehub",
        "ipykernel",
    )
    assert where["google.colab"] == str(
        ROOT / "tests" / "colab" / "stub" / "google" / "colab" / "__init__.py"
    )
    assert [name for name in ("papermill", "nbval", "jupytext", "pytest") if where[name]] == []
    assert all(
        where[name] for name in ("google.protobuf", "torch", "tensorflow", "kagglehub", "ipykernel")
    )


def test_install_cell_installs_labhelpers_and_gensim_once(harness, tmp_path):
    """The first notebook's install cell installs
    labhelpers[colab] from the snapshot; torch and NumPy stay."""
    before = harness.installed("labhelpers", "gensim", "numpy", "torch")
    assert before["labhelpers"] is None and before["gensim"] is None
    links = harness.site_listing()
    executed = harness.execute(
        f"notebooks/{SMOKE[0]}.ipynb", tmp_path / "out.ipynb", {"profile": "smoke"}
    )
    harness.timings[f"install cell of {SMOKE[0]}"] = install_cell_seconds(executed)
    after = harness.installed("labhelpers", "gensim", "numpy", "torch")
    assert after["labhelpers"] and after["labhelpers"].startswith(str(harness.site))
    assert after["gensim"], "the install cell did not install gensim (labhelpers[colab])"
    assert (after["numpy"], after["torch"]) == (before["numpy"], before["torch"])
    now = harness.site_listing()
    assert {name: now.get(name) for name in links} == links, (
        "pip replaced packages the Colab runtime already has"
    )


@pytest.mark.parametrize("notebook", SMOKE)
def test_notebook_runs_in_colab_harness(harness, notebook, tmp_path):
    executed = harness.execute(
        f"notebooks/{notebook}.ipynb", tmp_path / f"{notebook}.ipynb", {"profile": "smoke"}
    )
    assert results_of(executed), f"{notebook} saved no results"


@pytest.mark.parametrize(
    "notebook, sizes, colab_cache", IMDB_RUNS, ids=[run[0] for run in IMDB_RUNS]
)
def test_imdb_notebook_uses_kaggle_data(harness, notebook, sizes, colab_cache, tmp_path):
    """With data=imdb the notebook gets the reviews from
    kagglehub and uses the record's random 80/20 split."""
    seen = len(harness.server.requests)
    executed = harness.execute(
        f"notebooks/{notebook}.ipynb",
        tmp_path / f"{notebook}.ipynb",
        {"profile": "smoke", "data": "imdb", **sizes},
        colab_cache=colab_cache,
    )
    results = results_of(executed)
    assert results, f"{notebook} saved no results"
    data = " ".join(result["data"] for result in results)
    assert "SYNTHETIC" not in data.upper() and "GENERATED" not in data.upper(), data
    if colab_cache:  # kagglehub's Colab route: the dataset mounted by the runtime
        assert f"{harness.mount_folder}/{kaggle_server.DATASET}/" in data, data
        asked = [path for _, path, _ in harness.server.requests[seen:]]
        assert kaggle_server.MOUNT_PATH in asked, asked
    else:  # kagglehub's download into its cache folder of the fresh home
        assert (
            f"{harness.home}/.cache/kagglehub/datasets/{kaggle_server.OWNER}/{kaggle_server.DATASET}/versions/1/"
            in data
        ), data
        assert any(path == kaggle_server.DOWNLOAD_PATH for _, path, _ in harness.server.requests), (
            harness.server.paths_requested()
        )
    assert "random 80/20" in data, f"{notebook} did not use the random 80/20 split: {data}"
    for result in results:
        if "uses_imdb" in result["metrics"]:
            assert result["metrics"]["uses_imdb"] == 1.0


def test_second_server_on_the_port_says_so(harness):
    """kagglesdk's TEST environment is fixed at port
    7777: a taken port is a clear error, not a hang."""
    second = kaggle_server.KaggleStandIn(harness.server.archive, harness.server.md5_b64)
    with pytest.raises(kaggle_server.PortInUse, match="7777.*stop the program holding the port"):
        second.start()
