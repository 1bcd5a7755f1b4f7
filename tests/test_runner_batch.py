"""The batch runner for teaching assistants: sweeps, parallel and incremental runs, Dask, Ctrl-C.

Each test runs lessons 1, 2 or 10 in the smoke profile on a copy of the book in a temporary folder.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import torch

from labhelpers.__main__ import main
from labhelpers.base.notebook_file import read, saved_results
from labhelpers.tools.cache import data_identity, refresh_markdown, run_key, shared_identity
from labhelpers.tools.jobs import THREAD_VARIABLES
from labhelpers.tools.runner import default_jobs, run, run_times
from labhelpers.tools.sweep import check_grid, parse_grid_option, point_name, sweep_page

from conftest import ROOT, says

SMALL = ("01_sum_classifier", "10_sequence_regression")


def book_with(folder: Path, names=SMALL) -> Path:
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, folder / name)
    (folder / "notebooks").mkdir()
    for name in names:
        shutil.copy2(ROOT / "notebooks" / f"{name}.ipynb", folder / "notebooks")
    return folder


def runner_process(root: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "labhelpers",
            "--root",
            str(root),
            "run",
            "--profile",
            "smoke",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def end_time(executed: Path) -> str:
    return json.loads(executed.read_text())["metadata"]["papermill"]["end_time"]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Lessons 1 and 10 run once (smoke): a book that later tests copy and change."""
    root = book_with(tmp_path_factory.mktemp("ran"))
    lines = []
    run("smoke", root=root, log=lines.append)
    return root, lines


def copy_of(ran, tmp_path) -> Path:
    shutil.copytree(ran[0], tmp_path / "book")
    return tmp_path / "book"


# --------------------------------------------------------------------------- parallel, incremental


def test_parallel_run_reports_each_job_and_a_summary(ran):
    root, lines = ran
    assert sorted(line.split(": ")[0].split("] ")[1] for line in lines[:2]) == list(SMALL)
    assert all(": done in " in line for line in lines[:2])
    assert lines[2].startswith("2 job(s): 2 done, 0 failed, 0 skipped (unchanged);")
    assert lines[2].endswith("with 2 at a time")
    records = json.loads((root / "_build" / "results.json").read_text())
    for name in SMALL:  # the collected records are those the executed notebook displayed
        executed = root / "_build" / "executed" / f"{name}.ipynb"
        mine = [
            {k: v for k, v in r.items() if k not in ("notebook", "lesson")}
            for r in records
            if r["notebook"] == name
        ]
        assert mine == saved_results(read(executed))
        ours = json.loads(executed.read_text())["metadata"]["labhelpers"]
        assert ours["run_key"] and ours["at_once"] == min(default_jobs(), len(SMALL))
    assert {r["machine"]["torch_threads"] for r in records} == {1}  # one thread per job
    # Each job's time is kept for the next run's order (the longest first).
    printed = {
        line.split("] ")[1].split(":")[0]: float(line.split("done in ")[1].split(" s")[0])
        for line in lines[:2]
    }
    kept = {name.split(" ")[0]: seconds for name, seconds in run_times(root).items()}
    assert kept == pytest.approx(printed, abs=0.051)


def test_threads_0_gives_the_kernel_torchs_own_default_not_the_dask_workers_one(tmp_path):
    """Dask starts its workers with OMP_NUM_THREADS=1 and the like; --threads 0 (the libraries'
    defaults) must not pass them on. Torch's default is read in a process without them."""
    root = book_with(tmp_path, names=("01_sum_classifier",))
    run("smoke", root=root, jobs=1, threads=0, log=lambda line: None)
    without = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    default = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
        env=without,
        capture_output=True,
        text=True,
        check=True,
    )
    (record,) = json.loads((root / "_build" / "results.json").read_text())
    assert record["machine"]["torch_threads"] == int(default.stdout)


