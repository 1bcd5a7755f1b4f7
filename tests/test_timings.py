"""How long each lesson takes: measurements read from executed notebooks, the committed file, the
table of the book and the README."""

import json
import shutil
from pathlib import Path

import pytest

from labhelpers.base.notebook_file import RESULTS_MIME
from labhelpers.tools.runner import list_notebooks
from labhelpers.tools.timings import (
    README_END,
    README_START,
    TIMES_FILE,
    duration_words,
    measurement,
    measurements,
    merged,
    read_times,
    save_times,
    times_page,
    times_table,
)

from conftest import ROOT


def executed_notebook(
    folder: Path,
    name: str,
    seconds: float = 75.04,
    profile: str = "quick",
    source=None,
    gpu: str | None = None,
    exception=None,
    at_once=2,
    cpu: str | None = None,
) -> Path:
    """An executed notebook as the runner writes it: papermill's metadata, one results output."""
    machine = {"cpu_count": 2, "torch_threads": 1, **({"gpu": gpu} if gpu else {})}
    if cpu:
        machine["cpu"] = cpu
    record = {"profile": profile, "source": source, "machine": machine}
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "# Lesson"},
            {
                "cell_type": "code",
                "outputs": [{"output_type": "display_data", "data": {RESULTS_MIME: record}}],
            },
        ],
        "metadata": {
            "papermill": {
                "duration": seconds,
                "exception": exception,
                "end_time": "2026-11-30T07:01:02.5+00:00",
            },
            "labhelpers": {"at_once": at_once},
        },
    }
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def test_a_measurement_is_papermills_duration_with_what_the_notebook_ran_on(tmp_path):
    path = executed_notebook(tmp_path, "07_imdb_rnn_pytorch", source="synthetic")
    assert measurement(path) == {
        "notebook": "07_imdb_rnn_pytorch",
        "profile": "quick",
        "seconds": 75.0,
        "device": "CPU",
        "cpu": None,
        "cores": 2,
        "threads": 1,
        "at_once": 2,
        "generated_data": True,
        "date": "2026-11-30",
    }
    gpu = executed_notebook(tmp_path, "08_imdb_keras", gpu="NVIDIA H200", source="imdb")
    assert measurement(gpu)["device"] == "GPU (NVIDIA H200)"
    assert measurement(gpu)["generated_data"] is False


def test_unfinished_notebooks_and_sweep_points_are_not_measured(tmp_path):
    failed = executed_notebook(tmp_path, "01_sum_classifier", exception=True)
    assert measurement(failed) is None
    executed_notebook(tmp_path, "01_sum_classifier.partial")
    executed_notebook(tmp_path, "01_sum_classifier--hidden_size=16")
    executed_notebook(tmp_path, "10_sequence_regression", seconds=3)
    assert [m["notebook"] for m in measurements(tmp_path)] == ["10_sequence_regression"]


def test_a_new_measurement_replaces_only_its_own_lesson_profile_and_device():
    old = [
        {"notebook": "01_sum_classifier", "profile": p, "device": d, "seconds": 1.0}
        for p in ("smoke", "quick")
        for d in ("CPU", "GPU (A)")
    ]
    new = [{"notebook": "01_sum_classifier", "profile": "quick", "device": "CPU", "seconds": 9.0}]
    result = merged(old, new)
    assert len(result) == 4 and new[0] in result
    assert [m["seconds"] for m in result if m["seconds"] == 1.0] == [1.0] * 3


@pytest.mark.parametrize(
    "seconds, words",
    [(0.4, "0 s"), (59.4, "59 s"), (59.6, "1 min 00 s"), (125, "2 min 05 s"), (599, "9 min 59 s")]
    + [(600, "10 min"), (1530, "26 min"), (3600, "1 h 00 min"), (3930, "1 h 06 min")],
)
def test_durations_in_words(seconds, words):
    assert duration_words(seconds) == words


