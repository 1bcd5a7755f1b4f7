"""The figures of the IMDB lessons 7, 9 and 13, read from their artists: the data drawn, the axes'
labels and titles."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import BarContainer

from labhelpers.lessons.imdb_rnn import plot_embedding_histories, plot_saliency_by_position
from labhelpers.plots import plot_review_lengths, plot_steps_against_baseline


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_saliency_figure_draws_each_position_on_a_log_scale():
    saliency = np.array([1e-6, 1e-4, 1e-2, 0.5])
    fig = plot_saliency_by_position(saliency)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    assert line.get_xdata().tolist() == [1, 2, 3, 4]
    assert line.get_ydata().tolist() == saliency.tolist()
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "position in the padded review (4 = the last step, read by h_T)"
    assert ax.get_ylabel() == "mean ||dz / de_t|| (log scale)"
    assert ax.get_title() == "How much each position can move the output"


def test_the_saliency_figure_refuses_what_is_not_one_value_per_position():
    with pytest.raises(ValueError, match="saliency.*saliency_by_position"):
        plot_saliency_by_position(np.zeros((2, 3)))


def test_the_embedding_figure_draws_each_embeddings_curves_in_one_colour():
    histories = {
        "random": {"accuracy": [0.5, 0.6], "val_accuracy": [0.55, 0.58], "val_loss": [0.7, 0.65]},
        "frozen": {"accuracy": [0.6, 0.7], "val_accuracy": [0.62, 0.66], "val_loss": [0.6, 0.5]},
    }
    fig = plot_embedding_histories(histories, title="LSTM(32) on generated reviews")
    accuracy_ax, loss_ax = fig.axes
    assert fig._suptitle.get_text() == "LSTM(32) on generated reviews"
    assert accuracy_ax.get_title() == "accuracy per epoch (solid: validation, dotted: training)"
    assert loss_ax.get_title() == "validation loss per epoch"
    assert (accuracy_ax.get_ylabel(), loss_ax.get_ylabel()) == ("accuracy", "binary cross-entropy")
    assert accuracy_ax.get_xlabel() == loss_ax.get_xlabel() == "epoch"
    lines = accuracy_ax.get_lines()
    for index, history in enumerate(histories.values()):
        validation, training = lines[2 * index], lines[2 * index + 1]
        assert validation.get_ydata().tolist() == history["val_accuracy"]
        assert training.get_ydata().tolist() == history["accuracy"]
        assert training.get_linestyle() == ":"
        assert training.get_color() == validation.get_color()
        loss = loss_ax.get_lines()[index]
        assert loss.get_ydata().tolist() == history["val_loss"]
        assert loss.get_xdata().tolist() == [1, 2]
        assert loss.get_color() == validation.get_color()
    for ax in fig.axes:
        legend = ax.get_legend()
        assert legend.get_title().get_text() == "embedding"
        assert [t.get_text() for t in legend.get_texts()] == ["random", "frozen"]


def test_the_embedding_figure_refuses_no_histories():
    with pytest.raises(ValueError, match="histories.*at least one"):
        plot_embedding_histories({}, title="none")


def test_the_length_histogram_marks_both_cuts_with_the_share_of_longer_reviews():
    lengths = np.array([50, 150, 250, 350, 450])
    fig = plot_review_lengths(lengths, maxlen=400)
    (ax,) = fig.axes
    assert sum(patch.get_height() for patch in ax.patches) == 5
    cuts = {line.get_xdata()[0]: line.get_linestyle() for line in ax.get_lines()}
    assert cuts == {200: "--", 400: ":"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    # 3 of 5 reviews are longer than 200 words, 1 of 5 longer than 400
    assert legend == [
        "cut at 200: 60% of reviews longer",
        "cut at 400: 20% of reviews longer",
    ]
    assert ax.get_xlabel() == "words per training review (first 400 kept)"
    assert ax.get_ylabel() == "reviews"


def test_the_length_histogram_refuses_no_reviews():
    with pytest.raises(ValueError, match="lengths.*at least one review"):
        plot_review_lengths([], maxlen=400)


def test_the_steps_figure_draws_the_first_step_on_top_with_its_colour_and_error_bar():
    fig = plot_steps_against_baseline(
        ["E1 record", "masked", "GRU"],
        accuracy=[70.0, 80.0, 85.0],
        se=[1.0, 0.5, 0.25],
        seconds=[3.0, 4.0, 9.0],
        kinds=["record", "rnn", "gated"],
        baseline=0.88,
    )
    accuracy_ax, time_ax = fig.axes
    # barh draws the first name at the bottom: the steps go in reversed
    labels = [t.get_text() for t in accuracy_ax.get_yticklabels()]
    assert labels == ["GRU", "masked", "E1 record"]
    widths = [patch.get_width() for patch in accuracy_ax.patches]
    assert widths == [85.0, 80.0, 70.0]
    colours = [matplotlib.colors.to_hex(patch.get_facecolor()) for patch in accuracy_ax.patches]
    expected = [matplotlib.colors.to_hex(c) for c in ("tab:orange", "tab:blue", "tab:gray")]
    assert colours == expected
    assert [patch.get_width() for patch in time_ax.patches] == [9.0, 4.0, 3.0]
    (bars,) = [c for c in accuracy_ax.containers if isinstance(c, BarContainer)]
    (errorbar,) = bars.errorbar.lines[2]
    half_widths = [(s[1][0] - s[0][0]) / 2 for s in errorbar.get_segments()]
    assert half_widths == pytest.approx([0.5, 1.0, 2.0])  # 2 standard errors
    (baseline,) = accuracy_ax.get_lines()
    assert baseline.get_xdata()[0] == pytest.approx(88.0) and baseline.get_linestyle() == "--"
    legend = [t.get_text() for t in accuracy_ax.get_legend().get_texts()]
    assert legend == ["TF-IDF + logistic regression (88.0%)"]
    assert accuracy_ax.get_xlim() == (65.0, 100.0)  # 5 points below the lowest
    assert accuracy_ax.get_xlabel() == "test accuracy (%), bars: ± 2 standard errors"
    assert time_ax.get_xlabel() == "seconds per epoch (training and validation)"
    assert accuracy_ax.get_title() == "gray: the record; blue: tanh RNN; orange: gated cells"


@pytest.mark.parametrize(
    ("kinds", "match"),
    [(["rnn"], "one value per step"), (["rnn", "lstm"], "kinds.*lstm.*record, rnn, gated")],
)
def test_the_steps_figure_refuses_mismatched_columns_and_unknown_kinds(kinds, match):
    with pytest.raises(ValueError, match=match):
        plot_steps_against_baseline(["a", "b"], [1, 2], [1, 1], [1, 1], kinds, baseline=0.5)