def test_a_changed_notebook_runs_again_and_an_unchanged_one_does_not(ran, tmp_path):
    root = copy_of(ran, tmp_path)
    executed = {name: root / "_build" / "executed" / f"{name}.ipynb" for name in SMALL}
    before = {name: end_time(path) for name, path in executed.items()}
    # Lesson 10: one code cell changes. Lesson 1: only a Markdown cell does.
    lesson8 = nbformat.read(root / "notebooks" / "10_sequence_regression.ipynb", as_version=4)
    code = next(
        cell for cell in lesson8.cells if cell.cell_type == "code" and "import" in cell.source
    )
    code.source += "\n# a changed line"
    nbformat.write(lesson8, root / "notebooks" / "10_sequence_regression.ipynb")
    lesson1 = nbformat.read(root / "notebooks" / "01_sum_classifier.ipynb", as_version=4)
    markdown = next(
        cell for cell in lesson1.cells if cell.cell_type == "markdown" and "## Aim" in cell.source
    )
    markdown.source = markdown.source.replace("## Aim", "## Aim (edited)")
    nbformat.write(lesson1, root / "notebooks" / "01_sum_classifier.ipynb")
    lines = []
    run("smoke", root=root, log=lines.append)
    assert end_time(executed["10_sequence_regression"]) != before["10_sequence_regression"]
    assert end_time(executed["01_sum_classifier"]) == before["01_sum_classifier"]
    assert "01_sum_classifier: unchanged code, Markdown updated in the executed copy" in "\n".join(
        lines
    )
    assert "## Aim (edited)" in executed["01_sum_classifier"].read_text()
    assert lines[-1].startswith("2 job(s): 1 done, 0 failed, 1 skipped (unchanged)")
    # Nothing changed now: nothing runs; --force runs it again.
    lines.clear()
    run("smoke", only=["01_sum_classifier"], root=root, log=lines.append)
    assert "unchanged, reused the copy executed" in lines[0]
    run("smoke", only=["01_sum_classifier"], root=root, force=True, log=lines.append)
    assert end_time(executed["01_sum_classifier"]) != before["01_sum_classifier"]


def test_the_run_key_follows_code_parameters_data_and_helpers(tmp_path, monkeypatch):
    source = json.loads((ROOT / "notebooks" / "01_sum_classifier.ipynb").read_text())
    shared = shared_identity()
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(tmp_path))
    (tmp_path / "imdb.csv").write_text("review,sentiment\n")
    key = run_key(source, {"profile": "smoke"}, shared)
    assert run_key(source, {"profile": "smoke"}, shared) == key
    assert run_key(source, {"profile": "quick"}, shared) != key
    assert run_key(source, {"profile": "smoke", "seed": 1}, shared) != key
    assert run_key(source, {"profile": "smoke"}, {**shared, "labhelpers": "other code"}) != key
    (tmp_path / "imdb.csv").write_text("review,sentiment\nfine,positive\n")  # the data changed
    assert (
        data_identity({})["LABHELPERS_DATA_DIR"][1][0][1] == (tmp_path / "imdb.csv").stat().st_size
    )
    assert run_key(source, {"profile": "smoke"}, shared) != key
    edited = json.loads(json.dumps(source))
    next(c for c in edited["cells"] if c["cell_type"] == "markdown")["source"] = "# new title"
    assert run_key(edited, {"profile": "smoke"}, shared) == run_key(
        source, {"profile": "smoke"}, shared
    )
    assert refresh_markdown(json.loads(json.dumps(source)), edited) is True
    edited["cells"].append({"cell_type": "markdown", "source": "more", "metadata": {}})
    assert (
        refresh_markdown(json.loads(json.dumps(source)), edited) is None
    )  # cells no longer line up


# --------------------------------------------------------------------------- sweeps


def test_grid_options_and_their_checks():
    assert parse_grid_option("hidden_size=16,32,64") == ("hidden_size", [16, 32, 64])
    assert parse_grid_option("seed=0:5") == ("seed", [0, 1, 2, 3, 4])
    assert parse_grid_option("cell=rnn,gru") == ("cell", ["rnn", "gru"])
    for bad in ("hidden_size", "=1,2", "seed=5:5", "hidden_size="):
        with pytest.raises(ValueError, match="--grid"):
            parse_grid_option(bad)
    source = json.loads((ROOT / "notebooks" / "01_sum_classifier.ipynb").read_text())
    assert check_grid("01", source, {"learning_rate": [1, "0.1"]}, {}) == {
        "learning_rate": [1.0, 0.1]
    }
    with pytest.raises(
        ValueError, match=says("01 has no parameter 'hiden_size'", "its parameters are: profile")
    ):
        check_grid("01", source, {"hiden_size": [1]}, {})
    with pytest.raises(ValueError, match="parameter hidden_size must be of type int, got 'x'"):
        check_grid("01", source, {"hidden_size": [4, "x"]}, {})
    with pytest.raises(ValueError, match="both swept"):
        check_grid("01", source, {"seed": [1, 2]}, {"seed": 3})
    with pytest.raises(ValueError, match="the sweep of 01: hidden_size must be at least 1, got 0"):
        check_grid(
            "01", source, {"hidden_size": [0, 4]}, {}
        )  # the declared range, before anything runs
    with pytest.raises(
        ValueError, match=says("learning_rate", "above 0", "got -0.1", "-p learning_rate")
    ):
        run("smoke", only=["01_sum_classifier"], parameters={"learning_rate": -0.1}, root=ROOT)
    wrong_type = "01_sum_classifier.ipynb: parameter epochs must be of type int, got 'many'"
    with pytest.raises(ValueError, match=wrong_type):  # -p values too, before anything runs
        run("smoke", only=["01_sum_classifier"], parameters={"epochs": "many"}, root=ROOT)
    assert (
        point_name("01_sum_classifier", {"hidden_size": 16, "cell": "a b"})
        == "01_sum_classifier--hidden_size=16--cell=a_b"
    )