def test_the_table_has_every_lesson_and_profile_and_says_where_it_was_measured(tmp_path):
    for name in ("07_imdb_rnn_pytorch", "11_forecasting"):
        executed_notebook(tmp_path, name, seconds=130, source="synthetic" * name.startswith("07"))
    gpu = tmp_path / "gpu"
    gpu.mkdir()
    executed_notebook(gpu, "11_forecasting", gpu="NVIDIA H200", seconds=20, at_once=1)
    times = measurements(tmp_path) + measurements(gpu)
    table = times_table(ROOT, times).splitlines()
    assert table[0] == "| lesson | smoke | quick | lab | quick, GPU (NVIDIA H200) |"
    rows = {line.split("`")[1]: line for line in table[2:] if line.startswith("| ")}
    assert list(rows) == [path.stem for path in list_notebooks(ROOT)]
    assert rows["07_imdb_rnn_pytorch"].endswith(
        "| not measured | 2 min 10 s (generated reviews) | not measured | not measured |"
    )
    assert rows["11_forecasting"].endswith("| not measured | 2 min 10 s | not measured | 20 s |")
    assert "- quick: 2 CPU cores, 1 torch thread, 2 notebooks at a time, 2026-11-30." in table
    assert (
        "- quick, GPU (NVIDIA H200): 2 CPU cores, GPU NVIDIA H200, 1 torch thread, one notebook "
        "at a time, 2026-11-30."
    ) in table


def test_a_profile_measured_on_two_cpu_models_has_a_column_for_each(tmp_path):
    """Times compare only on one CPU model: a profile measured on two gets a column per model,
    and a measurement recorded before results named the CPU gets its own."""
    xeon, epyc = "Intel(R) Xeon(R) CPU @ 2.20GHz", "AMD EPYC 7B13"
    executed_notebook(tmp_path, "01_sum_classifier", profile="lab", cpu=xeon)
    executed_notebook(tmp_path, "10_sequence_regression", profile="lab", cpu=epyc, seconds=30)
    executed_notebook(tmp_path, "11_forecasting", profile="lab")
    quick = tmp_path / "quick"
    quick.mkdir()
    executed_notebook(quick, "11_forecasting", profile="quick", cpu=epyc)
    times = measurements(tmp_path) + measurements(quick)
    assert [m["cpu"] for m in times] == [xeon, epyc, None, epyc]
    table = times_table(ROOT, times).splitlines()
    assert table[0] == (
        f"| lesson | smoke | quick | lab (AMD EPYC 7B13) | lab (CPU not named) | lab ({xeon}) |"
    )
    rows = {line.split("`")[1]: line for line in table[2:] if line.startswith("| ")}
    assert rows["10_sequence_regression"].endswith(
        "| not measured | not measured | 30 s | not measured | not measured |"
    )
    assert rows["11_forecasting"].endswith(
        "| not measured | 1 min 15 s | not measured | 1 min 15 s | not measured |"
    )
    assert (
        "- lab (AMD EPYC 7B13): 2 CPU cores (AMD EPYC 7B13), 1 torch thread, 2 notebooks at a "
        "time, 2026-11-30."
    ) in table
    assert (
        "- quick: 2 CPU cores (AMD EPYC 7B13), 1 torch thread, 2 notebooks at a time, "
        "2026-11-30." in table
    )


def test_a_new_measurement_keeps_another_cpu_models_and_replaces_an_unnamed_one():
    def m(cpu, seconds, notebook="01_sum_classifier"):
        return {
            "notebook": notebook,
            "profile": "quick",
            "device": "CPU",
            "cpu": cpu,
            "seconds": seconds,
        }

    old = [m("Intel Xeon", 1.0), m(None, 2.0), m("AMD EPYC", 3.0), m(None, 4.0, "02_rnn_cell")]
    result = merged(old, [m("AMD EPYC", 9.0)])
    assert sorted(x["seconds"] for x in result) == [1.0, 4.0, 9.0]


