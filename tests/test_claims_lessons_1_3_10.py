"""Issue 22 in lessons 1, 2, 3 and 10: the sum task's baselines beside the RNN, results
labelled by their settings, float64 checks tight enough to catch the planted mistake,
truncated BPTT described by what it counts, and every comparison worded from its noise."""

import re

import nbformat
import pytest

from labhelpers import noise
from labhelpers.base.notebook_file import saved_results
from labhelpers.lesson_settings import LESSONS
from labhelpers.lessons.rnn_cell import tolerance_reading
from labhelpers.lessons.sequence_regression import mse_measured, mse_table, squared_errors
from labhelpers.lessons.sum_classifier import against_baselines, rnn_accuracy
from labhelpers.tools.runner import execute_notebook

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
    (record,) = saved_results(lesson_1_hidden_8)
    assert record["settings"]["hidden_size"] == 8
    assert "RNN(8)" in record["model"] and "16" not in record["model"]


def test_lesson_1_shows_the_exact_rule_and_logistic_regression_beside_the_rnn(lesson_1_hidden_8):
    (record,) = saved_results(lesson_1_hidden_8)
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


# --- lesson 2: the float64 tolerance and the planted mistake agree ---------------------------


def reading(**changes):
    figures = dict(
        tolerance=1e-10,
        catalogue=1e-6,
        planted_error=1e-8,
        rounding64=2e-16,
        planted64=2.3e-8,
        rounding32=6e-8,
        planted32=7e-8,
    )
    figures.update(changes)
    return tolerance_reading(**figures)


def test_tolerance_reading_separates_rounding_from_the_planted_mistake():
    text = reading()
    assert (
        "float64 rounding (< 1e-14) passes it and the bias off by 1e-08 (2.3e-08) fails it" in text
    )
    assert (
        "The catalogue's bound, 1e-06, passes float32 rounding (6.0e-08) and the bias off" in text
    )
    assert "a factor of 1.2: within float32's rounding" in text


def test_tolerance_reading_every_branch_reads_right():
    loose = reading(tolerance=1e-6)  # the catalogue's bound as the tolerance
    assert "passes it as float64 rounding (< 1e-14) does: this tolerance cannot tell" in loose
    too_tight = reading(tolerance=1e-17)
    assert "which even float64 rounding (2.0e-16) fails" in too_tight
    strict_catalogue = reading(catalogue=1e-9)
    assert "fails float32 rounding and the bias off by 1e-08 alike" in strict_catalogue
    only_rounding = reading(catalogue=5e-8)
    assert "passes float32 rounding (6.0e-08)" not in only_rounding
    assert "passes the bias off by 1e-08 in float64" in only_rounding
    shown = reading(rounding32=1e-9, planted32=2.3e-8)
    assert "float32 shows it too, where float64 shows it at least 2e+06 times" in shown
    with pytest.raises(ValueError, match="tolerance must be above 0"):
        reading(tolerance=0.0)


def test_lesson_2_asserts_a_float64_tolerance_that_the_planted_mistake_fails():
    reference = nbformat.read(ROOT / "tests" / "nbval" / "02_rnn_cell.ipynb", as_version=4)
    text = shown_text(reference)
    assert "top layer, our b off by 1e-08" in text  # the planted mistake's row
    assert "the bias off by 1e-08 (Xe-08) fails it" in text or (
        re.search(r"the bias off by 1e-08 \(\d\.\de-08\) fails it", text)
    )
    (lesson,) = [lesson for lesson in LESSONS if lesson.name == "rnn_cell"]
    tolerances = {name: values["tolerance"] for name, values in lesson.table().items()}
    assert tolerances == {"lab": 1e-10, "quick": 1e-10, "smoke": 1e-10}  # every profile


# --- lesson 3: what a window costs, and what "n - 1 steps" counts --------------------------


def test_lesson_3_says_what_training_on_windows_costs_and_measures_it():
    source = (ROOT / "notebooks" / "03_bptt.py").read_text()
    assert "not training" not in source  # lesson 11 trains on windows from a zero state
    assert "cannot carry information older than" in source
    reference = nbformat.read(ROOT / "tests" / "nbval" / "03_bptt.ipynb", as_version=4)
    text = shown_text(reference)
    assert re.search(r"windows of 3 steps from a zero state: the largest difference", text)
    assert "forward cell steps per sequence" in text
    (record,) = saved_results(reference)
    assert record["metrics"]["zero_state_window_relative_error"] > 0


def test_lesson_3_says_what_its_n_minus_1_steps_count():
    """Lesson 12 says "at most T steps" for chunks of T: lesson 3 says it counts lags
    (Jacobian factors), and that the same chunk reaches n steps."""
    reference = nbformat.read(ROOT / "tests" / "nbval" / "03_bptt.ipynb", as_version=4)
    text = shown_text(reference)
    assert "reaches back at most $n - 1$ steps of lag" in text
    assert "multiplies $n - 1$ one-step Jacobians and reaches the $n$ steps" in text


# --- lesson 10: one layer against two, and the RNN against the predictors, with their noise ---


def test_mse_measured_over_seeds_or_over_sequences():
    assert mse_measured([0.03, 0.05], [0.1, 0.2], "validation sequences") == noise.over_seeds(
        [0.03, 0.05]
    )
    one = mse_measured([0.04], [0.02, 0.06, 0.04], "validation sequences")
    assert one.value == pytest.approx(0.04)
    assert one.se == pytest.approx(0.02 / 3**0.5)  # sd 0.02 over 3 sequences
    assert "3 validation sequences" in one.source
    with pytest.raises(ValueError, match="at least one seed"):
        mse_measured([], [0.1, 0.2], "validation sequences")


def test_squared_errors_per_sequence():
    errors = squared_errors([[1.0], [2.0]], [[0.5], [2.0]])
    assert errors.tolist() == [0.25, 0.0]
    with pytest.raises(ValueError, match="must match"):
        squared_errors([[1.0, 2.0]], [[1.0]])


def test_mse_table_shows_four_decimals_and_says_which_way_is_lower():
    figures = {
        "RNN": noise.Measured(0.0370, 0.0056, "s"),
        "last value": noise.Measured(0.0743, 0.0121, "s"),
        "close": noise.Measured(0.0380, 0.0050, "s"),
        "lower": noise.Measured(0.0100, 0.0010, "s"),
    }
    table = mse_table(figures, reference="RNN", value="test MSE")
    assert table.loc["last value", "vs RNN"] == "+0.0373 ± 0.0133"
    verdicts = table["verdict (above: lower MSE)"]
    assert list(verdicts) == ["", "below", "within noise", "above"]
    assert table.loc["RNN", "test MSE"] == 0.0370 and "±" in table.columns


def test_lesson_8_tables_carry_their_noise_and_the_result_its_verdicts():
    reference = nbformat.read(
        ROOT / "tests" / "nbval" / "10_sequence_regression.ipynb", as_version=4
    )
    text = shown_text(reference)
    assert "±: s.e. of the mean over 2 seeds" in text  # the layers' table
    assert "±: s.e. of the mean over 40 test sequences" in text  # the test table
    assert re.search(r"The 2-layer RNN (and the 1-layer RNN are within noise|beats|is worse)", text)
    assert re.search(
        r"The RNN \(1 layer, hidden 32\) (beats|is worse than|and) the last-value", text
    )