def test_a_sweep_of_two_values_makes_two_executed_notebooks_and_one_table(ran, tmp_path, capsys):
    root = copy_of(ran, tmp_path)
    assert (
        main(
            [
                "--root",
                str(root),
                "run",
                "--profile",
                "smoke",
                "--only",
                "01_sum_classifier",
                "--grid",
                "hidden_size=4,8",
            ]
        )
        == 0
    )
    folder = root / "_build" / "sweeps"
    names = ["01_sum_classifier--hidden_size=4", "01_sum_classifier--hidden_size=8"]
    assert sorted(p.stem for p in (folder / "executed").glob("*.ipynb")) == names
    import pandas as pd

    table = pd.read_csv(folder / "last" / "sweep.csv")
    assert list(table["hidden_size"]) == [4, 8]
    for name, row in zip(names, table.itertuples()):
        executed = folder / "executed" / f"{name}.ipynb"
        notebook = json.loads(executed.read_text())
        assert notebook["metadata"]["papermill"]["parameters"]["hidden_size"] == row.hidden_size
        assert notebook["metadata"]["labhelpers"]["point"] == {"hidden_size": row.hidden_size}
        assert saved_results(read(executed))[0]["metrics"]["val_accuracy"] == row.val_accuracy
    assert (folder / "last" / "sweep_hidden_size.png").stat().st_size > 1000
    page = sweep_page(folder / "last")
    assert "![sweep_hidden_size.png](sweep/sweep_hidden_size.png)" in page
    assert (folder / "last" / "sweep.md").read_text() in page
    # The lessons' own results are not touched by a sweep.
    assert (root / "_build" / "results.json").read_text() == (
        ran[0] / "_build" / "results.json"
    ).read_text()


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="a CUDA GPU is here: device=cuda does not fail"
)
def test_a_failing_sweep_point_keeps_the_others_results_and_exits_non_zero(ran, tmp_path):
    # device=cuda obeys the declared choices but fails in the notebook on a machine without a GPU.
    root = copy_of(ran, tmp_path)
    process = runner_process(root, "--only", "01_sum_classifier", "--grid", "device=cuda,cpu")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert "01_sum_classifier--device=cuda: FAILED: cell" in out
    assert "error: 1 of 2 job(s) failed:\n- 01_sum_classifier--device=cuda: cell" in err
    assert "torch sees no CUDA GPU" in err
    assert "\x1b[" not in err  # no terminal colours from the kernel's traceback
    executed = root / "_build" / "sweeps" / "executed"
    assert (executed / "01_sum_classifier--device=cuda.failed.ipynb").exists()
    assert not (executed / "01_sum_classifier--device=cuda.ipynb").exists()
    assert saved_results(read(executed / "01_sum_classifier--device=cpu.ipynb"))
    table = (root / "_build" / "sweeps" / "last" / "sweep.csv").read_text().splitlines()
    assert len(table) == 2 and table[1].startswith("01_sum_classifier,cpu,")


# --------------------------------------------------------------------------- concurrency, Ctrl-C


def test_two_runs_of_the_same_notebook_at_once_do_not_overwrite_each_other_silently(ran, tmp_path):
    root = copy_of(ran, tmp_path)
    runs = [runner_process(root, "--only", "01_sum_classifier", "--force") for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in runs]
    codes = sorted(process.returncode for process in runs)
    assert codes == [0, 1], outputs
    refused = next(err for process, (_, err) in zip(runs, outputs) if process.returncode == 1)
    assert "01_sum_classifier: another run (pid " in refused and "is executing it into" in refused
    executed = root / "_build" / "executed" / "01_sum_classifier.ipynb"
    assert saved_results(read(executed))  # whole, readable, from the run that went ahead


def running(cell) -> bool:
    return cell.get("metadata", {}).get("papermill", {}).get("status") == "running"