def book_copy(tmp_path: Path, times: list[dict] | None) -> Path:
    """The book's notebooks and README in a folder; ``times`` its committed measurements."""
    root = tmp_path / "book"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copy2(ROOT / "README.md", root / "README.md")
    (root / "book").mkdir()
    if times is not None:
        (root / TIMES_FILE).write_text(json.dumps({"measurements": times}))
    return root


def test_saving_merges_into_the_committed_file_and_rewrites_the_readme_table(tmp_path):
    executed = tmp_path / "executed"
    executed.mkdir()
    executed_notebook(executed, "01_sum_classifier", seconds=31)
    lab = {**measurement(executed_notebook(tmp_path, "01_sum_classifier", 900)), "profile": "lab"}
    root = book_copy(tmp_path, [lab])
    before = (root / "README.md").read_text()
    save_times(root, executed)
    assert [m["profile"] for m in read_times(root)] == ["quick", "lab"]
    after = (root / "README.md").read_text()
    head, rest = before.split(README_START)
    assert after.startswith(head + README_START + "\n")  # what comes before is kept ...
    assert after.endswith(README_END + rest.split(README_END)[1])  # ... and what comes after
    assert "| 1 `01_sum_classifier` | not measured | 31 s | 15 min |" in after
    assert times_table(root, read_times(root)) in after


def test_saving_without_measurements_or_without_the_readme_markers_is_refused(tmp_path):
    root = book_copy(tmp_path, None)
    with pytest.raises(FileNotFoundError, match="no finished lesson in"):
        save_times(root, tmp_path)
    executed_notebook(tmp_path, "01_sum_classifier")
    (root / "README.md").write_text("# A README without the table\n")
    with pytest.raises(ValueError, match="README.md has no .* block to rewrite"):
        save_times(root, tmp_path)
    assert (root / "README.md").read_text() == "# A README without the table\n"


def test_the_book_page_shows_this_builds_times_in_place_of_older_ones(tmp_path):
    old = measurement(executed_notebook(tmp_path, "01_sum_classifier", seconds=500))
    root = book_copy(tmp_path, [old])
    executed = tmp_path / "executed"
    executed.mkdir()
    executed_notebook(executed, "01_sum_classifier", seconds=12)
    page = times_page(root, executed)
    assert page.startswith("# How long each lesson takes\n")
    assert "| 1 `01_sum_classifier` | not measured | 12 s | not measured |" in page


def test_the_readme_shows_the_committed_measurements():
    readme = (ROOT / "README.md").read_text()
    block = readme.split(README_START)[1].split(README_END)[0]
    assert block == "\n" + times_table(ROOT, read_times(ROOT))


def test_a_refused_save_leaves_the_committed_times_as_they_were(tmp_path):
    """Both files are made before either is written (the JSON was saved, then the README
    refused)."""
    executed = tmp_path / "executed"
    executed.mkdir()
    executed_notebook(executed, "01_sum_classifier", seconds=31)
    root = book_copy(tmp_path, [])
    (root / "README.md").write_text("# A README without the table\n")
    with pytest.raises(ValueError, match="nothing was saved"):
        save_times(root, executed)
    assert read_times(root) == []


def test_a_damaged_executed_copy_is_named_and_the_others_still_count(tmp_path):
    executed_notebook(tmp_path, "01_sum_classifier", seconds=31)
    damaged = tmp_path / "10_sequence_regression.ipynb"
    damaged.write_text('{"cells": [')  # cut short
    warnings = []
    found = measurements(tmp_path, warn=warnings.append)
    assert [m["notebook"] for m in found] == ["01_sum_classifier"]
    (warning,) = warnings
    assert str(damaged) in warning and "--only 10_sequence_regression" in warning


def test_a_missing_executed_folder_is_an_error_naming_the_option(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"--executed .*nope: no such folder"):
        measurements(tmp_path / "nope")
