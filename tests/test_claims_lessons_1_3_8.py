"""Issue 22 in lessons 1, 2, 3 and 8: the sum task's baselines beside the RNN, results
labelled by their settings, float64 checks tight enough to catch the planted mistake,
truncated BPTT described by what it counts, and every comparison worded from its noise."""

import re

import nbformat
import pytest

from labhelpers import noise
from labhelpers.lessons.sum_classifier import against_baselines, rnn_accuracy
from labhelpers.tools.runner import execute_notebook, records_in

from conftest import ROOT

# --- lesson 1: the RNN against the exact rule and logistic regression ----------------------


def test_rnn_accuracy_is_the_mean_over_seeds_or_one_runs_binomial_error():
    over = rnn_accuracy([0.90, 0.94, 0.92], 200)
    assert over == noise.over_seeds([0.90, 0.94, 0.92])
    one = rnn_accuracy([0.9], 200)
    assert one.value == 0.9 and one.se == pytest.approx((0.9 * 0.1 / 200) ** 0.5)
    with pytest.raises(ValueError, match="at least one seed"):
        rnn_accuracy([], 200)


def test_against_baselines_reads_right_below_above_and_within_noise():
    rnn = noise.Measured(0.93, 0.005, "s.e. of the mean over 10 seeds")
    baselines = {
        "the exact rule (sum > 5)": noise.binomial(1.0, 200),
        "logistic regression on the 10 raw values": noise.binomial(0.935, 200),
        "always answering the larger class": noise.binomial(0.5, 200),
    }
    sentence = against_baselines("The RNN (hidden 16, mean of 10 seeds)", rnn, baselines)
    parts = sentence.split(". ")
    assert len(parts) == 3
    assert parts[0].startswith(
        "The RNN (hidden 16, mean of 10 seeds) is worse than the exact rule (sum > 5) "
        "by 7.00 ± 0.50"
    )
    assert parts[1].startswith(
        "The RNN (hidden 16, mean of 10 seeds) and logistic regression on the 10 raw values "
        "are within noise of each other"
    )
    assert parts[2].startswith(
        "The RNN (hidden 16, mean of 10 seeds) beats always answering the larger class by 43.00"
    )
    with pytest.raises(ValueError, match="at least one baseline"):
        against_baselines("The RNN", rnn, {})


@pytest.fixture(scope="module")
def lesson_1_hidden_8(tmp_path_factory):
    """Lesson 1 run by papermill in the smoke profile with -p hidden_size 8: a sweep point."""
    folder = tmp_path_factory.mktemp("lesson_1_hidden_8")
    executed = execute_notebook(
        ROOT / "notebooks" / "01_sum_classifier.ipynb",
        folder / "01_sum_classifier.ipynb",
        {"profile": "smoke", "hidden_size": 8},
    )
    return nbformat.read(executed, as_version=4)


def shown_text(notebook) -> str:
    return "\n".join(
        str(value)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        for value in [output.get("text", ""), *output.get("data", {}).values()]
        if isinstance(value, str)
    )


def test_a_hidden_size_sweep_point_records_its_own_model_description(lesson_1_hidden_8):
    (record,) = records_in(lesson_1_hidden_8)
    assert record["settings"]["hidden_size"] == 8
    assert "RNN(8)" in record["model"] and "16" not in record["model"]


def test_lesson_1_shows_the_exact_rule_and_logistic_regression_beside_the_rnn(lesson_1_hidden_8):
    (record,) = records_in(lesson_1_hidden_8)
    assert record["metrics"]["exact_rule_val_accuracy"] == 1.0
    assert 0.5 <= record["metrics"]["logistic_regression_val_accuracy"] <= 1.0
    text = shown_text(lesson_1_hidden_8)
    assert "the exact rule (sum > 5)" in text and "100.00" in text
    assert "logistic regression on the 10 raw values" in text
    # The Result reads the RNN against both, worded by labhelpers.noise.
    assert re.search(
        r"The RNN \(hidden 8, mean of 2 seeds\) (is worse than|beats|and) the exact rule", text
    )
    assert record["lab_record"] == {"val_accuracy": 0.94, "val_f1": 0.9375}


def test_lesson_1_names_the_lab_records_figures_once():
    source = (ROOT / "notebooks" / "01_sum_classifier.py").read_text()
    assert source.count("0.9375") == 1 and source.count("0.94,") == 1
    assert 'model="RNN(' not in source