def training_cell(notebook):
    return next(
        cell
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        and "history = train(settings.seed)" in "".join(cell["source"])
    )


def training_started(path: Path) -> bool:
    """Whether papermill has saved lesson 1 with its training cell running."""
    try:
        return running(training_cell(json.loads(path.read_text())))
    except (ValueError, StopIteration):  # being written, or not the notebook yet
        return False


def ctrl_c_as_in_a_terminal() -> None:
    """In the runner's process, before Python starts: Ctrl-C handled as a terminal's shell leaves
    it. A test run started in the background without job control (`make test &`, a CI harness)
    ignores SIGINT, a child inherits an ignored signal, and Python then raises no
    KeyboardInterrupt: under pytest-xdist so started, the runner never stopped on Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    "stop",
    [
        # Ctrl-C from the terminal reaches the whole process group.
        lambda process: os.killpg(process.pid, signal.SIGINT),
        # A batch system's stop (SLURM, kill) reaches the runner alone.
        lambda process: process.send_signal(signal.SIGTERM),
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_ctrl_c_or_sigterm_stops_with_one_line_and_keeps_the_partial_notebook_and_earlier_results(
    ran, tmp_path, stop
):
    root = copy_of(ran, tmp_path)
    before = {
        path: path.read_bytes()
        for path in (root / "_build").rglob("*")
        if path.is_file() and not path.name.endswith(".lock")
    }  # claims hold the pid of their run
    jobs = tmp_path / "tmp"
    jobs.mkdir()
    # A long training run (smoke data, 20000 epochs).
    process = runner_process(
        root,
        "--only",
        "01_sum_classifier",
        "-p",
        "epochs",
        "20000",
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(jobs)},
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    deadline = time.monotonic() + 120
    while not any(training_started(path) for path in jobs.glob("labhelpers-job-*/*.ipynb")):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.5)
    stop(process)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(
        "Interrupted: stopped 1 running notebook(s), kept as far as they got in "
        "_build/executed/01_sum_classifier.partial.ipynb;"
    )
    partial = nbformat.read(
        root / "_build" / "executed" / "01_sum_classifier.partial.ipynb", as_version=4
    )
    assert [cell.source for cell in partial.cells if running(cell)] == [
        training_cell(partial).source
    ]
    before_training = partial.cells[: partial.cells.index(training_cell(partial))]
    assert all(cell.execution_count for cell in before_training if cell.cell_type == "code")
    assert not saved_results(read(root / "_build" / "executed" / "01_sum_classifier.partial.ipynb"))
    after = {path: path.read_bytes() for path in before}
    assert after == before  # earlier executed copies and results untouched
    assert not list(jobs.glob("labhelpers-job-*/*.ipynb"))


# --------------------------------------------------------------------------- Dask


def worker_of(root: Path, name: str) -> str:
    return json.loads((root / "_build" / "executed" / f"{name}.ipynb").read_text())["metadata"][
        "labhelpers"
    ]["worker"]


def test_the_jobs_run_on_a_local_dask_cluster_of_two_workers(tmp_path):
    from dask.distributed import LocalCluster

    root = book_with(tmp_path)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        workers = set(cluster.scheduler_info["workers"])
        run("smoke", root=root, scheduler=cluster.scheduler_address, log=lambda line: None)
    assert {worker_of(root, name) for name in SMALL} <= workers
    assert [
        r["notebook"] for r in json.loads((root / "_build" / "results.json").read_text())
    ] == list(SMALL)


def test_the_jobs_run_through_a_scheduler_and_two_worker_processes(tmp_path):
    (tmp_path / "book").mkdir()
    root = book_with(tmp_path / "book")
    address_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    started = [
        subprocess.Popen(
            [
                *dask,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(address_file),
            ],
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        for index in range(
            2
        ):  # each worker in a folder of its own: nothing shared with the runner's _build
            folder = tmp_path / f"worker{index}"
            folder.mkdir()
            started.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"worker{index}",
                        "--local-directory",
                        str(folder),
                    ],
                    cwd=folder,
                    env={**os.environ, "TMPDIR": str(folder)},
                    stderr=subprocess.DEVNULL,
                )
            )
        from dask.distributed import Client

        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
            workers = set(client.scheduler_info()["workers"])
        process = runner_process(root, "--scheduler", address)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
        assert {worker_of(root, name) for name in SMALL} <= workers
        assert [
            r["notebook"] for r in json.loads((root / "_build" / "results.json").read_text())
        ] == list(SMALL)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)
